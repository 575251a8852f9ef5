/**
 * The quorum's own series: one {@link EngineSeries} (window, baseline, raw samples for the store) per host ×
 * observer × quorum indicator. Polled samples arrive through {@link PollSink}; each admitted sample (and each
 * check value) becomes part of the observer's report *at its own timestamp*, kept until the next evaluation
 * drains them in time order. So a backfill (at start, after a restart or an outage) is assessed step by step,
 * as if the engine had been evaluating all along.
 *
 * The rule "a series reports at `t` when it has an admitted sample at exactly `t`" is the one the data
 * source's `quorum` output applies to Prometheus range results, so both see the same reports.
 */
import { ObserverReport } from '../../core';
import type { PollSink } from '../poll';
import { EngineSeries, SeriesSnapshot } from '../series';
import type { IngestSkip } from '../state';
import { IndicatorConfig } from '../indicator-config';
import { CHECKS_NAME, QUORUM_PREFIX, QuorumConfig, reportedName } from './config';

/** host → observer → value. */
type ByObserver<T> = Map<string, Map<string, T>>;

/** The observers of `host` in `map`, created on first use. */
function observersOf<T>(map: ByObserver<T>, host: string): Map<string, T> {
  let m = map.get(host);
  if (!m) {
    m = new Map();
    map.set(host, m);
  }
  return m;
}

/** The store keys a quorum series by `[host, observer]` as JSON in the `host` column (no separator can clash). */
export function seriesKey(host: string, observer: string): string {
  return JSON.stringify([host, observer]);
}

function parseKey(key: string): [string, string] | undefined {
  try {
    const v: unknown = JSON.parse(key);
    return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string'
      ? [v[0], v[1]]
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a stored series row belongs to the quorum (its indicator is `quorum:<name>`). */
export function isQuorumSnapshot(s: SeriesSnapshot): boolean {
  return s.indicator.startsWith(QUORUM_PREFIX);
}

/** Series and checks of the quorum; see the file comment. */
export class QuorumSeries implements PollSink {
  /** host → observer → (reported indicator name → series). */
  private readonly series: ByObserver<Map<string, EngineSeries>> = new Map();
  /** t → host → observer → report, for times after {@link drainedTo}. */
  private readonly pending = new Map<number, ByObserver<ObserverReport>>();
  /** Reports up to this time were handed out (an evaluation assessed them); later samples at or before it are late. */
  drainedTo = -Infinity;
  private newestCheckT = -Infinity;
  private readonly indicators = new Map<string, IndicatorConfig>();
  private count = 0;

  constructor(
    private readonly config: QuorumConfig,
    private readonly limits: { stalenessMs: number; maxSeries: number }
  ) {
    for (const ind of config.indicators) {
      this.indicators.set(ind.name, ind);
    }
  }

  /** Live host × observer × indicator series. */
  get size(): number {
    return this.count;
  }

  ingest(
    indicator: IndicatorConfig,
    labels: Record<string, string>,
    t: number,
    v: number,
    nowMs: number
  ): IngestSkip | 'no_host_label' | 'no_observer_label' | undefined {
    const host = labels[indicator.hostLabel];
    if (host === undefined || host === '') {
      return 'no_host_label';
    }
    const observer = labels[this.config.observerLabel];
    if (observer === undefined || observer === '') {
      return 'no_observer_label';
    }
    if (indicator.name === CHECKS_NAME) {
      return this.check(host, observer, t, v);
    }
    const observers = observersOf(this.series, host);
    let perObserver = observers.get(observer);
    if (!perObserver) {
      perObserver = new Map();
      observers.set(observer, perObserver);
    }
    const name = reportedName(indicator);
    let s = perObserver.get(name);
    if (!s) {
      if (this.count >= this.limits.maxSeries) {
        return 'series_limit';
      }
      s = new EngineSeries(indicator, seriesKey(host, observer), nowMs);
      perObserver.set(name, s);
      this.count++;
    }
    const skip = s.push(t, v, nowMs);
    if (skip === undefined && t > this.drainedTo) {
      const r = this.reportAt(t, host, observer);
      (r.indicators ??= {})[name] = { entropy: s.entropy, z: s.current?.z ?? NaN };
    }
    return skip;
  }

  private check(host: string, observer: string, t: number, v: number): IngestSkip | undefined {
    if (v - v !== 0 || t - t !== 0) {
      return 'invalid';
    }
    if (t <= this.drainedTo) {
      return 'out_of_order';
    }
    // Several check series for one host × observer (probe modules): at one time all must pass.
    const r = this.reportAt(t, host, observer);
    r.checkOk = (r.checkOk ?? true) && v !== 0;
    this.newestCheckT = Math.max(this.newestCheckT, t);
    return undefined;
  }

  private reportAt(t: number, host: string, observer: string): ObserverReport {
    let byHost = this.pending.get(t);
    if (!byHost) {
      byHost = new Map();
      this.pending.set(t, byHost);
    }
    const m = observersOf(byHost, host);
    let r = m.get(observer);
    if (!r) {
      r = { observer };
      m.set(observer, r);
    }
    return r;
  }

  newestT(indicator: IndicatorConfig): number {
    if (indicator.name === CHECKS_NAME) {
      return this.newestCheckT;
    }
    let newest = -Infinity;
    const name = reportedName(indicator);
    for (const m of this.series.values()) {
      for (const perObserver of m.values()) {
        newest = Math.max(newest, perObserver.get(name)?.newestT ?? -Infinity);
      }
    }
    return newest;
  }

  /**
   * Hands out the reports of every time up to `t`, oldest first, per host; later calls get only newer times.
   */
  drain(t: number): Array<[number, Map<string, ObserverReport[]>]> {
    const times = [...this.pending.keys()].filter((x) => x <= t).sort((a, b) => a - b);
    const out: Array<[number, Map<string, ObserverReport[]>]> = times.map((x) => {
      const byHost = this.pending.get(x)!;
      this.pending.delete(x);
      return [x, new Map([...byHost].map(([host, m]) => [host, [...m.values()]]))];
    });
    this.drainedTo = Math.max(this.drainedTo, t);
    return out;
  }

  /** Drops series that received nothing for the engine's `staleness` (as the host-level state does). */
  prune(nowMs: number): void {
    const cutoff = nowMs - this.limits.stalenessMs;
    for (const [host, m] of this.series) {
      for (const [observer, perObserver] of m) {
        for (const [name, s] of perObserver) {
          if (s.lastSeenMs < cutoff) {
            perObserver.delete(name);
            this.count--;
          }
        }
        if (perObserver.size === 0) {
          m.delete(observer);
        }
      }
      if (m.size === 0) {
        this.series.delete(host);
      }
    }
  }

  /** Every series, for the store (checks are not kept: a restart backfills them like the indicators). */
  snapshots(): SeriesSnapshot[] {
    const out: SeriesSnapshot[] = [];
    for (const m of this.series.values()) {
      for (const perObserver of m.values()) {
        for (const s of perObserver.values()) {
          out.push(s.snapshot());
        }
      }
    }
    return out;
  }

  /** Restores stored quorum series; rows of indicators no longer configured, or with a bad key, are dropped. */
  restore(snapshots: readonly SeriesSnapshot[], nowMs: number): { restored: number; dropped: number } {
    let restored = 0;
    let dropped = 0;
    for (const snap of snapshots) {
      const ind = this.indicators.get(snap.indicator);
      const key = parseKey(snap.host);
      if (!ind || !key || this.count >= this.limits.maxSeries) {
        dropped++;
        continue;
      }
      const [host, observer] = key;
      const observers = observersOf(this.series, host);
      const perObserver = observers.get(observer) ?? new Map<string, EngineSeries>();
      observers.set(observer, perObserver);
      if (!perObserver.has(reportedName(ind))) {
        this.count++;
      }
      perObserver.set(reportedName(ind), new EngineSeries(ind, snap.host, nowMs, snap));
      restored++;
    }
    return { restored, dropped };
  }
}
