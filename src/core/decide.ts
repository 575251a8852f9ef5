/**
 * One evaluation of the allocation policy: the DESIGN.md table, then hysteresis, cooldowns and bounds.
 */
import {
  Allocation,
  Blocked,
  ConditionKind,
  Decision,
  DimensionName,
  PolicyAlert,
  PolicyInput,
  PolicyState,
  ResolvedPolicyOptions,
} from './policy';

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

interface Row {
  kind: ConditionKind;
  want: 'scale_up' | 'scale_down' | 'none';
  alerts: PolicyAlert[];
  why: string;
}

/** The DESIGN.md policy table, first matching row wins. */
function matchRow(i: PolicyInput, o: ResolvedPolicyOptions): Row {
  if (!Number.isFinite(i.entropy)) {
    return { kind: 'no_data', want: 'none', alerts: [], why: 'no entropy yet (no matched host has a full window)' };
  }
  if (!Number.isFinite(i.deviation)) {
    return { kind: 'warming_up', want: 'none', alerts: [], why: 'baseline still warming up' };
  }
  const zOk = o.zThreshold === 0 || Math.abs(i.z) >= o.zThreshold;
  const high = i.utilization >= o.uHigh;
  const low = i.utilization <= o.uLow;
  const u = `utilization ${fmt(i.utilization)}`;
  const d = `entropy ${fmt(i.entropy)} vs baseline ${fmt(i.baseline)} (deviation ${fmt(i.deviation)}, z ${fmt(i.z)})`;
  if (i.deviation > o.theta && zOk) {
    return high
      ? {
          kind: 'rising_entropy',
          want: 'scale_up',
          alerts: ['early_warning'],
          why: `${d} rising with ${u} ≥ ${o.uHigh}`,
        }
      : {
          kind: 'rising_entropy',
          want: 'none',
          alerts: ['early_warning'],
          why: `${d} rising; ${u} below ${o.uHigh}: early warning only`,
        };
  }
  if (i.deviation < -o.theta && zOk) {
    if (high) {
      return {
        kind: 'collapsed_entropy',
        want: 'scale_up',
        alerts: ['saturation'],
        why: `${d} collapsed with ${u} ≥ ${o.uHigh}: pegged or flatlined, never scale down`,
      };
    }
    if (low) {
      return { kind: 'collapsed_entropy', want: 'scale_down', alerts: [], why: `${d} collapsed with ${u} ≤ ${o.uLow}` };
    }
    return {
      kind: 'collapsed_entropy',
      want: 'none',
      alerts: [],
      why: `${d} collapsed; ${u} between ${o.uLow} and ${o.uHigh}`,
    };
  }
  if (i.entropy <= o.lowEntropy && low) {
    return {
      kind: 'stable_low_entropy',
      want: 'scale_down',
      alerts: [],
      why: `stable low entropy ${fmt(i.entropy)} ≤ ${o.lowEntropy} with ${u} ≤ ${o.uLow}`,
    };
  }
  if (i.anomalyScore !== undefined && i.anomalyScore >= o.scoreThreshold) {
    return {
      kind: 'anomaly_score',
      want: 'none',
      alerts: ['early_warning'],
      why: `anomaly score ${fmt(i.anomalyScore)} ≥ ${o.scoreThreshold}: early warning`,
    };
  }
  return { kind: 'normal', want: 'none', alerts: [], why: `${d} within ±${o.theta}` };
}

/**
 * Moves every dimension one step in `direction`, within its bounds; returns only those that moved. A current
 * value already beyond a bound (read from the platform, say) never moves the wrong way: scaling up from above
 * `max` is "at max", not a step down to `max`.
 */
export function planChange(allocation: Allocation, direction: 1 | -1): Decision['change'] {
  const change: Decision['change'] = {};
  for (const name of Object.keys(allocation) as DimensionName[]) {
    const dim = allocation[name]!;
    const to = direction > 0 ? Math.min(dim.max, dim.current + dim.step) : Math.max(dim.min, dim.current - dim.step);
    if (direction > 0 ? to > dim.current : to < dim.current) {
      change[name] = { from: dim.current, to };
    }
  }
  return change;
}

/**
 * Evaluates the policy for one resource. Returns the decision and the next state; neither input is changed.
 * Guards, in order: the condition must have held `for` evaluations (hysteresis); a scale-down the input
 * forbids (`scaleDownForbidden`) is not taken; scale-up waits
 * `cooldownUpMs` after the last scale-up; scale-down waits `cooldownDownMs` after any scaling; bounds.
 */
export function decide(
  input: PolicyInput,
  allocation: Allocation,
  state: PolicyState,
  o: ResolvedPolicyOptions
): { decision: Decision; state: PolicyState } {
  const row = matchRow(input, o);
  const streak = row.kind === state.streakKind ? state.streak + 1 : 1;
  const next: PolicyState = { ...state, streakKind: row.kind, streak };
  const alerts = [...row.alerts];
  let why = row.why;
  if (Number.isFinite(input.trend) && input.trend > o.trendThreshold) {
    alerts.push('monitor_closely');
    why += `; entropy trending up ${input.trend.toExponential(2)}/s > ${o.trendThreshold}/s: monitor closely`;
  }
  const base = { kind: row.kind, alerts, dryRun: o.dryRun, input };
  const none = (blocked: Blocked | undefined, note: string): { decision: Decision; state: PolicyState } => ({
    decision: { ...base, action: 'none', change: {}, blocked, reason: note ? `${why}; ${note}` : why },
    state: next,
  });

  if (row.want === 'none') {
    return none(undefined, '');
  }
  if (streak < o.for) {
    return none('hysteresis', `held ${streak} of ${o.for} evaluations`);
  }
  const up = row.want === 'scale_up';
  if (!up && input.scaleDownForbidden !== undefined) {
    return none('forbidden', `scale-down forbidden: ${input.scaleDownForbidden}`);
  }
  if (up && input.now - state.lastUpAt < o.cooldownUpMs) {
    return none('cooldown', `scale-up cooldown until ${new Date(state.lastUpAt + o.cooldownUpMs).toISOString()}`);
  }
  const lastAny = Math.max(state.lastUpAt, state.lastDownAt);
  if (!up && input.now - lastAny < o.cooldownDownMs) {
    return none('cooldown', `scale-down cooldown until ${new Date(lastAny + o.cooldownDownMs).toISOString()}`);
  }
  const change = planChange(allocation, up ? 1 : -1);
  if (Object.keys(change).length === 0) {
    return up ? none('at_max', 'already at max: no action') : none('at_min', 'already at min: no action');
  }
  const moved = Object.entries(change)
    .map(([k, c]) => `${k} ${c!.from} → ${c!.to}`)
    .join(', ');
  return {
    decision: {
      ...base,
      action: row.want,
      change,
      reason: `${why}; ${up ? 'scale up' : 'scale down'}: ${moved}${o.dryRun ? ' (dry run)' : ''}`,
    },
    state: { ...next, lastUpAt: up ? input.now : state.lastUpAt, lastDownAt: up ? state.lastDownAt : input.now },
  };
}
