/**
 * Trend: least-squares slope of the last `k` values against their timestamps, per second — the same
 * quantity as PromQL's `deriv()`, so it reads the same way in Grafana.
 */
import { checkInteger } from './options';

/** Least-squares slope (units per second) of `(t[i] ms, y[i])`; NaN with fewer than two points. */
export function leastSquaresSlope(t: ArrayLike<number>, y: ArrayLike<number>): number {
  return slopeOf(
    y.length,
    (i) => t[i],
    (i) => y[i]
  );
}

/**
 * The fit itself, over `n` points read through accessors (so a ring buffer needs no copy). Centred on the
 * first timestamp so that epoch milliseconds do not cost precision; two passes for a stable variance.
 */
function slopeOf(n: number, tAt: (i: number) => number, yAt: (i: number) => number): number {
  if (n < 2) {
    return NaN;
  }
  const t0 = tAt(0);
  let st = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    st += (tAt(i) - t0) / 1000;
    sy += yAt(i);
  }
  const mt = st / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dt = (tAt(i) - t0) / 1000 - mt;
    num += dt * (yAt(i) - my);
    den += dt * dt;
  }
  return den > 0 ? num / den : NaN;
}

/**
 * Keeps the last `k` points of a series and reports their slope in O(1) per point: running sums of x, y, x², xy
 * with x in seconds from an origin that is moved to the oldest point (and the sums recomputed) every `k` points,
 * so they stay small and exact enough; `leastSquaresSlope` over the same points is the reference in tests.
 */
export class TrendTracker {
  /**
   * Interleaved (t, y) pairs, then the origin and the four sums: one plain array of doubles (the engine keeps
   * one tracker per series; a small typed array costs ~190 bytes of V8 objects beside its data, and a number
   * field holds a boxed double of its own).
   */
  private readonly buf: number[];
  /** Where the origin and the sums of x, y, x², xy start in `buf` (2k). */
  private readonly sums: number;
  private head = 0;
  private size = 0;
  private sinceRebase = 0;

  constructor(readonly k: number) {
    checkInteger('trendWindow', k, 2, 10_000);
    // Filled with a double: the array holds unboxed doubles from the start.
    this.buf = new Array<number>(2 * k + 5).fill(0.5);
    this.sums = 2 * k;
    for (let i = this.sums; i < this.buf.length; i++) {
      this.buf[i] = 0;
    }
  }

  /** Adds a point (NaN values are ignored) and returns the slope over the last `k` points. */
  push(tMs: number, value: number): number {
    if (!(Number.isFinite(value) && Number.isFinite(tMs))) {
      return this.slope();
    }
    const p = this.buf;
    const o = this.sums;
    if (this.size === this.k) {
      const x = (p[2 * this.head] - p[o]) / 1000;
      const y = p[2 * this.head + 1];
      p[o + 1] -= x;
      p[o + 2] -= y;
      p[o + 3] -= x * x;
      p[o + 4] -= x * y;
      this.head = this.head + 1 === this.k ? 0 : this.head + 1;
      this.size--;
    }
    let slot = this.head + this.size;
    if (slot >= this.k) {
      slot -= this.k;
    }
    p[2 * slot] = tMs;
    p[2 * slot + 1] = value;
    this.size++;
    if (this.size === 1 || ++this.sinceRebase >= this.k) {
      this.rebase();
    } else {
      const x = (tMs - p[o]) / 1000;
      p[o + 1] += x;
      p[o + 2] += value;
      p[o + 3] += x * x;
      p[o + 4] += x * value;
    }
    return this.slope();
  }

  /** Slope per second over the points held (NaN with fewer than two points or one distinct time). */
  slope(): number {
    const n = this.size;
    if (n < 2) {
      return NaN;
    }
    const p = this.buf;
    const o = this.sums;
    const sx = p[o + 1];
    const sxx = p[o + 3];
    const den = n * sxx - sx * sx;
    // Relative to the spread of x, a zero or rounding-level denominator means all points share one time.
    return den > 1e-12 * n * sxx ? (n * p[o + 4] - sx * p[o + 2]) / den : NaN;
  }

  /** Recomputes the sums from the points held, with the origin at the oldest point. */
  private rebase(): void {
    const p = this.buf;
    const o = this.sums;
    const origin = p[2 * this.head];
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < this.size; i++) {
      const slot = (this.head + i) % this.k;
      const x = (p[2 * slot] - origin) / 1000;
      const y = p[2 * slot + 1];
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    p[o] = origin;
    p[o + 1] = sx;
    p[o + 2] = sy;
    p[o + 3] = sxx;
    p[o + 4] = sxy;
    this.sinceRebase = 0;
  }

  /** The points held, oldest first (for persistence). */
  points(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.size; i++) {
      const slot = (this.head + i) % this.k;
      out.push([this.buf[2 * slot], this.buf[2 * slot + 1]]);
    }
    return out;
  }
}
