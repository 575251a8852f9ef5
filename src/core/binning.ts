/**
 * Bin assignment, written once so that streaming, batch and the naive references agree bit for bit.
 */

/** `fixed(lo, hi, B)`: `clamp(floor((v − lo)/(hi − lo)·B), 0, B − 1)`. */
export function fixedBin(v: number, lo: number, hi: number, bins: number): number {
  const k = Math.floor(((v - lo) / (hi - lo)) * bins);
  return k < 0 ? 0 : k >= bins ? bins - 1 : k;
}

/** `adaptive(B)` with the window's `lo`, `hi`: like fixed, `v = hi` in bin `B − 1`, and `hi = lo` all in bin 0. */
export function adaptiveBin(v: number, lo: number, hi: number, bins: number): number {
  return hi > lo ? fixedBin(v, lo, hi, bins) : 0;
}

/** `width(w)`: `floor(v / w)`, unbounded. */
export function widthBin(v: number, width: number): number {
  return Math.floor(v / width);
}
