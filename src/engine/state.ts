/**
 * All series and hosts the engine knows: where samples go in, where outputs and the store read from.
 *
 * Plain logic, no I/O and no clock: every method takes `nowMs`, so tests drive time by hand.
 */
import { aggregate, Baseline, BaselineOptions, BaselinePoint, BaselineState, prepareBaselineOptions } from '../core';
import { IndicatorConfig } from './config';
import { HostSeries } from './host-series';
import { EngineSeries, SeriesSnapshot, SkipReason } from './series';

/** A host's aggregate at its last evaluation. */
export interface HostPoint {
  t: number;
  /** Weighted mean of its indicators' `Hn`, and the max with its indicator. */
  score: number;
  max: number;
  maxIndicator: string | undefined;
  /** Indicators with a defined entropy. */
  count: number;
  baseline: BaselinePoint;
}

/** One host and its series. */
export class EngineHost {
  /** Its series by indicator name (Map methods, a small array inside: see `host-series.ts`). */
  readonly series = new HostSeries();
  readonly baseline: Baseline;
  /** Rendered `{host="…"}`. */
  readonly labels: string;
  last: HostPoint | undefined;

  constructor(
    readonly name: string,
    options: BaselineOptions,
    state?: BaselineState
  ) {
    this.baseline = new Baseline(options, state);
    this.labels = `{host="${name.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"}`;
  }
}

/** What is persisted for one host. */
export interface HostSnapshot {
  host: string;
  baseline: BaselineState;
}

/** Why a sample was not used, beyond the window's own reasons. */
export type IngestSkip = SkipReason | 'series_limit';

/** Options for {@link EngineState}. */
export interface EngineStateOptions {
  indicators: IndicatorConfig[];
  hostBaseline: BaselineOptions;
  stalenessMs: number;
  maxSeries: number;
}

/** The engine's state. */
export class EngineState {
  readonly hosts = new Map<string, EngineHost>();
  readonly indicators = new Map<string, IndicatorConfig>();
  private seriesCount = 0;

  /** The host baseline options, prepared once and shared by every host. */
  private readonly hostBaseline: BaselineOptions;

  constructor(readonly options: EngineStateOptions) {
    this.hostBaseline = prepareBaselineOptions(options.hostBaseline);
    for (const ind of options.indicators) {
      this.indicators.set(ind.name, ind);
    }
  }

  /** Number of live series. */
  get size(): number {
    return this.seriesCount;
  }

  /** The series of `indicator` for `host`, created on first use (undefined past `maxSeries`). */
  series(indicator: IndicatorConfig, host: string, nowMs: number): EngineSeries | undefined {
    let h = this.hosts.get(host);
    let s = h?.series.get(indicator.name);
    if (s) {
      return s;
    }
    if (this.seriesCount >= this.options.maxSeries) {
      return undefined;
    }
    if (!h) {
      h = new EngineHost(host, this.hostBaseline);
      this.hosts.set(host, h);
    }
    s = new EngineSeries(indicator, host, nowMs);
    h.series.set(indicator.name, s);
    this.seriesCount++;
    return s;
  }

  /**
   * Offers one sample; returns why it was skipped, or undefined when admitted. (The remote-write receiver
   * does the same two steps, `series` then `EngineSeries.push`, resolving the series once per run of samples.)
   */
  ingest(indicator: IndicatorConfig, host: string, t: number, v: number, nowMs: number): IngestSkip | undefined {
    const s = this.series(indicator, host, nowMs);
    return s ? s.push(t, v, nowMs) : 'series_limit';
  }

  /** A Prometheus stale marker: the series ended. It leaves the outputs now and the state after `staleness`. */
  end(indicator: string, host: string): void {
    const s = this.hosts.get(host)?.series.get(indicator);
    if (s) {
      s.ended = true;
    }
  }

  /**
   * Evaluates every host's aggregate and baseline at `nowMs`, and drops series not seen for `staleness`
   * (and hosts left without series). Called once per interval.
   */
  evaluate(nowMs: number): void {
    const cutoff = nowMs - this.options.stalenessMs;
    for (const [name, host] of this.hosts) {
      const items = [];
      for (const s of host.series.list()) {
        const ind = s.indicator.name;
        if (s.lastSeenMs < cutoff) {
          host.series.delete(ind);
          this.seriesCount--;
          continue;
        }
        if (!s.ended) {
          items.push({ name: ind, value: s.entropy, weight: s.indicator.weight });
        }
      }
      if (host.series.size === 0) {
        this.hosts.delete(name);
        continue;
      }
      const a = aggregate(items);
      if (a.mean === undefined) {
        host.last = undefined;
        continue;
      }
      host.last = {
        t: nowMs,
        score: a.mean,
        max: a.max ?? NaN,
        maxIndicator: a.maxName,
        count: a.count,
        baseline: host.baseline.observe(a.mean),
      };
    }
  }

  /** Everything the store keeps. */
  snapshot(): { series: SeriesSnapshot[]; hosts: HostSnapshot[] } {
    const series: SeriesSnapshot[] = [];
    const hosts: HostSnapshot[] = [];
    for (const host of this.hosts.values()) {
      hosts.push({ host: host.name, baseline: host.baseline.state() });
      for (const s of host.series.values()) {
        series.push(s.snapshot());
      }
    }
    return { series, hosts };
  }

  /**
   * Restores persisted state. Series of indicators no longer configured are left out (`dropped`); series whose
   * options changed keep their raw window but relearn their baseline (`relearning`);
   * `nowMs` starts their staleness clock, so a series that never comes back still leaves in time.
   */
  restore(
    series: SeriesSnapshot[],
    hosts: HostSnapshot[],
    nowMs: number
  ): { restored: number; dropped: number; relearning: number } {
    let restored = 0;
    let relearning = 0;
    let dropped = 0;
    for (const h of hosts) {
      this.hosts.set(h.host, new EngineHost(h.host, this.hostBaseline, h.baseline));
    }
    for (const snap of series) {
      const ind = this.indicators.get(snap.indicator);
      if (!ind || this.seriesCount >= this.options.maxSeries) {
        dropped++;
        continue;
      }
      let host = this.hosts.get(snap.host);
      if (!host) {
        host = new EngineHost(snap.host, this.hostBaseline);
        this.hosts.set(snap.host, host);
      }
      const s = new EngineSeries(ind, snap.host, nowMs, snap);
      host.series.set(ind.name, s);
      relearning += s.compatible ? 0 : 1;
      this.seriesCount++;
      restored++;
    }
    for (const [name, host] of this.hosts) {
      if (host.series.size === 0) {
        this.hosts.delete(name);
      }
    }
    return { restored, dropped, relearning };
  }
}
