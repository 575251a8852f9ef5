/**
 * Naive references: recompute everything from the window's samples at every step.
 *
 * They re-implement the window rules independently of `window.ts`, and are what tests and the benchmark
 * compare the streaming estimators with. O(W) per sample or worse; never use them on a hot path.
 */
import { adaptiveBin, fixedBin, widthBin } from './binning';
import { ResolvedEntropyOptions } from './options';
import { factorial, patternCode } from './permutation';
import { normalize, ROUNDING, xlog2x } from './xlogx';

/** Entropy in bits of a multiset given by its counts: `log2 n − (1/n)·Σ c·log2 c`, clamped at 0. */
export function entropyOfCounts(counts: Iterable<number>): number {
  let n = 0;
  let s = 0;
  for (const c of counts) {
    n += c;
    s += xlog2x(c);
  }
  if (n <= 1) {
    return 0;
  }
  const h = Math.log2(n) - s / n;
  return h > ROUNDING ? h : 0;
}

function countBy(keys: number[]): number[] {
  const m = new Map<number, number>();
  for (const k of keys) {
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return [...m.values()];
}

/** `{bits, normalized}` of one window of values, from scratch. */
export function naiveWindowEntropy(values: number[], o: ResolvedEntropyOptions): { bits: number; normalized: number } {
  const n = values.length;
  if (o.estimator === 'permutation') {
    const patterns: number[] = [];
    const lag = (o.order - 1) * o.delay;
    for (let i = 0; i + lag < n; i++) {
      const x: number[] = [];
      for (let j = 0; j < o.order; j++) {
        x.push(values[i + j * o.delay]);
      }
      patterns.push(patternCode(x, o.order));
    }
    const bits = entropyOfCounts(countBy(patterns));
    return { bits, normalized: normalize(bits, factorial(o.order)) };
  }
  let keys: number[];
  if (o.binning === 'fixed') {
    keys = values.map((v) => fixedBin(v, o.lo, o.hi, o.bins));
  } else if (o.binning === 'adaptive') {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    if (hi === lo) {
      return { bits: 0, normalized: 0 };
    }
    keys = values.map((v) => adaptiveBin(v, lo, hi, o.bins));
  } else {
    keys = values.map((v) => widthBin(v, o.width));
  }
  const bits = entropyOfCounts(countBy(keys));
  const k = o.binning === 'width' ? n : Math.min(o.bins, n);
  return { bits, normalized: normalize(bits, k) };
}

/**
 * The whole rolling series by brute force: element `i` is the normalized entropy (or bits) after row `i`,
 * NaN while the window holds fewer than `minFill` samples.
 */
export function naiveRollingEntropy(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  o: ResolvedEntropyOptions,
  unit: 'normalized' | 'bits' = 'normalized'
): Float64Array {
  const out = new Float64Array(values.length);
  let window: Array<{ t: number; v: number }> = [];
  let lastT = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const t = timestamps[i];
    const v = values[i];
    if (Number.isFinite(t) && Number.isFinite(v) && t > lastT) {
      lastT = t;
      window.push({ t, v });
      if (o.maxAgeMs !== undefined) {
        const cutoff = t - o.maxAgeMs;
        window = window.filter((s) => s.t > cutoff);
      }
      if (window.length > o.window) {
        window = window.slice(window.length - o.window);
      }
    }
    if (window.length < o.minFill) {
      out[i] = NaN;
    } else {
      const e = naiveWindowEntropy(
        window.map((s) => s.v),
        o
      );
      out[i] = unit === 'bits' ? e.bits : e.normalized;
    }
  }
  return out;
}
