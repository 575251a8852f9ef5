/**
 * The surprisal detector (issue 9): how unexpected each new value is under the series' own recent
 * distribution. Its statistic is `−ln q(bin)`, the cross-entropy term of the value against an exponentially
 * weighted reference histogram — the same family as the window entropy, but per sample, so it reacts on the
 * first odd value instead of after a window fills.
 *
 * Strictly causal: a sample is scored against the histogram of the samples before it, then learned.
 */
import { EwHistogram, EwHistogramState } from './ewhistogram';
import { checkFinite, checkInteger, OptionError } from './options';
import { DetectorPoint, SeriesDetector } from './pipeline';
import { SlidingMax } from './slidingmax';

/** Scores closer than this are equal for repeat suppression (the ceiling is cached to 1e-12 relative). */
const TIE = 1e-9;

/** Surprisal detector options as a user writes them. */
export interface SurprisalOptions {
  /** Samples collected before the first score; the bin width is learned from them. Default 300. */
  warmup?: number;
  /** Rate `α` of the reference histogram (0 < α < 1); it remembers about `1/α` samples. Default 0.01. */
  alpha?: number;
  /** The warm-up's 5th–95th percentile range is cut into this many bins to set the width. Default 20. */
  bins?: number;
  /** Most bins kept; a wider span coarsens the histogram (doubles the width). Default 64. */
  maxBins?: number;
  /** Additive smoothing `λ` per bin, in samples (> 0). Default 0.5. */
  smoothing?: number;
  /** `K`: a score is reported only when the surprisal beats the maximum of the previous K. Default 60. */
  suppress?: number;
  /** An alert is raised when the anomaly score is at least this (in (0, 1]). Default 0.6. */
  threshold?: number;
}

/** Options after defaults and validation. */
export type ResolvedSurprisalOptions = Required<SurprisalOptions>;

/** Defaults, chosen on the NAB development files (see DEVELOPMENT.md, "Detection quality"). */
export const DEFAULT_SURPRISAL_OPTIONS: ResolvedSurprisalOptions = {
  warmup: 300,
  alpha: 0.01,
  bins: 20,
  maxBins: 64,
  smoothing: 0.5,
  suppress: 60,
  threshold: 0.6,
};

/** Validates and applies defaults; errors name the field (`prefix` qualifies it, e.g. `detector.`). */
export function resolveSurprisalOptions(input: SurprisalOptions = {}, prefix = ''): ResolvedSurprisalOptions {
  const d = DEFAULT_SURPRISAL_OPTIONS;
  const f = (name: string) => prefix + name;
  if (input === null || typeof input !== 'object') {
    throw new OptionError(prefix || 'options', `${prefix || 'options'} must be an object`);
  }
  for (const key of Object.keys(input)) {
    if (!(key in d)) {
      throw new OptionError(f(key), `${f(key)} is not a surprisal option (allowed: ${Object.keys(d).join(', ')})`);
    }
  }
  const alpha = checkFinite(f('alpha'), input.alpha ?? d.alpha, true);
  if (alpha >= 1) {
    throw new OptionError(f('alpha'), `${f('alpha')} must be in (0, 1), got ${alpha}`);
  }
  const threshold = checkFinite(f('threshold'), input.threshold ?? d.threshold, true);
  if (threshold > 1) {
    throw new OptionError(f('threshold'), `${f('threshold')} must be in (0, 1], got ${threshold}`);
  }
  const bins = checkInteger(f('bins'), input.bins ?? d.bins, 1, 4096);
  const maxBins = checkInteger(f('maxBins'), input.maxBins ?? d.maxBins, 2, 65_536);
  if (maxBins < 2 * bins) {
    // Fewer would coarsen on the first value past the warm-up's range.
    throw new OptionError(f('maxBins'), `${f('maxBins')} must be at least 2 × bins (${2 * bins}), got ${maxBins}`);
  }
  return {
    warmup: checkInteger(f('warmup'), input.warmup ?? d.warmup, 2, 1_000_000),
    alpha,
    bins,
    maxBins,
    smoothing: checkFinite(f('smoothing'), input.smoothing ?? d.smoothing, true),
    suppress: checkInteger(f('suppress'), input.suppress ?? d.suppress, 1, 100_000),
    threshold,
  };
}

/**
 * Bin width from the warm-up: the 5th–95th percentile range over `bins` (robust to a spike in the warm-up),
 * else the full range, else — a constant warm-up — a width relative to the level, so that the first change
 * is surprising but a far jump coarsens in few steps. Never below 1e-12 of the level (float resolution).
 */
export function learnWidth(sample: Float64Array, bins: number): number {
  const s = Float64Array.from(sample).sort();
  const n = s.length;
  const at = (p: number) => s[Math.min(n - 1, Math.floor(p * (n - 1)))];
  const level = Math.max(Math.abs(s[0]), Math.abs(s[n - 1]));
  const floor = Math.max(level * 1e-12, Number.MIN_VALUE * 2 ** 60);
  const robust = (at(0.95) - at(0.05)) / bins;
  if (robust > floor && Number.isFinite(robust)) {
    return robust;
  }
  const full = s[n - 1] / bins - s[0] / bins;
  if (full > floor) {
    return full;
  }
  return Math.max(1e-6 * Math.max(1, level), floor);
}

/** Persistable state of a {@link SurprisalDetector}: what a restart needs so as not to warm up again. */
export interface SurprisalState {
  /** Values collected so far while warming up (absent once warm). */
  warmup?: number[];
  /** The reference histogram (once warm). */
  histogram?: EwHistogramState;
  /** Candidates for the suppression maximum, oldest first, with their ages in samples. */
  recent: { values: number[]; ages: number[] };
}

/** The surprisal detector for one series; implements the pipeline's {@link SeriesDetector} seam. */
export class SurprisalDetector implements SeriesDetector {
  readonly name = 'surprisal';
  readonly options: ResolvedSurprisalOptions;
  private warm: Float64Array | undefined;
  private seen = 0;
  private histogram: EwHistogram | undefined;
  private recent: SlidingMax;

  /** A fresh detector, or one resumed from a {@link state} saved with the same options. */
  constructor(options: SurprisalOptions = {}, state?: SurprisalState) {
    this.options = resolveSurprisalOptions(options);
    this.warm = new Float64Array(this.options.warmup);
    this.recent = new SlidingMax(this.options.suppress);
    if (state !== undefined) {
      this.restore(state);
    }
  }

  /** A copy of the state (plain JSON), to persist across restarts. */
  state(): SurprisalState {
    return {
      warmup: this.warm ? Array.from(this.warm.subarray(0, this.seen)) : undefined,
      histogram: this.histogram?.state(),
      recent: this.recent.state(),
    };
  }

  private restore(s: SurprisalState): void {
    const o = this.options;
    const fail = (why: string): never => {
      throw new OptionError('detector.state', `surprisal detector state is not valid for these options: ${why}`);
    };
    const recent = SlidingMax.restore(o.suppress, s?.recent);
    if (!recent) {
      return fail(`recent must hold at most ${o.suppress} decreasing values with increasing ages below it`);
    }
    this.recent = recent;
    if (s.histogram !== undefined) {
      const h = EwHistogram.restore(s.histogram, o.maxBins, o.alpha);
      if (!h || s.warmup !== undefined) {
        return fail(`histogram must be finite, non-negative, at most ${o.maxBins} bins, and without warmup`);
      }
      this.histogram = h;
      this.warm = undefined;
      return;
    }
    const warm = s.warmup;
    if (!Array.isArray(warm) || warm.length >= o.warmup || !warm.every((v) => Number.isFinite(v))) {
      return fail(`warmup must be fewer than ${o.warmup} finite values`);
    }
    this.warm!.set(warm);
    this.seen = warm.length;
  }

  /**
   * Scores `v` against the samples before it, then learns it. Undefined during warm-up and for a non-finite
   * value (which the pipeline never passes; it is ignored rather than poisoning the histogram).
   */
  push(_t: number, v: number): DetectorPoint | undefined {
    if (!Number.isFinite(v)) {
      return undefined;
    }
    const h = this.histogram;
    if (h === undefined) {
      this.collect(v);
      return undefined;
    }
    const o = this.options;
    const surprisal = h.surprisal(v, o.smoothing);
    const ceiling = h.maxSurprisal(o.smoothing);
    const level = Math.min(1, Math.max(0, surprisal / ceiling));
    // Repeats of one event are not news: only a new maximum over the last K samples is reported. Compared
    // as fractions of the ceiling, so that a run of empty-bin values counts as one while the mass grows,
    // and by more than rounding (TIE), so that two equally surprising values are a tie however computed.
    const isNew = level > this.recent.max + TIE;
    this.recent.push(level);
    h.add(v);
    const score = isNew ? level : 0;
    return { statistic: surprisal, score, alert: score >= o.threshold };
  }

  /** Bytes of state per series once warm (the warm-up buffer is released). */
  get stateBytes(): number {
    return (this.histogram?.stateBytes ?? 8 * this.options.warmup) + this.recent.stateBytes + 4 * 8;
  }

  /** The current bin width (NaN during warm-up). */
  get width(): number {
    return this.histogram?.width ?? NaN;
  }

  private collect(v: number): void {
    const warm = this.warm!;
    warm[this.seen++] = v;
    if (this.seen < warm.length) {
      return;
    }
    const o = this.options;
    const h = new EwHistogram(learnWidth(warm, o.bins), o.maxBins, o.alpha);
    for (let i = 0; i < warm.length; i++) {
      h.add(warm[i]);
    }
    this.histogram = h;
    this.warm = undefined;
  }
}

/** A {@link DetectorFactory} for the pipeline: `new SeriesPipeline({ detector: surprisalDetector(opts) })`. */
export function surprisalDetector(options: SurprisalOptions = {}): (state?: unknown) => SurprisalDetector {
  // Validate once, up front, so a bad option fails at configuration time rather than on the first series.
  const resolved = resolveSurprisalOptions(options);
  return (state?: unknown) => new SurprisalDetector(resolved, state as SurprisalState | undefined);
}
