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
import { EdgeHost, edgeHostKey } from './edge-hosts';
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
  /** The last evaluation: its decision and the host it was judged by (and that host's edge, if any). */
  last?: { decision: Decision; host: string | null; edge?: string; hosts: number };
  /** The last `utilization.query` result (undefined: none read, or the read failed). */
  utilization?: UtilizationReadings;
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

/**
 * What the loop needs of one host, local or an edge's: its aggregate's entropy, baseline, deviation and z,
 * and its utilization, trend and anomaly score.
 */
export interface HostView {
  name: string;
  /** The edge that measured it (a central's edge host); undefined for a local host. */
  edge?: string;
  /** Whether the host has an aggregate (a full window): a host without one does not count. */
  measured: boolean;
  entropy: number;
  baseline: number;
  deviation: number;
  z: number;
  utilization: number;
  trend: number;
  anomalyScore?: number;
}

/**
 * The latest `utilization.query` result of a resource: raw values by host name, or by
 * `edgeHostKey(edge, host)` for a series with an `edge` label.
 */
export type UtilizationReadings = ReadonlyMap<string, number>;

/** Local hosts the resource covers (none for an edge resource), sorted by name. */
export function matchedHosts(config: ResourceConfig, state: EngineState): EngineHost[] {
  const out: EngineHost[] = [];
  if (config.hosts.edge) {
    return out;
  }
  for (const host of state.hosts.values()) {
    if (config.hosts.regex.test(host.name)) {
      out.push(host);
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Edge hosts the resource covers (none for a local resource), sorted by host name, then edge. */
export function matchedEdgeHosts(config: ResourceConfig, hosts: readonly EdgeHost[]): EdgeHost[] {
  const edge = config.hosts.edge;
  if (!edge) {
    return [];
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return hosts
    .filter((h) => edge.regex.test(h.edge) && config.hosts.regex.test(h.host))
    .sort((a, b) => cmp(a.host, b.host) || cmp(a.edge, b.edge));
}

/** A utilization reading of `host` (of `edge`) over `full`: the edge's own series first, then the host's. */
function readingOf(config: ResourceConfig, readings: UtilizationReadings | undefined, host: string, edge?: string) {
  const raw = (edge !== undefined ? readings?.get(edgeHostKey(edge, host)) : undefined) ?? readings?.get(host);
  return raw !== undefined && config.utilization ? raw / config.utilization.full : NaN;
}

/** A host's utilization: the newest raw sample of the utilization indicator over `full`, or the query's. */
function utilizationOf(config: ResourceConfig, host: EngineHost, readings: UtilizationReadings | undefined): number {
  const u = config.utilization;
  if (!u || !('indicator' in u)) {
    return readingOf(config, readings, host.name);
  }
  const s = host.series.get(u.indicator);
  return s && !s.ended ? s.newestValue / u.full : NaN;
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

/** The loop's view of a local host. */
export function localHostView(config: ResourceConfig, h: EngineHost, readings?: UtilizationReadings): HostView {
  const b = h.last?.baseline;
  const score = anomalyScoreOf(h);
  return {
    name: h.name,
    measured: h.last !== undefined && b?.deviation !== undefined,
    entropy: h.last?.score ?? NaN,
    baseline: b?.mean ?? NaN,
    deviation: b?.deviation ?? NaN,
    z: b?.z ?? NaN,
    utilization: utilizationOf(config, h, readings),
    trend: trendOf(h),
    ...(score !== undefined ? { anomalyScore: score } : {}),
  };
}

/** The loop's view of an edge host (utilization from the resource's query; edges send no anomaly score). */
export function edgeHostView(config: ResourceConfig, h: EdgeHost, readings?: UtilizationReadings): HostView {
  return {
    name: h.host,
    edge: h.edge,
    measured: Number.isFinite(h.entropy),
    entropy: h.entropy,
    baseline: h.baseline,
    deviation: h.deviation,
    z: h.z,
    utilization: readingOf(config, readings, h.host, h.edge),
    trend: h.trend,
  };
}

const maxFinite = (values: number[]) => values.reduce((m, v) => (Number.isFinite(v) && !(v <= m) ? v : m), NaN);

/** The policy input from host views at `now`, and the host it is judged by (undefined when none has entropy). */
export function inputOf(hosts: HostView[], now: number): { input: PolicyInput; rep: HostView | undefined } {
  let rep: HostView | undefined;
  for (const h of hosts) {
    if (!h.measured) {
      continue;
    }
    const dev = h.deviation;
    const best = rep?.deviation;
    // A host with a deviation beats one still warming up; then the largest |deviation| wins.
    if (rep === undefined || (Number.isFinite(dev) && (!Number.isFinite(best!) || Math.abs(dev) > Math.abs(best!)))) {
      rep = h;
    }
  }
  const scores = hosts.map((h) => h.anomalyScore).filter((s): s is number => s !== undefined);
  const input: PolicyInput = {
    now,
    entropy: rep?.entropy ?? NaN,
    baseline: rep?.baseline ?? NaN,
    deviation: rep?.deviation ?? NaN,
    z: rep?.z ?? NaN,
    utilization: maxFinite(hosts.map((h) => h.utilization)),
    trend: maxFinite(hosts.map((h) => h.trend)),
    ...(scores.length > 0 ? { anomalyScore: Math.max(...scores) } : {}),
  };
  return { input, rep };
}

/** The policy input of a resource over local hosts at `now`, and the host it is judged by (null: none). */
export function resourceInput(
  config: ResourceConfig,
  hosts: EngineHost[],
  now: number,
  readings?: UtilizationReadings
): { input: PolicyInput; host: string | null } {
  const { input, rep } = inputOf(
    hosts.map((h) => localHostView(config, h, readings)),
    now
  );
  return { input, host: rep?.name ?? null };
}

/** What one evaluation of a resource produces: the row to write, the action if any, and the decision. */
export interface ResourceStep {
  row: ResourceRow;
  action: NewAction | undefined;
  decision: Decision;
  host: string | null;
  /** The edge of `host` (an edge resource). */
  edge?: string;
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

/**
 * The host views a resource is judged on: its local hosts, or its edge hosts (those of edges not synced
 * are left out: their values are the last known ones, and acting on them could repeat an old decision).
 */
export function resourceHosts(
  rt: ResourceRuntime,
  state: EngineState,
  edgeHosts: readonly EdgeHost[]
): { views: HostView[]; unsynced: number } {
  if (!rt.config.hosts.edge) {
    return {
      views: matchedHosts(rt.config, state).map((h) => localHostView(rt.config, h, rt.utilization)),
      unsynced: 0,
    };
  }
  const matched = matchedEdgeHosts(rt.config, edgeHosts);
  const synced = matched.filter((h) => h.synced);
  return {
    views: synced.map((h) => edgeHostView(rt.config, h, rt.utilization)),
    unsynced: matched.length - synced.length,
  };
}

/**
 * Evaluates one resource; `evalMs` is the evaluation time, `wallMs` the clock (the action's `createdAt`);
 * `edgeHosts` are a central's edge hosts at this evaluation (for resources with `hosts.edge`).
 */
export function evaluateResource(
  rt: ResourceRuntime,
  state: EngineState,
  evalMs: number,
  wallMs: number,
  scaleDownBlockedBy?: ScaleDownVeto,
  edgeHosts: readonly EdgeHost[] = []
): ResourceStep {
  const { views: hosts, unsynced } = resourceHosts(rt, state, edgeHosts);
  const { input, rep } = inputOf(hosts, evalMs);
  const host = rep?.name ?? null;
  const edge = rep?.edge;
  const veto = firstVeto(
    hosts.map((h) => h.name),
    scaleDownBlockedBy
  );
  if (veto !== undefined) {
    input.scaleDownForbidden = veto;
  }
  const { decision: decided, state: policy } = decide(
    input,
    allocationOf(rt.config, rt.row),
    rt.row.policy,
    rt.config.policy
  );
  const decision =
    unsynced > 0
      ? { ...decided, reason: `${decided.reason} (${unsynced} host(s) of edges not synced left out)` }
      : decided;
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
      ...(edge !== undefined ? { edge } : {}),
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
  return { row, action, decision, host, ...(edge !== undefined ? { edge } : {}), hosts: hosts.length };
}
