import fc from 'fast-check';
import { decide } from './decide';
import {
  Allocation,
  checkAllocation,
  INITIAL_POLICY_STATE,
  PolicyInput,
  PolicyOptions,
  PolicyState,
  resolvePolicyOptions,
} from './policy';

const o = resolvePolicyOptions({ for: 1, theta: 0.15, uHigh: 0.8, uLow: 0.3, lowEntropy: 0.3 });
const alloc: Allocation = { cpu: { current: 4, min: 2, max: 8, step: 2 } };
const T = Date.UTC(2026, 11, 3, 12);

function input(p: Partial<PolicyInput>): PolicyInput {
  return { now: T, entropy: 0.5, baseline: 0.5, deviation: 0, z: 0, utilization: 0.5, trend: 0, ...p };
}

describe('policy table (DESIGN.md)', () => {
  it.each<[string, Partial<PolicyInput>, string, string, string[], Record<string, unknown>]>([
    [
      'rising entropy, utilization high → scale up',
      { entropy: 0.8, deviation: 0.3, z: 4, utilization: 0.85 },
      'scale_up',
      'rising_entropy',
      ['early_warning'],
      { cpu: { from: 4, to: 6 } },
    ],
    [
      'rising entropy, utilization below → alert only',
      { entropy: 0.8, deviation: 0.3, utilization: 0.5 },
      'none',
      'rising_entropy',
      ['early_warning'],
      {},
    ],
    [
      'collapsed entropy, utilization high → scale up + saturation, never down',
      { entropy: 0.05, deviation: -0.4, utilization: 0.97 },
      'scale_up',
      'collapsed_entropy',
      ['saturation'],
      { cpu: { from: 4, to: 6 } },
    ],
    [
      'collapsed entropy, utilization low → scale down',
      { entropy: 0.1, deviation: -0.3, utilization: 0.1 },
      'scale_down',
      'collapsed_entropy',
      [],
      { cpu: { from: 4, to: 2 } },
    ],
    [
      'collapsed entropy, utilization in between → nothing',
      { entropy: 0.1, deviation: -0.3, utilization: 0.5 },
      'none',
      'collapsed_entropy',
      [],
      {},
    ],
    [
      'stable low entropy, utilization low → scale down',
      { entropy: 0.2, baseline: 0.22, deviation: -0.02, utilization: 0.2 },
      'scale_down',
      'stable_low_entropy',
      [],
      { cpu: { from: 4, to: 2 } },
    ],
    [
      'stable low entropy, utilization normal → nothing',
      { entropy: 0.2, baseline: 0.22, deviation: -0.02, utilization: 0.5 },
      'none',
      'normal',
      [],
      {},
    ],
    ['trend up → monitor closely, no action', { trend: 0.001 }, 'none', 'normal', ['monitor_closely'], {}],
    ['anomaly score high → early warning', { anomalyScore: 0.9 }, 'none', 'anomaly_score', ['early_warning'], {}],
    ['warming up → nothing', { deviation: NaN, z: NaN }, 'none', 'warming_up', [], {}],
    ['no entropy → nothing', { entropy: NaN, deviation: NaN, z: NaN }, 'none', 'no_data', [], {}],
    [
      'rising entropy at exactly uHigh → scale up (≥)',
      { entropy: 0.8, deviation: 0.3, utilization: 0.8 },
      'scale_up',
      'rising_entropy',
      ['early_warning'],
      { cpu: { from: 4, to: 6 } },
    ],
    ['deviation exactly θ is not rising (>)', { deviation: 0.15, utilization: 0.9 }, 'none', 'normal', [], {}],
    ['deviation exactly −θ is not collapsed (<)', { deviation: -0.15, utilization: 0.1 }, 'none', 'normal', [], {}],
    [
      'collapsed entropy at exactly uLow → scale down (≤)',
      { entropy: 0.1, deviation: -0.3, utilization: 0.3 },
      'scale_down',
      'collapsed_entropy',
      [],
      { cpu: { from: 4, to: 2 } },
    ],
    [
      'rising entropy, utilization unknown → alert only',
      { entropy: 0.8, deviation: 0.3, utilization: NaN },
      'none',
      'rising_entropy',
      ['early_warning'],
      {},
    ],
    [
      'collapsed entropy, utilization unknown → never scale down',
      { entropy: 0.1, deviation: -0.3, utilization: NaN },
      'none',
      'collapsed_entropy',
      [],
      {},
    ],
    [
      'stable low entropy, utilization unknown → nothing',
      { entropy: 0.2, deviation: 0, utilization: NaN },
      'none',
      'normal',
      [],
      {},
    ],
    [
      'rising entropy with high utilization and a rising trend → scale up and monitor closely',
      { entropy: 0.8, deviation: 0.3, utilization: 0.9, trend: 0.01 },
      'scale_up',
      'rising_entropy',
      ['early_warning', 'monitor_closely'],
      { cpu: { from: 4, to: 6 } },
    ],
    ['trend exactly at the threshold → nothing (>)', { trend: 0.0005 }, 'none', 'normal', [], {}],
    ['trend unknown → nothing', { trend: NaN }, 'none', 'normal', [], {}],
    [
      'anomaly score at the threshold → early warning (≥)',
      { anomalyScore: 0.5 },
      'none',
      'anomaly_score',
      ['early_warning'],
      {},
    ],
    ['anomaly score below the threshold → nothing', { anomalyScore: 0.49 }, 'none', 'normal', [], {}],
    [
      'rising entropy and a high anomaly score → one early warning, the entropy row wins',
      { entropy: 0.8, deviation: 0.3, utilization: 0.5, anomalyScore: 0.9 },
      'none',
      'rising_entropy',
      ['early_warning'],
      {},
    ],
    ['normal → nothing', {}, 'none', 'normal', [], {}],
  ])('%s', (_, p, action, kind, alerts, change) => {
    const { decision } = decide(input(p), alloc, INITIAL_POLICY_STATE, o);
    expect(decision.action).toBe(action);
    expect(decision.kind).toBe(kind);
    expect(decision.alerts).toEqual(alerts);
    expect(decision.change).toEqual(change);
    expect(decision.reason.length).toBeGreaterThan(10);
  });

  it('the saturation case never scales down, whatever the state', () => {
    const state: PolicyState = { ...INITIAL_POLICY_STATE, lastUpAt: T - 1000 };
    const { decision } = decide(input({ entropy: 0.02, deviation: -0.5, utilization: 0.99 }), alloc, state, o);
    expect(decision.action).not.toBe('scale_down');
    expect(decision.alerts).toContain('saturation');
  });

  it('z threshold: deviation alone is not enough when zThreshold is set', () => {
    const oz = resolvePolicyOptions({ for: 1, zThreshold: 3 });
    expect(
      decide(input({ deviation: 0.3, z: 2, utilization: 0.9 }), alloc, INITIAL_POLICY_STATE, oz).decision.action
    ).toBe('none');
    expect(
      decide(input({ deviation: 0.3, z: 3, utilization: 0.9 }), alloc, INITIAL_POLICY_STATE, oz).decision.action
    ).toBe('scale_up');
  });
});

describe('policy guards', () => {
  const rising = input({ entropy: 0.8, deviation: 0.3, utilization: 0.9 });

  it('hysteresis: acts only once the condition held `for` evaluations', () => {
    const o3 = resolvePolicyOptions({ for: 3 });
    let state = INITIAL_POLICY_STATE;
    const actions: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = decide({ ...rising, now: T + i * 60_000 }, alloc, state, o3);
      actions.push(`${r.decision.action}/${r.decision.blocked ?? ''}`);
      state = r.state;
    }
    expect(actions).toEqual(['none/hysteresis', 'none/hysteresis', 'scale_up/']);
  });

  it('a forbidden scale-down is not taken and says why; scale-up is not affected', () => {
    const forbidden = 'quorum: 2 of 3 observers see db-1 failing probe_success';
    const down = input({ entropy: 0.1, deviation: -0.3, utilization: 0.1, scaleDownForbidden: forbidden });
    const r = decide(down, alloc, INITIAL_POLICY_STATE, o);
    expect(r.decision).toMatchObject({ action: 'none', blocked: 'forbidden', change: {} });
    expect(r.decision.reason).toContain(`scale-down forbidden: ${forbidden}`);
    // Not taken, so no cooldown starts.
    expect(r.state.lastDownAt).toBe(-Infinity);
    const stable = input({ entropy: 0.2, utilization: 0.1, scaleDownForbidden: forbidden });
    expect(decide(stable, alloc, INITIAL_POLICY_STATE, o).decision.blocked).toBe('forbidden');
    const up = decide({ ...rising, scaleDownForbidden: forbidden }, alloc, INITIAL_POLICY_STATE, o);
    expect(up.decision.action).toBe('scale_up');
    // The same input without the veto scales down.
    expect(decide({ ...down, scaleDownForbidden: undefined }, alloc, INITIAL_POLICY_STATE, o).decision.action).toBe(
      'scale_down'
    );
  });

  it('z threshold applies to collapsed entropy too', () => {
    const oz = resolvePolicyOptions({ for: 1, zThreshold: 3 });
    const collapsed = { entropy: 0.4, baseline: 0.7, deviation: -0.3, utilization: 0.1 };
    expect(decide(input({ ...collapsed, z: -2 }), alloc, INITIAL_POLICY_STATE, oz).decision.kind).toBe('normal');
    expect(decide(input({ ...collapsed, z: -3 }), alloc, INITIAL_POLICY_STATE, oz).decision.action).toBe('scale_down');
  });

  it('hysteresis restarts when the condition changes', () => {
    const o2 = resolvePolicyOptions({ for: 2 });
    let { state } = decide(rising, alloc, INITIAL_POLICY_STATE, o2);
    state = decide(input({}), alloc, state, o2).state;
    expect(decide(rising, alloc, state, o2).decision.blocked).toBe('hysteresis');
  });

  it('cooldown per direction', () => {
    const first = decide(rising, alloc, INITIAL_POLICY_STATE, o);
    expect(first.decision.action).toBe('scale_up');
    const soon = decide({ ...rising, now: T + 60_000 }, alloc, first.state, o);
    expect(soon.decision.blocked).toBe('cooldown');
    expect(soon.decision.reason).toMatch(/scale-up cooldown until 2026-12-03T12:05:00.000Z/);
    expect(decide({ ...rising, now: T + 5 * 60_000 }, alloc, first.state, o).decision.action).toBe('scale_up');
    // After a scale-up, scale-down waits cooldownDownMs.
    const down = input({ entropy: 0.1, deviation: -0.3, utilization: 0.1, now: T + 10 * 60_000 });
    expect(decide(down, alloc, first.state, o).decision.blocked).toBe('cooldown');
    expect(decide({ ...down, now: T + 30 * 60_000 }, alloc, first.state, o).decision.action).toBe('scale_down');
  });

  it('cooldown per direction: down waits after down, up does not wait after down', () => {
    const down = input({ entropy: 0.1, deviation: -0.3, utilization: 0.1 });
    const first = decide(down, alloc, INITIAL_POLICY_STATE, o);
    expect(first.decision.action).toBe('scale_down');
    expect(first.state.lastDownAt).toBe(T);
    const again = decide({ ...down, now: T + 29 * 60_000 }, alloc, first.state, o);
    expect(again.decision.blocked).toBe('cooldown');
    expect(again.decision.reason).toMatch(/scale-down cooldown until 2026-12-03T12:30:00.000Z/);
    expect(decide({ ...down, now: T + 30 * 60_000 }, alloc, first.state, o).decision.action).toBe('scale_down');
    // A saturated resource right after a scale-down still scales up at once: up waits only for up.
    const up = decide({ ...rising, now: T + 1000 }, alloc, first.state, o);
    expect(up.decision.action).toBe('scale_up');
    expect(up.state).toMatchObject({ lastUpAt: T + 1000, lastDownAt: T });
  });

  it('a blocked decision leaves the cooldown clocks alone', () => {
    const first = decide(rising, alloc, INITIAL_POLICY_STATE, o);
    const blocked = decide({ ...rising, now: T + 1000 }, alloc, first.state, o);
    expect(blocked.decision.blocked).toBe('cooldown');
    expect(blocked.state.lastUpAt).toBe(T);
  });

  it('bounds: a current value beyond a bound never moves the wrong way', () => {
    const above: Allocation = { cpu: { current: 10, min: 2, max: 8, step: 2 } };
    expect(decide(rising, above, INITIAL_POLICY_STATE, o).decision).toMatchObject({
      action: 'none',
      blocked: 'at_max',
    });
    const below: Allocation = { cpu: { current: 1, min: 2, max: 8, step: 2 } };
    const down = input({ entropy: 0.1, deviation: -0.3, utilization: 0.1 });
    expect(decide(down, below, INITIAL_POLICY_STATE, o).decision).toMatchObject({ action: 'none', blocked: 'at_min' });
  });

  it('bounds: at max no action, and it says so; steps are clipped to the bounds', () => {
    const atMax: Allocation = { cpu: { current: 8, min: 2, max: 8, step: 2 } };
    const r = decide(rising, atMax, INITIAL_POLICY_STATE, o);
    expect(r.decision).toMatchObject({ action: 'none', blocked: 'at_max' });
    expect(r.decision.reason).toMatch(/already at max/);
    expect(r.state.lastUpAt).toBe(-Infinity);
    const nearMax: Allocation = {
      cpu: { current: 7, min: 2, max: 8, step: 2 },
      replicas: { current: 3, min: 1, max: 3, step: 1 },
    };
    expect(decide(rising, nearMax, INITIAL_POLICY_STATE, o).decision.change).toEqual({ cpu: { from: 7, to: 8 } });
    const atMin: Allocation = { cpu: { current: 2, min: 2, max: 8, step: 2 } };
    const down = input({ entropy: 0.1, deviation: -0.3, utilization: 0.1 });
    const min = decide(down, atMin, INITIAL_POLICY_STATE, o);
    expect(min.decision.blocked).toBe('at_min');
    expect(min.decision.reason).toMatch(/already at min: no action$/);
    expect(min.state.lastDownAt).toBe(-Infinity);
  });

  it('dry run decides the same and marks it', () => {
    const dry = resolvePolicyOptions({ for: 1, dryRun: true });
    const r = decide(rising, alloc, INITIAL_POLICY_STATE, dry);
    expect(r.decision).toMatchObject({ action: 'scale_up', dryRun: true });
    expect(r.decision.reason).toMatch(/\(dry run\)$/);
    // The guards still apply to dry runs, so a dry run reports what a live policy would do, no more often.
    expect(r.state.lastUpAt).toBe(T);
    expect(decide({ ...rising, now: T + 1000 }, alloc, r.state, dry).decision).toMatchObject({
      action: 'none',
      blocked: 'cooldown',
      dryRun: true,
    });
    const atMax: Allocation = { cpu: { current: 8, min: 2, max: 8, step: 2 } };
    expect(decide(rising, atMax, INITIAL_POLICY_STATE, dry).decision.blocked).toBe('at_max');
    const hyst = resolvePolicyOptions({ for: 2, dryRun: true });
    expect(decide(rising, alloc, INITIAL_POLICY_STATE, hyst).decision.blocked).toBe('hysteresis');
  });

  it('every decision has a reason, a change only with an action, and never scales down a busy resource', () => {
    const num = fc.oneof(fc.double({ min: -2, max: 2, noNaN: true }), fc.constant(NaN));
    fc.assert(
      fc.property(
        fc.record({ entropy: num, deviation: num, z: num, utilization: num, trend: num }),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        fc.integer({ min: 1, max: 3 }),
        (p, anomalyScore, streak) => {
          const state: PolicyState = { ...INITIAL_POLICY_STATE, streakKind: 'rising_entropy', streak };
          const { decision } = decide(input({ ...p, anomalyScore }), alloc, state, o);
          expect(decision.reason.length).toBeGreaterThan(10);
          expect(Object.keys(decision.change).length > 0).toBe(decision.action !== 'none');
          if (p.utilization >= o.uHigh || Number.isNaN(p.utilization)) {
            expect(decision.action).not.toBe('scale_down');
          }
          if (decision.action === 'none' && decision.blocked === undefined) {
            expect(decision.change).toEqual({});
          }
        }
      ),
      { numRuns: 2000 }
    );
  });

  it('does not change its inputs', () => {
    const state = { ...INITIAL_POLICY_STATE };
    const a = JSON.parse(JSON.stringify(alloc));
    decide(rising, a, state, o);
    expect(state).toEqual(INITIAL_POLICY_STATE);
    expect(a).toEqual(alloc);
  });
});

describe('policy validation', () => {
  it.each<[PolicyOptions, string, RegExp]>([
    [{ theta: 0 }, 'theta', /theta must be a finite number greater than 0/],
    [{ uHigh: 1.5 }, 'uHigh', /uHigh must be between 0 and 1, got 1.5/],
    [{ uLow: 0.9, uHigh: 0.8 }, 'uLow', /uLow \(0.9\) must be below uHigh \(0.8\)/],
    [{ for: 0 }, 'for', /for must be an integer from 1/],
    [{ cooldownUpMs: -1 }, 'cooldownUpMs', /must be ≥ 0/],
    [{ dryRun: 'yes' as unknown as boolean }, 'dryRun', /dryRun must be true or false/],
    [{ tehta: 1 } as PolicyOptions, 'tehta', /not a policy option/],
  ])('%j', (p, field, message) => {
    expect(() => resolvePolicyOptions(p)).toThrow(
      expect.objectContaining({ field, message: expect.stringMatching(message) })
    );
  });

  it.each<[Allocation, RegExp]>([
    [{}, /needs at least one of cpu, memory, replicas/],
    [{ cpu: { current: 9, min: 2, max: 8, step: 1 } }, /cpu.current \(9\) must be between min \(2\) and max \(8\)/],
    [{ cpu: { current: 4, min: 2, max: 8, step: 0 } }, /cpu.step must be a finite number greater than 0/],
    [{ gpu: { current: 1, min: 0, max: 2, step: 1 } } as Allocation, /gpu is not a dimension/],
  ])('allocation %j', (a, message) => {
    expect(() => checkAllocation(a, '')).toThrow(message);
  });
});
