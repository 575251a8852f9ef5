/**
 * The quorum over history: what the data source's `quorum` output computes in the browser, from Prometheus
 * range results — the same {@link SeriesPipeline} per host × observer × indicator and the same
 * {@link QuorumTracker} as the engine, fed the same way (DEVELOPMENT.md, "Entropy quorum"):
 *
 * - a series reports at `t` when it has an admitted sample at exactly `t` (a check: a finite value, 0 fails);
 * - every step of the grid is assessed, from the first timestamp to the last (or `to`), at the inputs' step,
 *   as the engine assesses every interval even when nothing arrived.
 *
 * So on the same samples, at the engine's interval as step, each assessment equals the engine's at that time.
 */
import { QuorumAssessment, ObserverReport, QuorumTracker } from './quorum';
import { QuorumOptions } from './quorum-options';
import { SeriesPipeline, SeriesPipelineOptions } from './pipeline';

/** One input series, already placed on its host and observer. */
export interface QuorumHistorySeries {
  /** Where it came from (a query's refId), for errors. */
  source: string;
  role: 'checks' | 'indicator';
  host: string;
  observer: string;
  /** Indicator name in reports (indicators only). */
  indicator?: string;
  /** Its labels as text, for errors. */
  describe?: string;
  times: ArrayLike<number>;
  values: ArrayLike<number>;
  /** Entropy, baseline and trend options (indicators). */
  pipeline?: SeriesPipelineOptions;
}

/** Options of {@link quorumHistory}. */
export interface QuorumHistoryOptions {
  quorum: QuorumOptions;
  /** Assessments before `from` only warm up streaks; they and those after `to` are left out. */
  from?: number;
  to?: number;
  /** Step of the grid; default the smallest gap between the inputs' timestamps. */
  stepMs?: number;
}

/** Two series claim the same host × observer × indicator. */
export class QuorumHistoryError extends Error {
  constructor(
    readonly source: string,
    message: string
  ) {
    super(message);
    this.name = 'QuorumHistoryError';
  }
}

/** Most grid steps walked; beyond it only the inputs' own timestamps are assessed. */
const MAX_GRID = 1_000_000;

/** The times to assess: the inputs' timestamps and every step between the first and `to` (or the last). */
function grid(times: number[], stepMs: number | undefined, to: number | undefined): number[] {
  if (times.length === 0) {
    return times;
  }
  let step = stepMs ?? Infinity;
  for (let i = 1; stepMs === undefined && i < times.length; i++) {
    step = Math.min(step, times[i] - times[i - 1]);
  }
  const last = times[times.length - 1];
  const end = to !== undefined && Number.isFinite(to) ? Math.max(to, last) : last;
  if (!(step > 0 && step < Infinity) || (end - times[0]) / step > MAX_GRID) {
    return times;
  }
  const out = new Set(times);
  for (let t = times[0]; t <= end; t += step) {
    out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}

/** t → host → observer → report. */
type Reports = Map<number, Map<string, Map<string, ObserverReport>>>;

function reportAt(reports: Reports, t: number, host: string, observer: string): ObserverReport {
  let byHost = reports.get(t);
  if (!byHost) {
    byHost = new Map();
    reports.set(t, byHost);
  }
  let byObserver = byHost.get(host);
  if (!byObserver) {
    byObserver = new Map();
    byHost.set(host, byObserver);
  }
  let r = byObserver.get(observer);
  if (!r) {
    r = { observer };
    byObserver.set(observer, r);
  }
  return r;
}

function collect(series: readonly QuorumHistorySeries[]): Reports {
  const reports: Reports = new Map();
  const seen = new Map<string, string>();
  for (const s of series) {
    const n = Math.min(s.times.length, s.values.length);
    if (s.role === 'checks') {
      for (let i = 0; i < n; i++) {
        const v = s.values[i];
        if (v - v === 0) {
          // Several check series of one host × observer at one time: all must pass.
          const r = reportAt(reports, s.times[i], s.host, s.observer);
          r.checkOk = (r.checkOk ?? true) && v !== 0;
        }
      }
      continue;
    }
    const indicator = s.indicator ?? s.source;
    const key = JSON.stringify([s.host, s.observer, indicator]);
    const other = seen.get(key);
    if (other !== undefined) {
      throw new QuorumHistoryError(
        s.source,
        `series ${s.describe ?? key} and ${other} are both ${indicator} of host ${s.host} seen by ${s.observer}`
      );
    }
    seen.set(key, s.describe ?? key);
    const pipeline = new SeriesPipeline(s.pipeline);
    for (let i = 0; i < n; i++) {
      const p = pipeline.push(s.times[i], s.values[i]);
      if (p.admitted) {
        const r = reportAt(reports, s.times[i], s.host, s.observer);
        (r.indicators ??= {})[indicator] = { entropy: p.entropy, z: p.z };
      }
    }
  }
  return reports;
}

/**
 * Per host, the assessment at every step of the grid within `[from, to]`, or what `keep` makes of it (a
 * history of whole assessments, views and all, is large: keep only what is shown). Throws
 * {@link QuorumHistoryError}.
 */
export function quorumHistory<T = QuorumAssessment>(
  series: readonly QuorumHistorySeries[],
  options: QuorumHistoryOptions,
  keep: (a: QuorumAssessment) => T = (a) => a as T
): Map<string, T[]> {
  const tracker = new QuorumTracker(options.quorum);
  const reports = collect(series);
  const out = new Map<string, T[]>();
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  for (const t of grid(
    [...reports.keys()].sort((a, b) => a - b),
    options.stepMs,
    options.to
  )) {
    const byHost = new Map([...(reports.get(t) ?? [])].map(([host, m]) => [host, [...m.values()]]));
    reports.delete(t); // assessed: let it go (a long history's reports are most of the heap)
    for (const a of tracker.assessAll(byHost, t)) {
      if (t >= from && t <= to) {
        const list = out.get(a.host) ?? [];
        list.push(keep(a));
        out.set(a.host, list);
      }
    }
  }
  return out;
}
