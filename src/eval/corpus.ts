/**
 * A corpus score as NAB reports it: per profile, the threshold optimized over all files, the raw score at it,
 * and the score normalized against a null detector (never detects) and a perfect one (detects every window at
 * its left edge), both scored on the same files by the same code. Also lead times of the first alerts.
 */
import { CostProfile, optimizeThreshold, probationLength, PROFILES, ScoredFile, scoreFile, windowRows } from './nab';

/** A profile's result over a corpus. */
export interface ProfileResult {
  profile: string;
  threshold: number;
  raw: number;
  null: number;
  perfect: number;
  /** `100·(raw − null)/(perfect − null)`. */
  normalized: number;
  tp: number;
  fn: number;
  fp: number;
  files: Array<{ name: string; score: number; tp: number; fn: number; fp: number }>;
}

/** The same files with other scores (for the reference detectors). */
function withScores(files: ScoredFile[], scoresOf: (f: ScoredFile) => Float64Array): ScoredFile[] {
  return files.map((f) => ({ ...f, scores: scoresOf(f) }));
}

/** Scores 1 at the first row of every window, 0 elsewhere. */
export function perfectScores(file: ScoredFile): Float64Array {
  const s = new Float64Array(file.timestamps.length);
  for (const [a] of windowRows(file)) {
    s[a] = 1;
  }
  return s;
}

/** Sum of the files' scores at a fixed threshold. */
function corpusScore(files: ScoredFile[], profile: CostProfile, threshold: number): number {
  return files.reduce((sum, f) => sum + scoreFile(f, profile, threshold).score, 0);
}

/** Scores a corpus under one profile at a given threshold (normalized against the same references). */
export function scoreAtThreshold(files: ScoredFile[], profile: CostProfile, threshold: number): ProfileResult {
  const perFile = files.map((f) => ({ name: f.name, ...scoreFile(f, profile, threshold) }));
  const raw = perFile.reduce((s, f) => s + f.score, 0);
  // Reference detectors are scored as defined, not re-optimized: on a small corpus "alert on every row" can
  // beat "never alert", and the null detector must stay the one that never detects.
  const nullScore = corpusScore(files, profile, Infinity);
  const perfect = corpusScore(withScores(files, perfectScores), profile, 1);
  const span = perfect - nullScore;
  return {
    profile: profile.name,
    threshold,
    raw,
    null: nullScore,
    perfect,
    normalized: span > 0 ? (100 * (raw - nullScore)) / span : NaN,
    tp: perFile.reduce((s, f) => s + f.tp, 0),
    fn: perFile.reduce((s, f) => s + f.fn, 0),
    fp: perFile.reduce((s, f) => s + f.fp, 0),
    files: perFile.map(({ name, score, tp, fn, fp }) => ({ name, score, tp, fn, fp })),
  };
}

/** Scores a corpus under one profile at the threshold optimized over the whole corpus (NAB's way). */
export function scoreProfile(files: ScoredFile[], profile: CostProfile): ProfileResult {
  return scoreAtThreshold(files, profile, optimizeThreshold(files, profile).threshold);
}

/** Scores a corpus under every NAB profile. */
export function scoreCorpus(files: ScoredFile[], profiles: readonly CostProfile[] = PROFILES): ProfileResult[] {
  return profiles.map((p) => scoreProfile(files, p));
}

/** The first alert in one labeled window. */
export interface LeadTime {
  file: string;
  window: [number, number];
  /** Time of the first detection in the window, or undefined when the window was missed. */
  firstAlert: number | undefined;
  /** `window end − first alert`, in minutes (timestamps in ms); NaN when missed. */
  minutesBeforeEnd: number;
  /** Whether the first alert came before the labeled anomaly point inside the window (if one is known). */
  beforeLabel: boolean | undefined;
  /** `labeled point − first alert` in minutes: positive before it, 0 at it, negative after; NaN if unknown. */
  minutesBeforeLabel: number;
}

/** Lead times summed up: windows detected, median minutes before the window end, and against the label. */
export interface LeadSummary {
  windows: number;
  detected: number;
  medianMinutesBeforeEnd: number;
  beforeLabel: number;
  atLabel: number;
  afterLabel: number;
}

/** Summarizes {@link leadTimes}. */
export function summarizeLeads(leads: LeadTime[]): LeadSummary {
  const detected = leads.filter((l) => l.firstAlert !== undefined);
  const vs = detected.map((l) => l.minutesBeforeLabel).filter(Number.isFinite);
  return {
    windows: leads.length,
    detected: detected.length,
    medianMinutesBeforeEnd: median(detected.map((l) => l.minutesBeforeEnd)),
    beforeLabel: vs.filter((m) => m > 0).length,
    atLabel: vs.filter((m) => m === 0).length,
    afterLabel: vs.filter((m) => m < 0).length,
  };
}

/**
 * For every window, the first detection (`score ≥ threshold`, outside probation) and how long before the
 * window's end it came. `labels` are the labeled anomaly points (a window's point is the one inside it).
 */
export function leadTimes(files: ScoredFile[], threshold: number, labels: Map<string, number[]>): LeadTime[] {
  const out: LeadTime[] = [];
  for (const f of files) {
    const probation = probationLength(f.timestamps.length);
    for (const [a, b] of windowRows(f)) {
      let first: number | undefined;
      for (let i = Math.max(a, Math.ceil(probation)); i <= b; i++) {
        if (f.scores[i] >= threshold) {
          first = f.timestamps[i];
          break;
        }
      }
      const start = f.timestamps[a];
      const end = f.timestamps[b];
      const label = (labels.get(f.name) ?? []).find((t) => t >= start && t <= end);
      out.push({
        file: f.name,
        window: [start, end],
        firstAlert: first,
        minutesBeforeEnd: first === undefined ? NaN : (end - first) / 60_000,
        beforeLabel: first === undefined || label === undefined ? undefined : first < label,
        minutesBeforeLabel: first === undefined || label === undefined ? NaN : (label - first) / 60_000,
      });
    }
  }
  return out;
}

/** Median of the finite values (NaN if none). */
export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (v.length === 0) {
    return NaN;
  }
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
