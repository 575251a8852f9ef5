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

/** Keeps the last `k` points of a series and reports their slope. */
export class TrendTracker {
  private readonly t: Float64Array;
  private readonly y: Float64Array;
  private head = 0;
  private size = 0;

  constructor(readonly k: number) {
    checkInteger('trendWindow', k, 2, 10_000);
    this.t = new Float64Array(k);
    this.y = new Float64Array(k);
  }

  /** Adds a point (NaN values are ignored) and returns the slope over the last `k` points. */
  push(tMs: number, value: number): number {
    if (Number.isFinite(value) && Number.isFinite(tMs)) {
      const slot = (this.head + this.size) % this.k;
      this.t[slot] = tMs;
      this.y[slot] = value;
      if (this.size < this.k) {
        this.size++;
      } else {
        this.head = (this.head + 1) % this.k;
      }
    }
    return this.slope();
  }

  /** Slope per second over the points held (NaN with fewer than two). O(k), no allocation. */
  slope(): number {
    const { head, k } = this;
    const slot = (i: number) => (head + i) % k;
    return slopeOf(
      this.size,
      (i) => this.t[slot(i)],
      (i) => this.y[slot(i)]
    );
  }

  /** The points held, oldest first (for persistence). */
  points(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.size; i++) {
      const slot = (this.head + i) % this.k;
      out.push([this.t[slot], this.y[slot]]);
    }
    return out;
  }
}
