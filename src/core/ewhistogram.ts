/**
 * An exponentially weighted histogram over an unbounded value axis, with bounded memory: the reference
 * distribution of the surprisal detector (issue 9).
 *
 * Bin `k` holds values in `[k·w, (k+1)·w)`. Only a contiguous span of at most `maxBins` bins is stored; a
 * value outside the span extends it, and when the span would grow past `maxBins` the histogram coarsens
 * (merges neighbour pairs and doubles `w`) until it fits. Bins are absolute multiples of `w`, so merging is
 * exact: `floor(v / 2w) = floor(floor(v / w) / 2)` (short of a subnormal `v / 2w` underflowing to 0).
 *
 * Coarsening is undone when it is no longer needed: every `maxBins` samples, edge bins whose weight decayed
 * below {@link FORGET_BELOW} of a sample are dropped, and while the span is at most a quarter of `maxBins`
 * and the width above the learned one, every bin is split in two (its weight halved between the halves).
 * So one far outlier does not blind the detector for ever: it is forgotten about `ln(1/FORGET_BELOW)/α`
 * samples later (≈ 1150 at α = 0.01), and the width comes back to within 2× of the learned one, a few
 * halvings per such period (a 1e9 outlier over unit noise: about 5000 samples). The quarter-span rule leaves
 * room for the data, so a split is not undone by the next value (no coarsen/split cycles). Nothing is
 * forgotten at the learned width: there is no resolution to win back, and forgetting would only make
 * values at the edges of the distribution look new again.
 *
 * Exponential forgetting with rate `α` is done without touching every bin per sample: each new sample is
 * added with weight `g = (1 − α)^−n`, which grows; weights are rescaled when `g` gets large (amortized O(1)).
 */

/** Persistable state of an {@link EwHistogram} (exact: JSON round-trips every number). */
export interface EwHistogramState {
  width: number;
  /** Index of the first stored bin, and the stored bins' weights. */
  lo: number;
  counts: number[];
  /** Weight of the newest sample, and the sum of all weights, in the same unit as `counts`. */
  g: number;
  total: number;
  /** The width learned in warm-up (splitting never goes below it), and samples since the last tidy-up. */
  baseWidth: number;
  sinceTidy: number;
}

/**
 * An edge bin of a coarsened histogram weighing less than this many samples is forgotten (see the file
 * comment). 1e-3, 1e-5 and 1e-7 gave NAB standard 64.1, 66.8, 65.4 on the development files: forgetting
 * too soon splits bins whose empty halves still hold mass (values landing there later look "rare"); too
 * late keeps the histogram coarse for longer after an outlier.
 */
export const FORGET_BELOW = 1e-5;

/** Above this the stored weights are rescaled, far from overflow (`g` grows by 1/(1 − α) per sample). */
const RESCALE_AT = 1e200;

export class EwHistogram {
  /** Bin width. */
  width: number;
  /** Index of the first stored bin. */
  private lo = 0;
  /** Stored bins in use (0 until the first value). */
  private span = 0;
  private readonly counts: Float64Array;
  /** Weight of the newest sample; the total and every count are in the same (growing) unit. */
  private g = 1;
  private total = 0;
  private readonly growth: number;
  private ceiling = NaN;
  private ceilingMass = NaN;
  private ceilingSmoothing = NaN;
  /** Times the width doubled (for diagnostics and tests). */
  coarsenings = 0;
  /** Times the width halved again (a split after an outlier was forgotten). */
  refinements = 0;
  private baseWidth: number;
  private sinceTidy = 0;

  constructor(
    width: number,
    readonly maxBins: number,
    alpha: number
  ) {
    this.width = width;
    this.baseWidth = width;
    this.counts = new Float64Array(maxBins);
    this.growth = 1 / (1 - alpha);
  }

  /**
   * Surprisal `−ln q` of `v` in nats under the current histogram with additive smoothing `λ` spread over
   * `maxBins` bins: `q = (c_k + λ) / (N + λ·maxBins)`, counts `c` in units where the newest sample weighs 1.
   * A value outside the stored span lands in an empty bin of the current width (never clamped to an edge).
   */
  surprisal(v: number, smoothing: number): number {
    const i = Math.floor(v / this.width) - this.lo;
    const pseudo = smoothing * this.g;
    if (i >= 0 && i < this.span) {
      return Math.log((this.total + pseudo * this.maxBins) / (this.counts[i] + pseudo));
    }
    // Beyond the span the prior thins out with distance d (in bins), so a far value is more surprising than
    // one just past the edge: q = λ / ((N + λB)·(1 + d)). d is capped at maxBins (it may be Infinity).
    const d = Math.min(this.maxBins, i < 0 ? -i : i - this.span + 1);
    return Math.log(((this.total + pseudo * this.maxBins) / pseudo) * (1 + d));
  }

  /**
   * The largest possible surprisal now: that of a value `maxBins` bins past the span. It depends only on the
   * remembered mass, which converges to 1/α whatever the values, so the logarithm is recomputed only while
   * the mass still moves (by more than 1e-12 relative) (or `smoothing` changes): one log per sample saved in steady state.
   */
  maxSurprisal(smoothing: number): number {
    const mass = this.total / this.g;
    // Rounding makes the mass jitter in its last bits forever; a 1e-12 relative change is below any use.
    if (!(Math.abs(mass - this.ceilingMass) <= 1e-12 * mass) || smoothing !== this.ceilingSmoothing) {
      this.ceilingMass = mass;
      this.ceilingSmoothing = smoothing;
      this.ceiling = Math.log((mass / smoothing + this.maxBins) * (1 + this.maxBins));
    }
    return this.ceiling;
  }

  /** Learns `v` (finite). Amortized O(1): extending or coarsening the span touches at most `maxBins` bins. */
  add(v: number): void {
    let i = Math.floor(v / this.width) - this.lo;
    if (!(i >= 0 && i < this.span)) {
      i = this.place(v);
    }
    // The newest sample weighs g: counts are in units of the newest sample's weight.
    this.g *= this.growth;
    this.counts[i] += this.g;
    this.total += this.g;
    if (this.g > RESCALE_AT) {
      this.rescale();
    }
    // Only a coarsened histogram has resolution to win back; at the learned width nothing is forgotten.
    if (++this.sinceTidy >= this.maxBins) {
      this.sinceTidy = 0;
      if (this.width > this.baseWidth) {
        this.tidy();
      }
    }
  }

  /** Slow path of {@link add}: makes room for `v` outside the span; returns its slot. */
  private place(v: number): number {
    let k = Math.floor(v / this.width);
    if (this.span === 0) {
      while (!Number.isFinite(k)) {
        this.width *= 2;
        k = Math.floor(v / this.width);
      }
      this.lo = k;
      this.span = 1;
      return 0;
    }
    while (!this.fits(k)) {
      this.coarsen();
      k = Math.floor(v / this.width);
    }
    this.extendTo(k);
    return k - this.lo;
  }

  /** A copy of the state, to persist across restarts. */
  state(): EwHistogramState {
    return {
      width: this.width,
      lo: this.lo,
      counts: Array.from(this.counts.subarray(0, this.span)),
      g: this.g,
      total: this.total,
      baseWidth: this.baseWidth,
      sinceTidy: this.sinceTidy,
    };
  }

  /**
   * Rebuilds a histogram from {@link state}; undefined when the state is not one this histogram could have
   * reached (the caller names the field in its error).
   */
  static restore(s: EwHistogramState, maxBins: number, alpha: number): EwHistogram | undefined {
    const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
    const ok =
      s !== null &&
      typeof s === 'object' &&
      finite(s.width) &&
      s.width > 0 &&
      Number.isInteger(s.lo) &&
      Array.isArray(s.counts) &&
      s.counts.length <= maxBins &&
      s.counts.every((c) => finite(c) && c >= 0) &&
      finite(s.g) &&
      s.g > 0 &&
      finite(s.total) &&
      s.total >= 0 &&
      finite(s.baseWidth) &&
      s.baseWidth > 0 &&
      s.baseWidth <= s.width &&
      Number.isInteger(s.sinceTidy) &&
      s.sinceTidy >= 0 &&
      s.sinceTidy < maxBins;
    if (!ok) {
      return undefined;
    }
    const h = new EwHistogram(s.width, maxBins, alpha);
    h.lo = s.lo;
    h.span = s.counts.length;
    h.counts.set(s.counts);
    h.g = s.g;
    h.total = s.total;
    h.baseWidth = s.baseWidth;
    h.sinceTidy = s.sinceTidy;
    return h;
  }

  /** Number of stored bins (≤ maxBins). */
  get size(): number {
    return this.span;
  }

  /** Effective number of samples remembered (→ 1/α). */
  get mass(): number {
    return this.total / this.g;
  }

  /** Bytes of state held by this histogram (typed array plus a few numbers). */
  get stateBytes(): number {
    return this.counts.byteLength + 8 * 8;
  }

  private fits(k: number): boolean {
    const first = Math.min(k, this.lo);
    const last = Math.max(k, this.lo + this.span - 1);
    // `last − first` is Infinity when v/w overflowed; that does not fit and forces coarsening.
    return last - first < this.maxBins;
  }

  /** Grows the span to include bin `k` (known to fit). */
  private extendTo(k: number): void {
    if (k < this.lo) {
      const shift = this.lo - k;
      this.counts.copyWithin(shift, 0, this.span);
      this.counts.fill(0, 0, shift);
      this.lo = k;
      this.span += shift;
    } else if (k >= this.lo + this.span) {
      this.span = k - this.lo + 1;
    }
  }

  /** Doubles the width: bin `k` goes to `floor(k / 2)`. */
  private coarsen(): void {
    const newLo = Math.floor(this.lo / 2);
    let newSpan = 0;
    for (let i = 0; i < this.span; i++) {
      const j = Math.floor((this.lo + i) / 2) - newLo;
      const c = this.counts[i];
      this.counts[i] = 0;
      // j ≤ i always, so writing j never clobbers a bin not yet read.
      this.counts[j] += c;
      newSpan = j + 1;
    }
    this.lo = newLo;
    this.span = newSpan;
    this.width *= 2;
    this.coarsenings++;
  }

  /** Forgets decayed edge bins, then splits bins back towards the learned width while the span is narrow. */
  private tidy(): void {
    const floor = FORGET_BELOW * this.g;
    let a = 0;
    while (a < this.span - 1 && this.counts[a] < floor) {
      this.total -= this.counts[a++];
    }
    let b = this.span - 1;
    while (b > a && this.counts[b] < floor) {
      this.total -= this.counts[b--];
    }
    if (a > 0 || b < this.span - 1) {
      this.counts.copyWithin(0, a, b + 1);
      this.counts.fill(0, b - a + 1, this.span);
      this.lo += a;
      this.span = b - a + 1;
    }
    while (4 * this.span <= this.maxBins && this.width > this.baseWidth) {
      this.refine();
    }
  }

  /** Halves the width: bin `k` becomes bins `2k` and `2k + 1`, each with half its weight. */
  private refine(): void {
    // From the top down, so that no bin is overwritten before it is read (2i ≥ i).
    for (let i = this.span - 1; i >= 0; i--) {
      const half = this.counts[i] / 2;
      this.counts[2 * i] = half;
      this.counts[2 * i + 1] = half;
    }
    this.lo *= 2;
    this.span *= 2;
    this.width /= 2;
    this.refinements++;
  }

  private rescale(): void {
    const s = 1 / this.g;
    for (let i = 0; i < this.span; i++) {
      this.counts[i] *= s;
    }
    this.total *= s;
    this.g = 1;
  }
}
