/**
 * The quorum's own series: one {@link EngineSeries} (window, baseline, raw samples for the store) per host ×
 * observer × quorum indicator, and the last check sample per host × observer. Polled samples arrive through
 * {@link PollSink}; each evaluation turns what arrived *at that evaluation time* into observer reports.
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

interface CheckSample {
  t: number;
  ok: boolean;
  /** Wall-clock time it arrived, for the staleness period. */
  seenMs: number;
}

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
  private readonly checks: ByObserver<CheckSample> = new Map();
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
      return this.check(host, observer, t, v, nowMs);
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
    return s.push(t, v, nowMs);
  }

  private check(host: string, observer: string, t: number, v: number, nowMs: number): IngestSkip | undefined {
    if (v - v !== 0 || t - t !== 0) {
      return 'invalid';
    }
    const m = observersOf(this.checks, host);
    const prev = m.get(observer);
    if (prev && t < prev.t) {
      return 'out_of_order';
    }
    // Several check series for one host × observer (probe modules): at one time all must pass.
    const ok = prev && prev.t === t ? prev.ok && v !== 0 : v !== 0;
    m.set(observer, { t, ok, seenMs: nowMs });
    return undefined;
  }

  newestT(indicator: IndicatorConfig): number {
    let newest = -Infinity;
    if (indicator.name === CHECKS_NAME) {
      for (const m of this.checks.values()) {
        for (const c of m.values()) {
          newest = Math.max(newest, c.t);
        }
      }
      return newest;
    }
    const name = reportedName(indicator);
    for (const m of this.series.values()) {
      for (const perObserver of m.values()) {
        newest = Math.max(newest, perObserver.get(name)?.newestT ?? -Infinity);
      }
    }
    return newest;
  }

  /** What every observer reported at exactly `t`, per host. */
  reports(t: number): Map<string, ObserverReport[]> {
    const out = new Map<string, Map<string, ObserverReport>>();
    const report = (host: string, observer: string): ObserverReport => {
      const m = observersOf(out, host);
      let r = m.get(observer);
      if (!r) {
        r = { observer };
        m.set(observer, r);
      }
      return r;
    };
    for (const [host, m] of this.checks) {
      for (const [observer, c] of m) {
        if (c.t === t) {
          report(host, observer).checkOk = c.ok;
        }
      }
    }
    for (const [host, m] of this.series) {
      for (const [observer, perObserver] of m) {
        for (const [name, s] of perObserver) {
          if (s.newestT === t && !s.ended) {
            const r = report(host, observer);
            (r.indicators ??= {})[name] = { entropy: s.entropy, z: s.current?.z ?? NaN };
          }
        }
      }
    }
    return new Map([...out].map(([host, m]) => [host, [...m.values()]]));
  }

  /** Drops series and checks that received nothing for the engine's `staleness` (as the host-level state does). */
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
    for (const [host, m] of this.checks) {
      for (const [observer, c] of m) {
        if (c.seenMs < cutoff) {
          m.delete(observer);
        }
      }
      if (m.size === 0) {
        this.checks.delete(host);
      }
    }
  }

  /** Every series, for the store (checks are not kept: only the value at each evaluation matters). */
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
