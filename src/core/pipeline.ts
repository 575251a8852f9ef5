/**
 * Everything computed for one series, in the order every part runs it: window entropy → baseline (deviation,
 * z) → trend, plus an optional second detector statistic on the raw values (DESIGN.md asks for that seam).
 *
 * The engine runs one pipeline per series; the replay CLI and the browser run the same class over history.
 */
import { Baseline, BaselineOptions, BaselinePoint, BaselineState } from './baseline';
import { createEstimator } from './create';
import { EntropyOptions } from './options';
import { TrendTracker } from './trend';
import { StreamingEntropy } from './window';

/** What a detector reports for one admitted sample. */
export interface DetectorPoint {
  /** The detector's own statistic (e.g. surprisal in nats). */
  statistic: number;
  /** Anomaly score in [0, 1]. */
  score: number;
  /** Whether this sample raises an alert. */
  alert: boolean;
}

/**
 * A second detector statistic per series, fed the raw samples that the window admits. Implementations must
 * be causal: a point depends only on samples up to its own.
 */
export interface SeriesDetector {
  readonly name: string;
  /** Called for each admitted sample; undefined while the detector is warming up. */
  push(t: number, v: number): DetectorPoint | undefined;
  /** Plain-JSON state to persist, so that a restart does not warm up again (optional). */
  state?(): unknown;
}

/** Makes a detector for a series: fresh, or resumed from a state its `state()` returned (may throw if invalid). */
export type DetectorFactory = (state?: unknown) => SeriesDetector;

/** Options for a {@link SeriesPipeline}. */
export interface SeriesPipelineOptions {
  entropy?: EntropyOptions;
  baseline?: BaselineOptions;
  /** Points in the trend's least-squares fit. Default 10. */
  trendWindow?: number;
  detector?: DetectorFactory;
}

/** One evaluation of a series. Numbers are NaN where not (yet) defined. */
export interface SeriesPoint {
  t: number;
  value: number;
  /** Whether the sample entered the window (false: invalid, duplicate or out of order). */
  admitted: boolean;
  /** Normalized entropy `Hn` and bits. */
  entropy: number;
  bits: number;
  /** Baseline mean and std of `Hn` the value was judged against, deviation `Hn − μ`, z. */
  baseline: number;
  std: number;
  deviation: number;
  z: number;
  /** Baseline warm-up complete, and whether learning was paused (anomaly open). */
  ready: boolean;
  frozen: boolean;
  /** Least-squares slope of `Hn` per second over the last `trendWindow` evaluations. */
  trend: number;
  /** The second detector's point, when one is configured and warm. */
  detector: DetectorPoint | undefined;
}

/** Persistable part of a pipeline (what must survive a restart: the learned baseline and trend). */
export interface SeriesPipelineState {
  baseline: BaselineState;
  trend: Array<[number, number]>;
  /** The detector's own state, when it has one. */
  detector?: unknown;
}

export class SeriesPipeline {
  readonly estimator: StreamingEntropy;
  readonly baseline: Baseline;
  private readonly trend: TrendTracker;
  private readonly detector: SeriesDetector | undefined;
  private last: SeriesPoint | undefined;
  /** The point a skipped sample returns (made on the first skip: most series never see one). */
  private skipped: SeriesPoint | undefined;

  constructor(options: SeriesPipelineOptions = {}, state?: SeriesPipelineState) {
    this.estimator = createEstimator(options.entropy);
    this.baseline = new Baseline(options.baseline, state?.baseline);
    this.trend = new TrendTracker(options.trendWindow ?? 10);
    for (const [t, y] of state?.trend ?? []) {
      this.trend.push(t, y);
    }
    this.detector = options.detector?.(state?.detector);
  }

  /**
   * Offers a sample; returns the evaluation after it (a skipped sample repeats the last evaluation's numbers,
   * with `admitted: false`). The returned object is reused by the next push (no allocation per sample on the
   * engine's hot path): copy it to keep it.
   */
  push(t: number, value: number): SeriesPoint {
    const before = this.estimator.admittedTotal;
    const hn = this.estimator.push(t, value);
    if (this.estimator.admittedTotal === before) {
      const skip = (this.skipped ??= emptyPoint());
      Object.assign(skip, this.last ?? EMPTY);
      skip.t = t;
      skip.value = value;
      skip.admitted = false;
      skip.detector = undefined;
      return skip;
    }
    const detector = this.detector?.push(t, value);
    const entropy = hn ?? NaN;
    const b = this.baseline.observeInto(entropy, SCRATCH);
    const trend = hn === undefined ? this.trend.slope() : this.trend.push(t, entropy);
    const p = (this.last ??= emptyPoint());
    p.t = t;
    p.value = value;
    p.admitted = true;
    p.entropy = entropy;
    p.bits = hn === undefined ? NaN : this.estimator.bits;
    p.baseline = b.mean;
    p.std = b.std;
    p.deviation = b.deviation;
    p.z = b.z;
    p.ready = b.ready;
    p.frozen = b.frozen;
    p.trend = trend;
    p.detector = detector;
    return p;
  }

  /** The last evaluation, if any sample was admitted. */
  get current(): SeriesPoint | undefined {
    return this.last;
  }

  state(): SeriesPipelineState {
    const detector = this.detector?.state?.();
    return {
      baseline: this.baseline.state(),
      trend: this.trend.points(),
      ...(detector === undefined ? {} : { detector }),
    };
  }
}

/** What `Baseline.observeInto` writes for the push in progress (pushes are synchronous: one serves all). */
const SCRATCH: BaselinePoint = { mean: NaN, std: NaN, deviation: NaN, z: NaN, ready: false, frozen: false };

/**
 * A fresh point with every number NaN. A literal (not `{ ...EMPTY }`): V8 then stores its numbers in place as
 * doubles, where a spread copy's fields hold boxed numbers that every push would allocate anew.
 */
function emptyPoint(): SeriesPoint {
  return {
    t: NaN,
    value: NaN,
    admitted: false,
    entropy: NaN,
    bits: NaN,
    baseline: NaN,
    std: NaN,
    deviation: NaN,
    z: NaN,
    ready: false,
    frozen: false,
    trend: NaN,
    detector: undefined,
  };
}

const EMPTY: SeriesPoint = Object.freeze(emptyPoint());
