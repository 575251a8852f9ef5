/**
 * Watches the live demo: the raw samples in Prometheus (for the threshold rules) and the engine's profiles
 * (for the entropy warnings), both mapped to fleet steps through the exporter's step gauge, so that the
 * tracker compares the two on the very samples the engine evaluated.
 *
 * `ingestRaw` and `ingestProfiles` are plain (tested with hand-made inputs); `poll` fetches and feeds them.
 */
import type { HostProfile } from '../engine/profiles';
import { PrometheusClient, ResultSeries } from '../engine/prometheus';
import { METRICS, STEP_METRIC } from './config';
import { INDICATORS, Indicator } from './fleet';
import { Evaluation, IncidentTracker, WarningEvent } from './tracker';

/** The latest engine evaluation of a cell, for the table. */
export interface Cell extends Evaluation {
  /** Fleet step of that evaluation, when known. */
  step: number | undefined;
}

const INDICATOR_OF = new Map<string, Indicator>(INDICATORS.map((i) => [METRICS[i], i]));

/** Feeds a tracker from Prometheus and the engine; keeps the latest cell values. */
export class Monitor {
  /** Evaluation time (ms) → fleet step, from the exporter's step gauge as Prometheus stored it. */
  private readonly stepOf = new Map<number, number>();
  /** Evaluations whose time has no known step yet (the raw query runs a step behind). */
  private pending: Array<{ t: number; host: string; indicator: Indicator; e: Evaluation }> = [];
  private readonly lastEval = new Map<string, number>();
  /** Next evaluation time whose raw samples to read. */
  private rawFrom: number | undefined;
  readonly cells = new Map<string, Cell>();
  /** The newest fleet step seen in Prometheus. */
  newestStep = -1;

  constructor(
    readonly tracker: IncidentTracker,
    private readonly onWarning: (w: WarningEvent) => void = () => undefined
  ) {}

  /** Raw samples of a `query_range` over the demo's metrics, on the engine's evaluation grid. */
  ingestRaw(series: ResultSeries[]): void {
    const steps = series.find((s) => s.labels.__name__ === STEP_METRIC);
    for (const [t, v] of steps?.samples ?? []) {
      this.stepOf.set(t, v);
      this.newestStep = Math.max(this.newestStep, v);
    }
    const rows: Array<{ t: number; host: string; indicator: Indicator; v: number }> = [];
    for (const s of series) {
      const indicator = INDICATOR_OF.get(s.labels.__name__ ?? '');
      const host = s.labels.host;
      if (indicator === undefined || host === undefined) {
        continue;
      }
      for (const [t, v] of s.samples) {
        rows.push({ t, host, indicator, v });
      }
    }
    rows.sort((a, b) => a.t - b.t);
    for (const r of rows) {
      const step = this.stepOf.get(r.t);
      if (step !== undefined) {
        this.tracker.raw(r.host, r.indicator, step, r.v);
      }
    }
    this.flush();
  }

  /** The engine's `/api/v1/profiles` hosts; each indicator's evaluation counts once (by its sample time). */
  ingestProfiles(hosts: HostProfile[]): void {
    for (const h of hosts) {
      for (const indicator of INDICATORS) {
        const p = h.indicators[indicator];
        if (!p || p.lastSampleMs === null) {
          continue;
        }
        const k = `${h.host}/${indicator}`;
        const e: Evaluation = { entropy: p.entropy, z: p.z, anomalyScore: p.anomalyScore ?? null };
        this.cells.set(k, { ...e, step: this.stepOf.get(p.lastSampleMs) });
        if (p.lastSampleMs > (this.lastEval.get(k) ?? -Infinity)) {
          this.lastEval.set(k, p.lastSampleMs);
          this.pending.push({ t: p.lastSampleMs, host: h.host, indicator, e });
        }
      }
    }
    this.flush();
  }

  /** Hands the tracker every pending evaluation whose step is known, in time order. */
  private flush(): void {
    this.pending.sort((a, b) => a.t - b.t);
    const keep: typeof this.pending = [];
    for (const p of this.pending) {
      const step = this.stepOf.get(p.t);
      if (step === undefined) {
        keep.push(p);
        continue;
      }
      for (const w of this.tracker.evaluation(p.host, p.indicator, step, p.e)) {
        this.onWarning(w);
      }
    }
    this.pending = keep;
    // Steps of times well before every series' last evaluation (and every pending one) are no longer needed.
    const oldest = Math.min(...keep.map((p) => p.t), ...this.lastEval.values());
    if (Number.isFinite(oldest)) {
      for (const t of this.stepOf.keys()) {
        if (t < oldest - 60_000) {
          this.stepOf.delete(t);
        }
      }
    }
  }

  /** One round: raw samples up to one step ago, then the engine's profiles. Errors propagate. */
  async poll(prometheus: PrometheusClient, engineUrl: string, stepMs: number, nowMs: number): Promise<void> {
    const upTo = Math.floor(nowMs / stepMs) * stepMs - stepMs;
    const from = this.rawFrom ?? upTo - 10 * stepMs;
    if (from <= upTo) {
      const names = [...Object.values(METRICS), STEP_METRIC].join('|');
      const series = await prometheus.queryRange(`{__name__=~"${names}"}`, from, upTo, stepMs);
      this.ingestRaw(series);
      this.rawFrom = upTo + stepMs;
    }
    const res = await fetch(`${engineUrl}/api/v1/profiles`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) {
      throw new Error(`engine /api/v1/profiles: HTTP ${res.status}`);
    }
    this.ingestProfiles(((await res.json()) as { hosts: HostProfile[] }).hosts);
  }
}
