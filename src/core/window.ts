/**
 * The rolling window of one series, and the admit → evict → add → update loop every estimator shares.
 *
 * The window stores only positions and (when `maxAgeMs` is set) timestamps; each estimator keeps whatever
 * per-slot data it needs (a bin index, a value, a pattern code) in its own arrays, indexed by the slots this
 * class hands out. That keeps a series' state small (the benchmark's `stateBytes`), and the loop is written
 * once, here, with no allocation per sample.
 */
import { ResolvedEntropyOptions } from './options';

/** Why samples were not admitted. Counted, never thrown (DESIGN.md). */
export interface WindowStats {
  /** Samples that entered the window. */
  admitted: number;
  /** NaN (including Prometheus's stale marker), ±Inf, or a non-finite timestamp. */
  invalid: number;
  /** Same timestamp as the newest admitted sample. */
  duplicate: number;
  /** Older than the newest admitted sample. */
  outOfOrder: number;
}

/** Rolling entropy of one series, updated one sample at a time. */
export interface StreamingEntropy {
  readonly options: ResolvedEntropyOptions;
  /**
   * Offers a sample. Returns the normalized entropy `Hn` of the window after it, or `undefined` while the
   * window holds fewer than `minFill` samples. A skipped sample (invalid, duplicate, out of order) leaves the
   * state unchanged and returns the current value.
   */
  push(t: number, v: number): number | undefined;
  /** Entropy in bits of the current window (NaN while undefined). */
  readonly bits: number;
  /** Normalized entropy in [0, 1] of the current window (NaN while undefined). */
  readonly normalized: number;
  /** Samples in the window. */
  readonly size: number;
  /** Admission counters (a fresh object on each read). */
  readonly stats: WindowStats;
  /** Samples admitted so far (cheap to read on every push, unlike `stats`). */
  readonly admittedTotal: number;
  /** Recomputes running sums from the counts (removes floating drift); also done automatically. */
  resync(): void;
  /** The batch form of `push` over aligned arrays (see {@link RollingWindow.pushMany}). */
  pushMany(ts: ArrayLike<number>, vs: ArrayLike<number>, out: Float64Array, unit: 'normalized' | 'bits'): void;
}

/** Updates between two automatic re-syncs of `S = Σ c·log2 c` (amortized O(1) for any number of bins). */
export function resyncPeriod(states: number): number {
  return Math.max(4096, 8 * states);
}

/** Base class: owns the ring of the last `W` admitted samples and runs the update loop. */
export abstract class RollingWindow implements StreamingEntropy {
  bits = NaN;
  normalized = NaN;
  /** Slot of the oldest sample. */
  protected head = 0;
  /** Samples in the window. */
  size = 0;
  /** Timestamp of the newest admitted sample. */
  protected lastT = -Infinity;
  protected admitted = 0;
  protected invalid = 0;
  protected duplicate = 0;
  protected outOfOrder = 0;
  protected readonly capacity: number;
  protected readonly minFill: number;
  /** Whether `maxAgeMs` is set (subclasses with a specialised push fall back to this one then). */
  protected readonly ageBounded: boolean;
  /** Timestamps per slot, only with `maxAgeMs` (which is read from `options`: one field less per series). */
  private readonly times: Float64Array | null;

  constructor(readonly options: ResolvedEntropyOptions) {
    this.capacity = options.window;
    this.minFill = options.minFill;
    this.ageBounded = options.maxAgeMs !== undefined;
    this.times = this.ageBounded ? new Float64Array(options.window) : null;
  }

  get admittedTotal(): number {
    return this.admitted;
  }

  get stats(): WindowStats {
    return {
      admitted: this.admitted,
      invalid: this.invalid,
      duplicate: this.duplicate,
      outOfOrder: this.outOfOrder,
    };
  }

  push(t: number, v: number): number | undefined {
    // `x - x` is 0 for finite x, NaN for NaN and ±Inf: one test each.
    if (typeof v !== 'number' || v - v !== 0 || t - t !== 0 || t <= this.lastT) {
      this.skip(t, v);
    } else {
      this.lastT = t;
      this.admitted++;
      if (this.times !== null) {
        this.evictOlderThan(t - (this.options.maxAgeMs as number));
      }
      if (this.size === this.capacity) {
        this.shift();
      }
      let slot = this.head + this.size;
      if (slot >= this.capacity) {
        slot -= this.capacity;
      }
      if (this.times !== null) {
        this.times[slot] = t;
      }
      this.size++;
      this.add(slot, v);
      if (this.size >= this.minFill) {
        this.update();
      } else {
        this.bits = NaN;
        this.normalized = NaN;
      }
    }
    return this.size >= this.minFill ? this.normalized : undefined;
  }

  /**
   * Pushes a whole series: `out[i]` gets what `push` returns after row `i` (NaN where undefined), in `Hn` or
   * bits. Subclasses may override it with a loop that keeps the state in locals; the result must be the same.
   */
  pushMany(ts: ArrayLike<number>, vs: ArrayLike<number>, out: Float64Array, unit: 'normalized' | 'bits'): void {
    const bits = unit === 'bits';
    for (let i = 0; i < out.length; i++) {
      const hn = this.push(ts[i], vs[i]);
      out[i] = hn === undefined ? NaN : bits ? this.bits : hn;
    }
  }

  /** Slot of the `i`-th oldest sample (0 = oldest). */
  protected slotAt(i: number): number {
    const slot = this.head + i;
    return slot >= this.capacity ? slot - this.capacity : slot;
  }

  private skip(t: number, v: number): void {
    if (typeof v !== 'number' || v - v !== 0 || t - t !== 0) {
      this.invalid++;
    } else if (t === this.lastT) {
      this.duplicate++;
    } else {
      this.outOfOrder++;
    }
  }

  private evictOlderThan(cutoff: number): void {
    const times = this.times as Float64Array;
    while (this.size > 0 && times[this.head] <= cutoff) {
      this.shift();
    }
  }

  private shift(): void {
    const slot = this.head;
    this.head = slot + 1 === this.capacity ? 0 : slot + 1;
    this.size--;
    this.remove(slot);
  }

  abstract resync(): void;

  /** Forgets the sample in `slot` (the oldest; `head` and `size` have already moved past it). */
  protected abstract remove(slot: number): void;
  /** Records a new sample in `slot` (`size` already counts it). */
  protected abstract add(slot: number, v: number): void;
  /** Recomputes `bits` and `normalized` from the counts. */
  protected abstract update(): void;
}
