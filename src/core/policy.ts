/**
 * The allocation policy (DESIGN.md, "Policy"): from a resource's entropy deviation, utilization and trend to
 * a decision — scale up, scale down, alert only, or nothing — with the reason, always.
 *
 * Pure: the caller passes `now` and keeps the {@link PolicyState} (the engine persists it with the outbox).
 */
import { checkFinite, checkInteger, OptionError, rejectUnknownKeys } from './options';

/** One allocatable dimension of a resource. */
export interface Dimension {
  current: number;
  min: number;
  max: number;
  step: number;
}

/** The dimensions a resource can be scaled in. */
export type DimensionName = 'cpu' | 'memory' | 'replicas';
export type Allocation = Partial<Record<DimensionName, Dimension>>;

/** Policy parameters (DESIGN.md names in brackets). */
export interface PolicyOptions {
  /** [θ] |deviation| above which entropy has risen or collapsed. Default 0.15 (in Hn). */
  theta?: number;
  /** Also require |z| ≥ this; 0 disables. Default 0. */
  zThreshold?: number;
  /** [for] consecutive evaluations a condition must hold before it acts. Default 3. */
  for?: number;
  /** [uHigh] utilization (0..1) from which a resource is "approaching high". Default 0.8. */
  uHigh?: number;
  /** [uLow] utilization at or below which scaling down is considered. Default 0.3. */
  uLow?: number;
  /** Entropy (Hn) at or below which a resource counts as "stable low entropy". Default 0.3. */
  lowEntropy?: number;
  /** No scale-up within this long after a scale-up. Default 5 minutes. */
  cooldownUpMs?: number;
  /** No scale-down within this long after any scaling. Default 30 minutes. */
  cooldownDownMs?: number;
  /** [trendThreshold] entropy slope (Hn per second) that raises "monitor closely". Default 0.0005 (0.03/min). */
  trendThreshold?: number;
  /** Anomaly score (0..1) of the early-warning detector that raises an early warning. Default 0.5. */
  scoreThreshold?: number;
  /** Decide and report, but mark every action as a dry run. Default false. */
  dryRun?: boolean;
}

export type ResolvedPolicyOptions = Required<PolicyOptions>;

export const DEFAULT_POLICY_OPTIONS: ResolvedPolicyOptions = {
  theta: 0.15,
  zThreshold: 0,
  for: 3,
  uHigh: 0.8,
  uLow: 0.3,
  lowEntropy: 0.3,
  cooldownUpMs: 5 * 60_000,
  cooldownDownMs: 30 * 60_000,
  trendThreshold: 0.0005,
  scoreThreshold: 0.5,
  dryRun: false,
};

/** Validates policy options; errors name the field (with `prefix`, e.g. `resources[0].policy.`). */
export function resolvePolicyOptions(input: PolicyOptions = {}, prefix = ''): ResolvedPolicyOptions {
  const d = DEFAULT_POLICY_OPTIONS;
  const f = (k: string) => prefix + k;
  rejectUnknownKeys(input, Object.keys(d), prefix, 'a policy option');
  const unit = (k: 'uHigh' | 'uLow' | 'lowEntropy') => {
    const v = checkFinite(f(k), input[k] ?? d[k]);
    if (v < 0 || v > 1) {
      throw new OptionError(f(k), `${f(k)} must be between 0 and 1, got ${v}`);
    }
    return v;
  };
  const nonNegative = (k: 'zThreshold' | 'cooldownUpMs' | 'cooldownDownMs') => {
    const v = checkFinite(f(k), input[k] ?? d[k]);
    if (v < 0) {
      throw new OptionError(f(k), `${f(k)} must be ≥ 0, got ${v}`);
    }
    return v;
  };
  const o: ResolvedPolicyOptions = {
    theta: checkFinite(f('theta'), input.theta ?? d.theta, true),
    zThreshold: nonNegative('zThreshold'),
    for: checkInteger(f('for'), input.for ?? d.for, 1, 10_000),
    uHigh: unit('uHigh'),
    uLow: unit('uLow'),
    lowEntropy: unit('lowEntropy'),
    cooldownUpMs: nonNegative('cooldownUpMs'),
    cooldownDownMs: nonNegative('cooldownDownMs'),
    trendThreshold: checkFinite(f('trendThreshold'), input.trendThreshold ?? d.trendThreshold, true),
    scoreThreshold: checkFinite(f('scoreThreshold'), input.scoreThreshold ?? d.scoreThreshold, true),
    dryRun: input.dryRun ?? d.dryRun,
  };
  if (o.uLow >= o.uHigh) {
    throw new OptionError(f('uLow'), `${f('uLow')} (${o.uLow}) must be below ${f('uHigh')} (${o.uHigh})`);
  }
  if (typeof o.dryRun !== 'boolean') {
    throw new OptionError(f('dryRun'), `${f('dryRun')} must be true or false, got ${String(o.dryRun)}`);
  }
  return o;
}

/** Validates a resource's allocation: `min ≤ current ≤ max`, `step > 0`. */
export function checkAllocation(allocation: Allocation, prefix = ''): Allocation {
  const names = Object.keys(allocation);
  if (names.length === 0) {
    throw new OptionError(
      prefix || 'allocation',
      `${prefix || 'allocation'} needs at least one of cpu, memory, replicas`
    );
  }
  for (const name of names) {
    const f = `${prefix}${name}`;
    if (name !== 'cpu' && name !== 'memory' && name !== 'replicas') {
      throw new OptionError(f, `${f} is not a dimension (allowed: cpu, memory, replicas)`);
    }
    const dim = allocation[name] as Dimension;
    const min = checkFinite(`${f}.min`, dim?.min);
    const max = checkFinite(`${f}.max`, dim?.max);
    const current = checkFinite(`${f}.current`, dim?.current);
    checkFinite(`${f}.step`, dim?.step, true);
    if (!(min <= current && current <= max)) {
      throw new OptionError(`${f}.current`, `${f}.current (${current}) must be between min (${min}) and max (${max})`);
    }
  }
  return allocation;
}

/** What a resource looks like at one evaluation. NaN where unknown. */
export interface PolicyInput {
  /** Evaluation time, ms. */
  now: number;
  entropy: number;
  baseline: number;
  deviation: number;
  z: number;
  /** Utilization in 0..1 of the indicator that measures it (raw value, not entropy). */
  utilization: number;
  /** Entropy slope, Hn per second. */
  trend: number;
  /** Early-warning detector score in 0..1, when a detector runs. */
  anomalyScore?: number;
  /**
   * Set when something outside the entropy of this resource forbids scaling it down (e.g. a quorum of observers
   * sees one of its hosts failing its checks): the reason, which a blocked scale-down carries.
   */
  scaleDownForbidden?: string;
}

/** Which row of the policy table matched. */
export type ConditionKind =
  'no_data' | 'warming_up' | 'rising_entropy' | 'collapsed_entropy' | 'stable_low_entropy' | 'anomaly_score' | 'normal';

/** Alerts a decision raises (independently of any action). */
export type PolicyAlert = 'early_warning' | 'saturation' | 'monitor_closely';

/** Why an action that the table asked for was not taken. */
export type Blocked = 'hysteresis' | 'cooldown' | 'at_max' | 'at_min' | 'forbidden';

/** The outcome of one evaluation: always present, always with its reason. */
export interface Decision {
  action: 'scale_up' | 'scale_down' | 'none';
  kind: ConditionKind;
  alerts: PolicyAlert[];
  /** The change to apply (only dimensions that move). */
  change: Partial<Record<DimensionName, { from: number; to: number }>>;
  /** Set when the table asked for an action that was not taken. */
  blocked?: Blocked;
  dryRun: boolean;
  /** One sentence for logs, the actions API and the webhook. */
  reason: string;
  input: PolicyInput;
}

/** What the policy remembers per resource (persist it). */
export interface PolicyState {
  /** The condition seen at the last evaluation and for how many consecutive evaluations. */
  streakKind: ConditionKind;
  streak: number;
  lastUpAt: number;
  lastDownAt: number;
}

export const INITIAL_POLICY_STATE: PolicyState = {
  streakKind: 'normal',
  streak: 0,
  lastUpAt: -Infinity,
  lastDownAt: -Infinity,
};
