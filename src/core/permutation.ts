/**
 * Streaming permutation entropy (Bandt–Pompe) of order `d` and delay `τ` (DESIGN.md, "Permutation").
 *
 * A pattern is formed by each sample with the `d − 1` samples `τ, 2τ, …` before it; the window of `n` samples
 * holds `n − (d − 1)·τ` patterns. Patterns are coded by their Lehmer code, so counting needs only an array of
 * `d!` integers; adding a sample adds one pattern and evicting one removes one: O(d²) per sample.
 */
import { CountedEntropy, Counts, countsArray, sumTable } from './counted';
import { ResolvedEntropyOptions } from './options';

const FACTORIAL = [1, 1, 2, 6, 24, 120, 720, 5040];
/** One pattern's values: shared by every estimator (JavaScript runs one push at a time), not per series. */
const SCRATCH = new Float64Array(7);

/** `d!` for `0 ≤ d ≤ 7`. */
export function factorial(d: number): number {
  return FACTORIAL[d];
}

/**
 * Lehmer code in `[0, d!)` of the ordinal pattern of `x[0..d−1]`, ties ranked by position (the earlier
 * of two equal values ranks lower): `Σ_i #{j > i : x_j < x_i}·(d − 1 − i)!`.
 */
export function patternCode(x: ArrayLike<number>, d: number): number {
  let code = 0;
  for (let i = 0; i < d - 1; i++) {
    const xi = x[i];
    let smaller = 0;
    for (let j = i + 1; j < d; j++) {
      if (x[j] < xi) {
        smaller++;
      }
    }
    code += smaller * FACTORIAL[d - 1 - i];
  }
  return code;
}

/** Permutation entropy, normalized by `log2(d!)`. */
export class PermutationEntropy extends CountedEntropy {
  private readonly counts: Counts;
  /** Code of the pattern that ends at the sample in each slot (if that pattern is counted). */
  private readonly slotCodes: Uint16Array;
  /** The last `span` admitted values, by admission number modulo `span`. */
  private readonly recent: Float64Array;
  private readonly span: number;
  private readonly lag: number;
  private readonly states: number;
  private readonly order: number;
  private readonly delay: number;
  /** Admissions so far (indexes `recent`). */
  private seq = 0;

  constructor(options: ResolvedEntropyOptions) {
    const states = FACTORIAL[options.order];
    super(options, states);
    this.counts = countsArray(states, options.window);
    this.slotCodes = new Uint16Array(options.window);
    this.lag = (options.order - 1) * options.delay;
    this.span = this.lag + 1;
    this.recent = new Float64Array(this.span);
    this.states = states;
    this.order = options.order;
    this.delay = options.delay;
  }

  protected remove(slot: number): void {
    // The oldest sample starts the pattern that ends `lag` samples later, if that sample is in the window.
    if (this.size < this.lag) {
      return;
    }
    let end = slot + this.lag;
    if (end >= this.capacity) {
      end -= this.capacity;
    }
    this.uncounted(this.counts[this.slotCodes[end]]--);
  }

  protected add(slot: number, v: number): void {
    const a = this.seq++;
    this.recent[a % this.span] = v;
    // The sample `lag` admissions back must still be in the window for the pattern to count.
    if (this.size <= this.lag) {
      return;
    }
    const { order, delay } = this;
    for (let i = 0; i < order; i++) {
      SCRATCH[i] = this.recent[(a - this.lag + i * delay) % this.span];
    }
    const code = patternCode(SCRATCH, order);
    this.slotCodes[slot] = code;
    this.counted(this.counts[code]++);
  }

  protected update(): void {
    this.setEntropy(this.size - this.lag, this.states);
  }

  protected sumXlogx(): number {
    return sumTable(this.counts, this.xlogx);
  }
}
