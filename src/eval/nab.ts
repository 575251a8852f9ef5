/**
 * The Numenta Anomaly Benchmark's scoring (Lavin & Ahmad 2015; numenta/NAB `sweeper.py`), reimplemented:
 * labeled windows, a probationary period, the scaled sigmoid, cost profiles, and threshold optimization.
 *
 * Pure: no I/O. A file is its timestamps, the detector's anomaly scores in [0, 1], and its labeled windows.
 */

/** Weights of one NAB application profile. */
export interface CostProfile {
  name: string;
  tpWeight: number;
  fnWeight: number;
  fpWeight: number;
}

/** NAB's three profiles. */
export const PROFILES: readonly CostProfile[] = [
  { name: 'standard', tpWeight: 1, fnWeight: 1, fpWeight: 0.11 },
  { name: 'reward_low_FP_rate', tpWeight: 1, fnWeight: 1, fpWeight: 0.22 },
  { name: 'reward_low_FN_rate', tpWeight: 1, fnWeight: 2, fpWeight: 0.11 },
];

/** One labeled file with a detector's scores. Windows are inclusive `[start, end]` in the timestamps' unit. */
export interface ScoredFile {
  name: string;
  timestamps: ArrayLike<number>;
  scores: ArrayLike<number>;
  windows: ReadonlyArray<readonly [number, number]>;
}

/** NAB's fraction of each file that is probationary (not scored). */
export const PROBATION_FRACTION = 0.15;

/** Rows not scored at the start of a file: `min(floor(0.15·n), 0.15·5000)`. */
export function probationLength(rows: number, fraction = PROBATION_FRACTION): number {
  return Math.min(Math.floor(fraction * rows), fraction * 5000);
}

/** `2·sigmoid(−5x) − 1`: 0.9866 at a window's left edge (x = −1), 0 at its right edge, −1 far past it. */
export function scaledSigmoid(x: number): number {
  if (x >= 3) {
    return -1;
  }
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

/** A file's windows as row indices (inclusive); a window holding no row is dropped. */
export function windowRows(file: ScoredFile): Array<[number, number]> {
  const t = file.timestamps;
  const out: Array<[number, number]> = [];
  for (const [start, end] of file.windows) {
    let a = 0;
    while (a < t.length && t[a] < start) {
      a++;
    }
    let b = a;
    while (b < t.length && t[b] <= end) {
      b++;
    }
    if (b > a) {
      out.push([a, b - 1]);
    }
  }
  return out;
}

/** A scorable row: its anomaly score, what detecting it is worth, and its window (−1 outside every window). */
export interface SweepRow {
  score: number;
  value: number;
  window: number;
}

/**
 * Per-row worth of a detection (NAB's "sweep score"): inside a window `tpWeight·S(x)/S(−1)` with `x` from −1
 * at the left edge towards 0 at the right; outside, `fpWeight·S(distance past the previous window, in
 * window widths)`, or `−fpWeight` before the first window. Probationary rows are left out. Window ids start
 * at `firstWindowId` so that files can be pooled; returns the rows and the number of windows counted.
 */
export function sweepRows(
  file: ScoredFile,
  profile: CostProfile,
  firstWindowId = 0
): { rows: SweepRow[]; windows: number[] } {
  const windows = windowRows(file);
  const n = file.timestamps.length;
  const probation = probationLength(n);
  const maxTp = scaledSigmoid(-1);
  const rows: SweepRow[] = [];
  const counted = new Set<number>();
  let w = 0;
  let prev: [number, number] | undefined;
  for (let i = 0; i < n; i++) {
    while (w < windows.length && i > windows[w][1]) {
      prev = windows[w];
      w++;
    }
    const inside = w < windows.length && i >= windows[w][0];
    let value: number;
    if (inside) {
      const [a, b] = windows[w];
      value = (scaledSigmoid(-(b - i + 1) / (b - a + 1)) * profile.tpWeight) / maxTp;
    } else if (prev === undefined) {
      value = -profile.fpWeight;
    } else {
      const width = prev[1] - prev[0] + 1;
      // NAB divides by (width − 1); a one-row window would divide by zero, so treat it as far behind.
      const x = width > 1 ? (i - prev[1]) / (width - 1) : 3;
      value = scaledSigmoid(x) * profile.fpWeight;
    }
    if (i < probation) {
      continue;
    }
    const id = inside ? firstWindowId + w : -1;
    if (inside) {
      counted.add(id);
    }
    rows.push({ score: file.scores[i], value, window: id });
  }
  return { rows, windows: [...counted] };
}

/** The score of a detector at one threshold (detections are rows with `score ≥ threshold`). */
export interface ThresholdScore {
  threshold: number;
  score: number;
  /** Windows detected, windows missed, detections outside every window. */
  tp: number;
  fn: number;
  fp: number;
}

/**
 * Score at every distinct threshold, highest first, starting above 1 (no detection): rows sorted by anomaly
 * score, and the score updated as each row becomes a detection — O(n log n) over the pooled rows.
 * A window counts its best (earliest) detection only; every outside detection costs its own value.
 */
export function scoresByThreshold(rows: SweepRow[], windows: number[], profile: CostProfile): ThresholdScore[] {
  const best = new Map<number, number>();
  const sorted = rows.slice().sort((x, y) => y.score - x.score);
  let score = -profile.fnWeight * windows.length;
  let tp = 0;
  let fp = 0;
  const out: ThresholdScore[] = [];
  let threshold = 1.1;
  for (const row of sorted) {
    if (row.score !== threshold) {
      out.push({ threshold, score, tp, fn: windows.length - tp, fp });
      threshold = row.score;
    }
    if (row.window < 0) {
      fp++;
      score += row.value;
    } else {
      const old = best.get(row.window);
      if (old === undefined) {
        tp++;
        best.set(row.window, row.value);
        score += profile.fnWeight + row.value;
      } else if (row.value > old) {
        best.set(row.window, row.value);
        score += row.value - old;
      }
    }
  }
  out.push({ threshold, score, tp, fn: windows.length - tp, fp });
  return out;
}

/** Best threshold over a pool of files (NAB optimizes one threshold per profile over the whole corpus). */
export function optimizeThreshold(files: ScoredFile[], profile: CostProfile): ThresholdScore {
  const rows: SweepRow[] = [];
  const windows: number[] = [];
  let id = 0;
  for (const file of files) {
    const s = sweepRows(file, profile, id);
    id += file.windows.length;
    rows.push(...s.rows);
    windows.push(...s.windows);
  }
  const all = scoresByThreshold(rows, windows, profile);
  // Highest score; on a tie the highest threshold (fewest detections), as NAB's stable sort picks.
  return all.reduce((b, s) => (s.score > b.score ? s : b));
}

/** One file's score at a given threshold. */
export function scoreFile(file: ScoredFile, profile: CostProfile, threshold: number): ThresholdScore {
  const { rows, windows } = sweepRows(file, profile);
  const detected = rows.filter((r) => r.score >= threshold);
  const last = scoresByThreshold(detected, windows, profile).pop()!;
  return { ...last, threshold };
}
