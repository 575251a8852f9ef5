/**
 * Streaming permutation entropy (Bandt–Pompe) of order `d` and delay `τ` (DESIGN.md, "Permutation").
 *
 * A pattern is formed by each sample with the `d − 1` samples `τ, 2τ, …` before it; the window of `n` samples
 * holds `n − (d − 1)·τ` patterns. Patterns are coded by their Lehmer code, so counting needs only an array of
 * `d!` integers; adding a sample adds one pattern and evicting one removes one: O(d²) per sample.
 */
import { CountedEntropy, Counts, countsArray, sumTable } from './counted';
import { ResolvedEntropyOptions } from './options';
import { ROUNDING } from './xlogx';

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

  /**
   * The batch loop, specialised (without `maxAgeMs`): ring state in locals, and each pattern's Lehmer code
   * derived from the previous pattern of the same delay phase in O(d) instead of O(d²). The pattern ending at
   * admission `a` shares `d − 1` values with the one ending at `a − τ`; for its position `i < d − 1`,
   * `#{j > i : x_j < x_i}` is the old pattern's count at position `i + 1` plus `[x_new < x_i]`. The first
   * pattern of each phase in a call is coded in full. Same counts, same tables, same order of floating-point
   * operations as `push`, so the result is identical (the property tests compare them exactly).
   */
  pushMany(ts: ArrayLike<number>, vs: ArrayLike<number>, out: Float64Array, unit: 'normalized' | 'bits'): void {
    if (this.ageBounded) {
      super.pushMany(ts, vs, out, unit);
      return;
    }
    const bitsOut = unit === 'bits';
    const { counts, slotCodes, recent, span, lag, order: d, delay, capacity, minFill, resyncEvery } = this;
    const x = this.xlogx;
    const logs = this.logs;
    const inverse = this.inverse;
    const inverseLogStates = this.inverseLogs[this.states];
    // Per delay phase: the smaller-counts of the last pattern coded in this call, and the admission it ended at.
    const smaller = new Int32Array(delay * d);
    const lastEnd = new Float64Array(delay).fill(-1);
    let { s, lastT, size, head, admitted, updates, seq } = this;
    let h = this.bits;
    let hn = this.normalized;
    let pos = seq % span;
    let phase = seq % delay;
    for (let i = 0; i < out.length; i++) {
      const t = ts[i];
      const v = vs[i];
      if (typeof v !== 'number' || v - v !== 0 || t - t !== 0 || t <= lastT) {
        this.seq = seq;
        this.saveLoop(s, lastT, size, head, admitted, updates, h, hn);
        super.push(t, v); // counts the skip; the window is unchanged
        out[i] = size >= minFill ? (bitsOut ? h : hn) : NaN;
        continue;
      }
      lastT = t;
      admitted++;
      if (size === capacity) {
        const oldest = head;
        head = oldest + 1 === capacity ? 0 : oldest + 1;
        size--;
        if (size >= lag) {
          let end = oldest + lag;
          if (end >= capacity) {
            end -= capacity;
          }
          const c = counts[slotCodes[end]]--;
          s += x[c - 1] - x[c];
        }
      }
      let slot = head + size;
      if (slot >= capacity) {
        slot -= capacity;
      }
      size++;
      const a = seq++;
      recent[pos] = v;
      if (size > lag) {
        const base = phase * d;
        let code = 0;
        if (lastEnd[phase] === a - delay) {
          for (let k = 0; k < d - 1; k++) {
            let p = pos - lag + k * delay;
            if (p < 0) {
              p += span;
            }
            const c = smaller[base + k + 1] + (v < recent[p] ? 1 : 0);
            smaller[base + k] = c;
            code += c * FACTORIAL[d - 1 - k];
          }
        } else {
          for (let k = 0; k < d - 1; k++) {
            let p = pos - lag + k * delay;
            if (p < 0) {
              p += span;
            }
            const xk = recent[p];
            let c = 0;
            for (let j = k + 1; j < d; j++) {
              let q = pos - lag + j * delay;
              if (q < 0) {
                q += span;
              }
              if (recent[q] < xk) {
                c++;
              }
            }
            smaller[base + k] = c;
            code += c * FACTORIAL[d - 1 - k];
          }
        }
        smaller[base + d - 1] = 0;
        lastEnd[phase] = a;
        slotCodes[slot] = code;
        const c = counts[code]++;
        s += x[c + 1] - x[c];
        if (++updates >= resyncEvery) {
          s = sumTable(counts, x);
          updates = 0;
        }
      }
      pos = pos + 1 === span ? 0 : pos + 1;
      phase = phase + 1 === delay ? 0 : phase + 1;
      if (size < minFill) {
        h = NaN;
        hn = NaN;
        out[i] = NaN;
        continue;
      }
      const n = size - lag;
      h = n > 1 ? logs[n] - s * inverse[n] : 0;
      h = h > ROUNDING ? h : 0;
      hn = h * inverseLogStates;
      hn = hn < 1 ? hn : 1;
      out[i] = bitsOut ? h : hn;
    }
    this.seq = seq;
    this.saveLoop(s, lastT, size, head, admitted, updates, h, hn);
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
