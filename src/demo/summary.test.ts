import { DecisionLog, EngineAction } from './allocation';
import { DEFAULT_SCENARIO } from './scenario';
import { check, IncidentSummary, ReceivedAction, summarize, summaryText } from './summary';
import { IncidentTracker } from './tracker';

const action = (host: string, type: string, signature = 'valid'): ReceivedAction => ({
  id: `act_${host}`,
  receivedAt: '2026-12-03T00:00:00.000Z',
  signature,
  action: { type, host, resource: host, change: { cpu: { from: 4, to: 3 } }, reason: { kind: 'stable_low_entropy' } },
});

describe('the summary', () => {
  const tracker = new IncidentTracker(DEFAULT_SCENARIO, { warnZ: 3, scoreThreshold: 0.6 });
  tracker.evaluation('api-1', 'memory', 81, { entropy: 0.2, z: 3.2, anomalyScore: 0.9 });
  [0.95, 0.95, 0.95, 0.95].forEach((v, i) => tracker.raw('api-1', 'memory', 136 + i, v));
  tracker.evaluation('db-1', 'cpu', 99, { entropy: 0.35, z: 3.1 });
  const summary = summarize({
    scenario: DEFAULT_SCENARIO,
    stepMs: 500,
    steps: 180,
    durationMs: 91_234,
    tracker,
    received: [action('idle-1', 'allocation.scale_down'), action('web-1', 'allocation.scale_up', 'unchecked')],
    engineActions: [],
    decisions: new DecisionLog(),
    rejected: ['rejected: no v1 signature matches'],
    pids: { engine: 1 },
    tempDirs: ['/tmp/x'],
    stoppedBy: 'duration',
  });

  it('times everything in seconds of the run', () => {
    const leak = summary.incidents.find((i) => i.kind === 'memory_leak')!;
    expect(leak).toMatchObject({
      startSeconds: 35,
      warning: { step: 81, seconds: 40.5, text: 'memory z +3.2' },
      detector: { step: 81, signal: 'anomaly_score', seconds: 40.5 },
      threshold: { rule: 'memory > 90 % for 4 samples', indicator: 'memory', above: 0.9, for: 4 },
      thresholdFirstAboveSeconds: 68,
      thresholdFiredSeconds: 69.5,
      leadSeconds: 29,
    });
    const spike = summary.incidents.find((i) => i.kind === 'load_spike')!;
    expect([spike.warning, spike.thresholdFiredSeconds, spike.leadSeconds]).toEqual([null, null, null]);
    expect(summary.durationSeconds).toBe(91.2);
    expect(summary.falseAlarms.entropy.map((w) => [w.host, w.seconds])).toEqual([['db-1', 49.5]]);
    expect(summary.falseAlarms.detector).toBe(0);
  });

  it('prints one line per incident and per action, and what the receiver refused', () => {
    const text = summaryText(summary);
    expect(text).toContain(
      'memory leak on api-1, from 35 s: entropy warning at 40.5 s (memory z +3.2); threshold alert (memory > 90 % for 4 samples) at 69.5 s: 29 s earlier'
    );
    expect(text).toContain(
      'load spike on web-1, from 40 s: no entropy warning; threshold alert (latency > 250 ms for 4 samples) never fired'
    );
    expect(text).toContain(
      "Actions received by the webhook: 2 (1 with a valid signature); the engine's outbox holds 0"
    );
    expect(text).toContain('allocation.scale_down idle-1 cpu 4→3 (stable_low_entropy) [signature valid]');
    expect(text).toContain('Refused by the receiver: 1');
    expect(text).toContain('Entropy warnings outside any incident: 1 (db-1 cpu z +3.1 at 49.5 s)');
    expect(text).toContain('FAIL every scripted incident was warned of');
    expect(text).toContain('ok   the quiet host was scaled down');
  });
});

describe('the checks', () => {
  const warned = { warning: { step: 1 } } as unknown as IncidentSummary;
  const engine = (r: ReceivedAction, state: EngineAction['state'] = 'delivered'): EngineAction => ({
    id: r.id,
    resource: r.action.host,
    host: r.action.host,
    type: r.action.type,
    state,
    attempts: 1,
    createdAt: null,
    deliveredAt: null,
    lastError: null,
    body: {},
  });
  const down = action('idle-1', 'allocation.scale_down');
  const up = action('batch-1', 'allocation.scale_up');
  const saturated = new DecisionLog();
  saturated.ingest(
    [
      {
        name: 'batch-1',
        allocation: { cpu: 5 },
        alerts: { saturation: 'x' },
        decision: {
          action: 'scale_up',
          kind: 'collapsed_entropy',
          blocked: null,
          reason: '',
          host: 'batch-1',
          evaluatedAt: null,
        },
      },
    ],
    60
  );
  const good = () =>
    check(DEFAULT_SCENARIO, [warned, warned], [down, up], [engine(down), engine(up)], saturated.changes);

  it('all hold on a good run', () => {
    expect(Object.values(good()).every(Boolean)).toBe(true);
  });

  it.each([
    [
      'an incident without a warning',
      () =>
        check(
          DEFAULT_SCENARIO,
          [warned, { warning: null } as IncidentSummary],
          [down, up],
          [engine(down), engine(up)],
          saturated.changes
        ),
      'everyIncidentWarned',
    ],
    [
      'no scale-down of the quiet host',
      () => check(DEFAULT_SCENARIO, [warned], [up], [engine(up)], saturated.changes),
      'quietHostScaledDown',
    ],
    [
      'a scale-down of the flatlined host',
      () =>
        check(
          DEFAULT_SCENARIO,
          [warned],
          [down, action('batch-1', 'allocation.scale_down')],
          [engine(down), engine(action('batch-1', 'allocation.scale_down'))],
          saturated.changes
        ),
      'flatlineNeverScaledDown',
    ],
    [
      'no saturation',
      () => check(DEFAULT_SCENARIO, [warned], [down, up], [engine(down), engine(up)], []),
      'flatlineSaturation',
    ],
    [
      'an action still pending',
      () => check(DEFAULT_SCENARIO, [warned], [down, up], [engine(down), engine(up, 'pending')], saturated.changes),
      'everyActionDeliveredWithValidSignature',
    ],
    [
      'an action never received',
      () => check(DEFAULT_SCENARIO, [warned], [down], [engine(down), engine(up)], saturated.changes),
      'everyActionDeliveredWithValidSignature',
    ],
    [
      'a bad signature',
      () =>
        check(
          DEFAULT_SCENARIO,
          [warned],
          [down, { ...up, signature: 'unchecked' }],
          [engine(down), engine(up)],
          saturated.changes
        ),
      'everyActionDeliveredWithValidSignature',
    ],
  ] as const)('%s fails exactly its check', (_what, run, failed) => {
    const c = run();
    expect(
      Object.entries(c)
        .filter(([, ok]) => !ok)
        .map(([k]) => k)
    ).toEqual([failed]);
  });
});
