/**
 * Tables shared by every estimator: `c·log2(c)` and `log2(n)` for integers up to the largest window in use.
 *
 * Streaming entropy keeps `S = Σ c·log2 c` and adjusts it by table differences when one count moves by one,
 * which is what makes an update O(1); `log2(n)` from a table keeps `Math.log2` off the per-sample path.
 */
/**
 * Entropies below this are rounding error and reported as exactly 0. The smallest true positive entropy of a
 * window of n ≤ 100000 samples, counts (n − 1, 1), is about (log2 n + log2 e)/n ≈ 2·10⁻⁴ bits.
 */
export const ROUNDING = 1e-12;

let xlogx = new Float64Array(0);
let logs = new Float64Array(0);
let inverses = new Float64Array(0);
let inverseLogs = new Float64Array(0);

/** Exact definition, used by the tables and by the naive references: `0·log2 0 = 0`. */
export function xlog2x(c: number): number {
  return c > 0 ? c * Math.log2(c) : 0;
}

function grow(n: number): void {
  const size = Math.max(n + 1, xlogx.length * 2, 64);
  xlogx = new Float64Array(size);
  logs = new Float64Array(size);
  inverses = new Float64Array(size);
  inverseLogs = new Float64Array(size);
  for (let c = 0; c < size; c++) {
    xlogx[c] = xlog2x(c);
    logs[c] = c > 0 ? Math.log2(c) : -Infinity;
    inverses[c] = c > 0 ? 1 / c : Infinity;
    inverseLogs[c] = c > 1 ? 1 / Math.log2(c) : 0;
  }
}

/** A table with `t[c] = c·log2 c` for `0 ≤ c ≤ n` (shared; only ever grows, so keep the returned array). */
export function xlog2xTable(n: number): Float64Array {
  if (xlogx.length <= n) {
    grow(n);
  }
  return xlogx;
}

/** A table with `t[n] = log2 n` for `1 ≤ n ≤ max` (shared, like {@link xlog2xTable}). */
export function log2Table(max: number): Float64Array {
  if (logs.length <= max) {
    grow(max);
  }
  return logs;
}

/** A table with `t[n] = 1 / n` for `1 ≤ n ≤ max` (shared, like {@link xlog2xTable}). */
export function inverseTable(max: number): Float64Array {
  if (inverses.length <= max) {
    grow(max);
  }
  return inverses;
}

/** A table with `t[k] = 1 / log2 k` for `2 ≤ k ≤ max` (0 below): normalization without a divide. */
export function inverseLog2Table(max: number): Float64Array {
  if (inverseLogs.length <= max) {
    grow(max);
  }
  return inverseLogs;
}

/**
 * Shannon entropy in bits from the number of items `n` and `S = Σ c·log2 c`: `H = log2(n) − S/n`, clamped at
 * 0 against rounding. `log2n` is `log2(n)`, passed in so callers can take it from a table.
 */
export function entropyBits(n: number, s: number, log2n = Math.log2(n)): number {
  if (n <= 1) {
    return 0;
  }
  const h = log2n - s / n;
  return h > ROUNDING ? h : 0;
}

/** `H / log2(k)`, clamped to [0, 1]; 0 when `k ≤ 1` (only one outcome is possible). */
export function normalize(bits: number, k: number, log2k = Math.log2(k)): number {
  if (k <= 1) {
    return 0;
  }
  const hn = bits / log2k;
  return hn < 1 ? hn : 1;
}
