import { DecisionLog, ResourceView } from './allocation';

const resource = (
  over: Partial<ResourceView> & { kind?: string; action?: 'scale_up' | 'scale_down' | 'none'; blocked?: string | null }
): ResourceView => ({
  name: over.name ?? 'idle-1',
  allocation: over.allocation ?? { cpu: 4 },
  alerts: over.alerts ?? {},
  decision:
    over.decision === null
      ? null
      : {
          action: over.action ?? 'none',
          kind: over.kind ?? 'normal',
          blocked: over.blocked ?? null,
          reason: 'r',
          host: 'idle-1',
          evaluatedAt: null,
        },
});

describe('DecisionLog', () => {
  it('records a change only when the condition, action, alerts or allocation change', () => {
    const log = new DecisionLog();
    log.ingest([resource({})], 10);
    log.ingest([resource({})], 11);
    log.ingest([resource({ kind: 'stable_low_entropy', blocked: 'hysteresis' })], 12);
    log.ingest([resource({ kind: 'stable_low_entropy', action: 'scale_down', allocation: { cpu: 3 } })], 14);
    log.ingest([resource({ kind: 'stable_low_entropy', blocked: 'cooldown', allocation: { cpu: 3 } })], 15);
    log.ingest([resource({ kind: 'stable_low_entropy', blocked: 'cooldown', allocation: { cpu: 3 } })], 16);
    log.ingest([resource({ decision: null })], 17);
    expect(log.changes.map((c) => [c.step, c.kind, c.action, c.blocked])).toEqual([
      [10, 'normal', 'none', null],
      [12, 'stable_low_entropy', 'none', 'hysteresis'],
      [14, 'stable_low_entropy', 'scale_down', null],
      [15, 'stable_low_entropy', 'none', 'cooldown'],
    ]);
  });

  it('remembers alerts, and words the last decision for the table', () => {
    const log = new DecisionLog();
    log.ingest(
      [
        resource({
          name: 'batch-1',
          kind: 'collapsed_entropy',
          blocked: 'at_max',
          allocation: { cpu: 8 },
          alerts: { saturation: 't', monitor_closely: 't' },
        }),
        resource({
          name: 'web-1',
          kind: 'rising_entropy',
          action: 'scale_up',
          allocation: { cpu: 5 },
          alerts: { early_warning: 't' },
        }),
        resource({ name: 'db-1', decision: null }),
      ],
      100
    );
    expect(log.hadAlert('batch-1', 'saturation')).toBe(true);
    expect(log.hadAlert('web-1', 'saturation')).toBe(false);
    expect(Object.fromEntries(log.texts())).toEqual({
      'batch-1': 'cpu 8 · collapsed entropy (at max) · saturation',
      'web-1': 'cpu 5 · rising entropy · scale up · early warning',
      'db-1': 'cpu 4 · no decision yet',
    });
  });
});
