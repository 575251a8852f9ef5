import { INITIAL_POLICY_STATE } from '../../core';
import { parseConfig } from '../config';
import { EngineHost, EngineState } from '../state';
import { evaluateResource, matchedHosts, reconcile, resourceInput, ResourceRuntime } from './loop';
import { ResourceConfig } from './resource-config';

const T = Date.UTC(2026, 11, 3, 12);
const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;

function setup(policy = '{ for: 1 }', dims = 'cpu: { current: 4, min: 2, max: 8, step: 2 }') {
  const c = parseConfig(
    `
store: { path: /x.db }
defaults: { window: 4, baseline: { warmup: 2 }, trendWindow: 3 }
indicators:
  - { name: cpu, selector: cpu }
  - { name: load, selector: load, weight: 3 }
  - { name: util, selector: util, weight: 0 }
webhook: { url: http://h/a, secret: { env: S } }
resources:
  - { name: db, hosts: { host: "db-.*" }, utilization: { indicator: util, full: 2 }, ${dims}, policy: ${policy} }
`,
    {},
    { env: { S: SECRET } }
  );
  const state = new EngineState({
    indicators: c.indicators,
    hostBaseline: c.hostBaseline,
    stalenessMs: 3_600_000,
    maxSeries: 100,
  });
  return { state, config: c.resources[0], indicators: new Map(c.indicators.map((i) => [i.name, i])) };
}

/** A host whose aggregate point is set by hand (what `state.evaluate` computed), with a utilization sample. */
function host(state: EngineState, name: string, deviation: number, util?: number): EngineHost {
  const ind = state.indicators.get('util')!;
  if (util !== undefined) {
    state.ingest(ind, name, T, util, T);
  } else {
    state.ingest(state.indicators.get('cpu')!, name, T, 0.5, T);
  }
  const h = state.hosts.get(name)!;
  h.last = {
    t: T,
    score: 0.5 + deviation,
    max: 0.9,
    maxIndicator: 'cpu',
    count: 2,
    baseline: {
      mean: 0.5,
      std: 0.05,
      deviation,
      z: deviation / 0.05,
      ready: Number.isFinite(deviation),
      frozen: false,
    },
  };
  return h;
}

function runtime(config: ResourceConfig): ResourceRuntime {
  return { config, row: reconcile(config, undefined, T) };
}

describe('several hosts → one policy input', () => {
  it('judges by the most deviating host; utilization is the busiest host', () => {
    const { state, config } = setup();
    host(state, 'db-1', 0.1, 0.4);
    host(state, 'db-2', -0.3, 1.2);
    host(state, 'db-3', NaN, 1.9); // warming up: not the representative, but its utilization counts
    host(state, 'web-1', 0.9, 2); // not matched
    const hosts = matchedHosts(config, state);
    expect(hosts.map((h) => h.name)).toEqual(['db-1', 'db-2', 'db-3']);
    const { input, host: rep } = resourceInput(config, hosts, T);
    expect(rep).toBe('db-2');
    expect(input).toMatchObject({ now: T, entropy: 0.2, baseline: 0.5, deviation: -0.3, utilization: 0.95 });
    expect(input.z).toBeCloseTo(-6, 12);
    expect(input.anomalyScore).toBeUndefined();
  });

  it('ties keep the first host by name; warming-up hosts only when none has a deviation', () => {
    const { state, config } = setup();
    host(state, 'db-b', 0.2);
    host(state, 'db-a', -0.2);
    expect(resourceInput(config, matchedHosts(config, state), T).host).toBe('db-a');
    const only = setup();
    host(only.state, 'db-x', NaN);
    const r = resourceInput(only.config, matchedHosts(only.config, only.state), T);
    expect(r).toMatchObject({ host: 'db-x', input: { deviation: NaN } });
  });

  it('no matched host: no entropy and no utilization, so no action', () => {
    const { state, config } = setup();
    host(state, 'web-1', 0.5, 2);
    const rt = runtime(config);
    const step = evaluateResource(rt, state, T, T);
    expect(step).toMatchObject({
      host: null,
      hosts: 0,
      action: undefined,
      decision: { action: 'none', kind: 'no_data' },
    });
  });

  it('trend is the weighted mean of a host’s indicator trends, then the largest over hosts', () => {
    const { state, config, indicators } = setup();
    // Feed real samples so that each series has a trend; weights: cpu 1, load 3, util 0 (left out).
    for (const [name, slope] of [
      ['db-1', 0.001],
      ['db-2', 0.002],
    ] as const) {
      for (let i = 0; i < 8; i++) {
        state.ingest(indicators.get('cpu')!, name, T + i * 1000, (i * slope * 997) % 1, T);
        state.ingest(indicators.get('load')!, name, T + i * 1000, i % 2 ? 0.9 : 0.1 + (i % 3) * 0.3, T);
        state.ingest(indicators.get('util')!, name, T + i * 1000, i / 10, T);
      }
    }
    state.evaluate(T + 8000);
    const hosts = matchedHosts(config, state);
    const expected = hosts.map((h) => {
      const cpu = h.series.get('cpu')!.current!.trend;
      const load = h.series.get('load')!.current!.trend;
      return (1 * cpu + 3 * load) / 4;
    });
    expect(expected.every(Number.isFinite)).toBe(true);
    expect(resourceInput(config, hosts, T).input.trend).toBeCloseTo(Math.max(...expected), 15);
  });
});

describe('evaluateResource', () => {
  it('a scale-up moves the stored allocation and makes an action with the DESIGN.md body', () => {
    const { state, config } = setup();
    host(state, 'db-1', 0.4, 1.8);
    const rt = runtime(config);
    const step = evaluateResource(rt, state, T, T + 123);
    expect(step.decision).toMatchObject({
      action: 'scale_up',
      kind: 'rising_entropy',
      change: { cpu: { from: 4, to: 6 } },
    });
    expect(step.row.allocation).toEqual({ cpu: 6 });
    expect(step.row.policy.lastUpAt).toBe(T);
    expect(step.row.alerts).toEqual({ early_warning: T });
    const body = JSON.parse(step.action!.body);
    expect(Object.keys(body).sort()).toEqual(
      ['change', 'createdAt', 'dryRun', 'host', 'id', 'reason', 'resource', 'source', 'type'].sort()
    );
    expect(body).toEqual({
      id: step.action!.id,
      type: 'allocation.scale_up',
      createdAt: new Date(T + 123).toISOString(),
      host: 'db-1',
      resource: 'db',
      change: { cpu: { from: 4, to: 6 } },
      reason: {
        kind: 'rising_entropy',
        entropy: 0.9,
        baseline: 0.5,
        deviation: 0.4,
        z: expect.closeTo(8, 9),
        utilization: 0.9,
        trend: null,
      },
      source: 'engine',
      dryRun: false,
    });
    expect(step.action!.id).toMatch(/^act_[0-9a-f]{32}$/);
    // The next evaluation starts from the new value: at max after one more step.
    rt.row = step.row;
    const later = evaluateResource(rt, state, T + 10 * 60_000, T + 10 * 60_000);
    expect(later.decision.change).toEqual({ cpu: { from: 6, to: 8 } });
    rt.row = later.row;
    expect(evaluateResource(rt, state, T + 20 * 60_000, 0).decision.blocked).toBe('at_max');
  });

  it('a dry run decides and reports the change but leaves the allocation alone', () => {
    const { state, config } = setup('{ for: 1, dryRun: true }');
    host(state, 'db-1', 0.4, 1.8);
    const step = evaluateResource(runtime(config), state, T, T);
    expect(step.decision).toMatchObject({ action: 'scale_up', dryRun: true });
    expect(step.row.allocation).toEqual({ cpu: 4 });
    expect(JSON.parse(step.action!.body)).toMatchObject({ dryRun: true, change: { cpu: { from: 4, to: 6 } } });
  });

  it('a veto on any matched host (quorum unhealthy) forbids a scale-down, and only a scale-down', () => {
    const { state, config } = setup();
    // Collapsed entropy at low utilization: the table's scale-down row.
    host(state, 'db-1', -0.3, 0.2);
    host(state, 'db-2', -0.1, 0.2);
    const veto = (h: string) => (h === 'db-2' ? 'a quorum of observers sees db-2 failing' : undefined);
    const vetoed = evaluateResource(runtime(config), state, T, T, veto);
    expect(vetoed.decision).toMatchObject({ action: 'none', blocked: 'forbidden' });
    expect(vetoed.decision.reason).toContain('scale-down forbidden: db-2: a quorum of observers sees db-2 failing');
    expect(vetoed.action).toBeUndefined();
    expect(vetoed.row.allocation).toEqual({ cpu: 4 });
    // Without the veto the same state scales down.
    expect(evaluateResource(runtime(config), state, T, T).decision).toMatchObject({ action: 'scale_down' });
    // A scale-up is not affected.
    const busy = setup();
    host(busy.state, 'db-1', 0.4, 1.8);
    host(busy.state, 'db-2', 0.1, 1.8);
    expect(evaluateResource(runtime(busy.config), busy.state, T, T, veto).decision.action).toBe('scale_up');
  });

  it('alerts keep the time they became active, and end when the decision drops them', () => {
    const { state, config } = setup('{ for: 3 }');
    const h = host(state, 'db-1', 0.4, 0.2);
    const rt = runtime(config);
    const a = evaluateResource(rt, state, T, T);
    rt.row = a.row;
    const b = evaluateResource(rt, state, T + 15_000, T + 15_000);
    expect(b.row.alerts).toEqual({ early_warning: T });
    rt.row = b.row;
    h.last = { ...h.last!, baseline: { ...h.last!.baseline, deviation: 0 } };
    expect(evaluateResource(rt, state, T + 30_000, 0).row.alerts).toEqual({});
  });
});

describe('reconcile (start-up)', () => {
  const { config } = setup(
    '{ for: 1 }',
    'cpu: { current: 4, min: 2, max: 8, step: 2 }, replicas: { current: 2, min: 1, max: 5, step: 1 }'
  );
  const stored = {
    name: 'db',
    policy: { ...INITIAL_POLICY_STATE, lastUpAt: 5 },
    allocation: { cpu: 6, replicas: 3, memory: 1024 },
    configured: { cpu: 4, replicas: 1, memory: 512 },
    alerts: { saturation: 9 },
    updatedAt: 7,
  };

  it('keeps stored values the config did not change, takes changed ones, drops unconfigured dimensions', () => {
    expect(reconcile(config, stored, T)).toEqual({
      name: 'db',
      policy: stored.policy,
      allocation: { cpu: 6, replicas: 2 },
      configured: { cpu: 4, replicas: 2 },
      alerts: { saturation: 9 },
      updatedAt: 7,
    });
  });

  it('clamps a stored value into narrowed bounds; a fresh resource starts from the config', () => {
    const narrowed = { ...config, allocation: { ...config.allocation, cpu: { current: 4, min: 2, max: 5, step: 2 } } };
    expect(reconcile(narrowed, stored, T).allocation.cpu).toBe(5);
    expect(reconcile(config, undefined, T)).toMatchObject({
      allocation: { cpu: 4, replicas: 2 },
      policy: INITIAL_POLICY_STATE,
    });
  });
});
