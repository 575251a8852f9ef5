/**
 * A central's edge hosts as the decision loop sees them: from the rebuilt indicators of each (edge, host)
 * (`RemoteProfileSource`, once per evaluation) to the host aggregate, baseline, deviation, z and trend that
 * a local host has after `state.evaluate`.
 *
 * Frames carry each indicator's `Hn`, `μ` and `σ`, not the edge's host aggregate, so the central rebuilds
 * the aggregate the DESIGN.md way: the weighted mean of the indicators' `Hn`, weights from the central's own
 * indicator of the same name (1 when it has none). The baseline is the same weighted mean of the indicators'
 * `μ` (defined only when every weighted indicator has one), σ the weighted mean of their σ, floored by
 * `central.sigmaMin` in z. The trend is the least-squares slope of the aggregate over the last
 * `central.trendWindow` evaluations, kept in memory only (a central restart starts it afresh). Edges send
 * no detector, so edge hosts have no anomaly score.
 */
import { TrendTracker } from '../../core';
import type { RemoteHost } from '../deltas/remote-hosts';

/** One edge host's aggregate at an evaluation. */
export interface EdgeHost {
  edge: string;
  host: string;
  /** False while the central waits for the edge's keyframe (its values are the last known ones). */
  synced: boolean;
  /** Weighted mean of the indicators' `Hn` (NaN without a weighted indicator). */
  entropy: number;
  /** Weighted mean of `μ`, and `entropy − baseline`, `deviation / max(σ̄, sigmaMin)`; NaN while one lacks μ. */
  baseline: number;
  deviation: number;
  z: number;
  /** Slope (per second) of `entropy` over the kept evaluations; NaN with fewer than two. */
  trend: number;
}

/** The aggregate of one edge host (without trend). */
export function edgeAggregate(
  h: RemoteHost,
  weightOf: (indicator: string) => number,
  sigmaMin: number
): Pick<EdgeHost, 'entropy' | 'baseline' | 'deviation' | 'z'> {
  let weight = 0;
  let hn = 0;
  let mu = 0;
  let sigma = 0;
  let learned = true;
  for (const [name, ind] of h.indicators) {
    const w = weightOf(name);
    if (!(w > 0) || !Number.isFinite(ind.entropy)) {
      continue;
    }
    weight += w;
    hn += w * ind.entropy;
    if (ind.baseline === undefined || ind.std === undefined) {
      learned = false;
    } else {
      mu += w * ind.baseline;
      sigma += w * ind.std;
    }
  }
  if (weight === 0) {
    return { entropy: NaN, baseline: NaN, deviation: NaN, z: NaN };
  }
  const entropy = hn / weight;
  if (!learned) {
    return { entropy, baseline: NaN, deviation: NaN, z: NaN };
  }
  const baseline = mu / weight;
  const deviation = entropy - baseline;
  return { entropy, baseline, deviation, z: deviation / Math.max(sigma / weight, sigmaMin) };
}

/** Keys (edge, host) apart even when names contain any character: a NUL cannot be in a sendable name. */
export const edgeHostKey = (edge: string, host: string): string => `${edge}\u0000${host}`;

/** Turns each evaluation's remote hosts into {@link EdgeHost}s, keeping each host's trend between calls. */
export class EdgeHostTracker {
  private readonly trends = new Map<string, TrendTracker>();

  constructor(
    private readonly weightOf: (indicator: string) => number,
    private readonly sigmaMin: number,
    private readonly trendWindow: number
  ) {}

  /**
   * The hosts at `evalMs`. A host not synced keeps its trend as it was (its values are frozen, not new
   * observations); a host no longer listed (its edge went stale) loses its trend.
   */
  update(hosts: RemoteHost[], evalMs: number): EdgeHost[] {
    const seen = new Set<string>();
    const out: EdgeHost[] = [];
    for (const h of hosts) {
      const key = edgeHostKey(h.edge, h.host);
      seen.add(key);
      let tracker = this.trends.get(key);
      if (!tracker) {
        tracker = new TrendTracker(this.trendWindow);
        this.trends.set(key, tracker);
      }
      const agg = edgeAggregate(h, this.weightOf, this.sigmaMin);
      const trend = h.synced ? tracker.push(evalMs, agg.entropy) : tracker.slope();
      out.push({ edge: h.edge, host: h.host, synced: h.synced, ...agg, trend });
    }
    for (const key of this.trends.keys()) {
      if (!seen.has(key)) {
        this.trends.delete(key);
      }
    }
    return out;
  }

  /** (edge, host) pairs with a trend kept. */
  get size(): number {
    return this.trends.size;
  }
}
