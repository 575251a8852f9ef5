/**
 * Deterministic test data shared by tests and the benchmark (not exported from the core's index).
 */

/** mulberry32: a small seeded PRNG, so test data is the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` timestamps `stepMs` apart from `start`. */
export function timestamps(n: number, stepMs = 15_000, start = 1_700_000_000_000): Float64Array {
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = start + i * stepMs;
  }
  return t;
}

/** Uniform white noise in [0, 1). */
export function noise(n: number, seed = 1): Float64Array {
  const r = seeded(seed);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    v[i] = r();
  }
  return v;
}

/** A clean sine in [0, 1] with the given period in samples. */
export function sine(n: number, period = 50): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    v[i] = 0.5 + 0.5 * Math.sin((2 * Math.PI * i) / period);
  }
  return v;
}
