/**
 * The decision loop's pure steps: from the engine's hosts to one {@link PolicyInput} per resource, the policy
 * decision, and what to persist (the resource row and, when the decision acts, the action).
 *
 * Several hosts → one input: the resource is judged by its **most deviating host** (largest |deviation| of the
 * host aggregate; ties by host name), whose entropy, baseline, deviation and z are the input and whose name is
 * the action's `host`. Utilization, trend and anomaly score are the **largest over the matched hosts**: a
 * resource is as busy as its busiest host (so it is never scaled down while one host is loaded, and scaled up
 * when one is), trending up when any host is, and anomalous when any host's detector says so.
 */
import { Allocation, decide, Decision, DimensionName, INITIAL_POLICY_STATE, PolicyInput } from '../../core';
import { EngineHost, EngineState } from '../state';
import { NewAction, ResourceRow } from './outbox';
import { actionBody, newActionId } from './payload';
import { DIMENSIONS, ResourceConfig } from './resource-config';

/**
 * Whether something outside the resource's entropy forbids scaling a host's resource down (the entropy
 * quorum: a quorum of observers sees the host failing its checks); the reason, or undefined.
 */
export type ScaleDownVeto = (host: string) => string | undefined;

/** The first veto among `hosts`, as `host: reason`. */
export function firstVeto(hosts: string[], veto: ScaleDownVeto | undefined): string | undefined {
  if (!veto) {
    return undefined;
  }
  for (const h of hosts) {
    const why = veto(h);
    if (why !== undefined) {
      return `${h}: ${why}`;
    }
  }
  return undefined;
}

/** One resource as the loop keeps it in memory. */
export interface ResourceRuntime {
  config: ResourceConfig;
  /** The persisted part (what the last committed transaction wrote). */
  row: ResourceRow;
  /** The last evaluation: its decision and the host it was judged by. */
  last?: { decision: Decision; host: string | null; hosts: number };
}

/** The configured `current` values. */
export function configuredValues(config: ResourceConfig): ResourceRow['configured'] {
  const out: ResourceRow['configured'] = {};
  for (const d of DIMENSIONS) {
    const dim = config.allocation[d];
    if (dim) {
      out[d] = dim.current;
    }
  }
  return out;
}

/**
 * The row a resource starts from after a (re)start. The stored allocation wins, since it has the actions
 * taken since the config was written, unless the config's `current` changed (the operator set it on purpose);
 * a stored value outside newly narrowed bounds is clamped. Dimensions no longer configured are dropped.
 */
export function reconcile(config: ResourceConfig, stored: ResourceRow | undefined, now: number): ResourceRow {
  const configured = configuredValues(config);
  const allocation: ResourceRow['allocation'] = {};
  for (const d of DIMENSIONS) {
    const dim = config.allocation[d];
    if (!dim) {
      continue;
    }
    const kept = stored?.allocation[d];
    const useStored = kept !== undefined && Number.isFinite(kept) && stored?.configured[d] === dim.current;
    allocation[d] = useStored ? Math.min(dim.max, Math.max(dim.min, kept)) : dim.current;
  }
  return {
    name: config.name,
    policy: stored?.policy ?? INITIAL_POLICY_STATE,
    allocation,
    configured,
    alerts: stored?.alerts ?? {},
    updatedAt: stored?.updatedAt ?? now,
  };
}

/** The allocation to decide on: configured bounds and steps, current values from the row. */
export function allocationOf(config: ResourceConfig, row: ResourceRow): Allocation {
  const out: Allocation = {};
  for (const d of DIMENSIONS) {
    const dim = config.allocation[d];
    if (dim) {
      out[d] = { ...dim, current: row.allocation[d] ?? dim.current };
    }
  }
  return out;
}

/** Hosts the resource covers, sorted by name. */
export function matchedHosts(config: ResourceConfig, state: EngineState): EngineHost[] {
  const out: EngineHost[] = [];
  for (const host of state.hosts.values()) {
    if (config.hosts.regex.test(host.name)) {
      out.push(host);
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A host's utilization: the newest raw sample of the utilization indicator over `full`. */
function utilizationOf(config: ResourceConfig, host: EngineHost): number {
  const s = host.series.get(config.utilization.indicator);
  return s && !s.ended ? s.newestValue / config.utilization.full : NaN;
}

/** A host's entropy trend: the weighted mean of its indicators' trends (the slope of the weighted mean). */
function trendOf(host: EngineHost): number {
  let sum = 0;
  let weight = 0;
  for (const s of host.series.values()) {
    const t = s.current?.trend;
    if (!s.ended && t !== undefined && Number.isFinite(t) && s.indicator.weight > 0) {
      sum += s.indicator.weight * t;
      weight += s.indicator.weight;
    }
  }
  return weight > 0 ? sum / weight : NaN;
}

/** A host's anomaly score: the largest of its detectors' last scores (undefined without a detector). */
function anomalyScoreOf(host: EngineHost): number | undefined {
  let best: number | undefined;
  for (const s of host.series.values()) {
    const score = s.ended ? undefined : s.current?.detector?.score;
    if (score !== undefined && Number.isFinite(score)) {
      best = best === undefined ? score : Math.max(best, score);
    }
  }
  return best;
}

const maxFinite = (values: number[]) => values.reduce((m, v) => (Number.isFinite(v) && !(v <= m) ? v : m), NaN);

/** The policy input of a resource at `now`, and the host it is judged by (null when no host has entropy). */
export function resourceInput(
  config: ResourceConfig,
  hosts: EngineHost[],
  now: number
): { input: PolicyInput; host: string | null } {
  let rep: EngineHost | undefined;
  for (const h of hosts) {
    const dev = h.last?.baseline.deviation;
    if (h.last === undefined || dev === undefined) {
      continue;
    }
    const best = rep?.last?.baseline.deviation;
    // A host with a deviation beats one still warming up; then the largest |deviation| wins.
    if (rep === undefined || (Number.isFinite(dev) && (!Number.isFinite(best!) || Math.abs(dev) > Math.abs(best!)))) {
      rep = h;
    }
  }
  const scores = hosts.map(anomalyScoreOf).filter((s): s is number => s !== undefined);
  const input: PolicyInput = {
    now,
    entropy: rep?.last?.score ?? NaN,
    baseline: rep?.last?.baseline.mean ?? NaN,
    deviation: rep?.last?.baseline.deviation ?? NaN,
    z: rep?.last?.baseline.z ?? NaN,
    utilization: maxFinite(hosts.map((h) => utilizationOf(config, h))),
    trend: maxFinite(hosts.map(trendOf)),
    ...(scores.length > 0 ? { anomalyScore: Math.max(...scores) } : {}),
  };
  return { input, host: rep?.name ?? null };
}

/** What one evaluation of a resource produces: the row to write, the action if any, and the decision. */
export interface ResourceStep {
  row: ResourceRow;
  action: NewAction | undefined;
  decision: Decision;
  host: string | null;
  hosts: number;
}

/** Alerts active after `decision`, each with the time it became active. */
function activeSince(previous: Record<string, number>, decision: Decision, now: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of decision.alerts) {
    out[kind] = previous[kind] ?? now;
  }
  return out;
}

/** Applies a change to a row's allocation (not for dry runs: nothing was actually changed then). */
export function applyChange(row: ResourceRow, change: Decision['change'], dryRun: boolean): ResourceRow['allocation'] {
  const allocation = { ...row.allocation };
  if (!dryRun) {
    for (const d of Object.keys(change) as DimensionName[]) {
      allocation[d] = change[d]!.to;
    }
  }
  return allocation;
}

/** Evaluates one resource; `evalMs` is the evaluation time, `wallMs` the clock (the action's `createdAt`). */
export function evaluateResource(
  rt: ResourceRuntime,
  state: EngineState,
  evalMs: number,
  wallMs: number,
  scaleDownBlockedBy?: ScaleDownVeto
): ResourceStep {
  const hosts = matchedHosts(rt.config, state);
  const { input, host } = resourceInput(rt.config, hosts, evalMs);
  const veto = firstVeto(
    hosts.map((h) => h.name),
    scaleDownBlockedBy
  );
  if (veto !== undefined) {
    input.scaleDownForbidden = veto;
  }
  const { decision, state: policy } = decide(input, allocationOf(rt.config, rt.row), rt.row.policy, rt.config.policy);
  const acted = decision.action !== 'none';
  const row: ResourceRow = {
    ...rt.row,
    policy,
    allocation: acted ? applyChange(rt.row, decision.change, decision.dryRun) : rt.row.allocation,
    alerts: activeSince(rt.row.alerts, decision, evalMs),
    updatedAt: wallMs,
  };
  let action: NewAction | undefined;
  if (decision.action !== 'none') {
    const id = newActionId();
    const body = actionBody({
      id,
      action: decision.action,
      createdAt: wallMs,
      host,
      resource: rt.config.name,
      change: decision.change,
      kind: decision.kind,
      input,
      source: 'engine',
      dryRun: decision.dryRun,
    });
    action = {
      id,
      resource: rt.config.name,
      host,
      type: body.type,
      source: 'engine',
      dryRun: decision.dryRun,
      reason: decision.reason,
      body: JSON.stringify(body),
      createdAt: wallMs,
    };
  }
  return { row, action, decision, host, hosts: hosts.length };
}
