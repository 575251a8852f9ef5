/**
 * Deterministic noise for the synthetic fleet: every value is a pure function of (seed, channel, step), so the
 * exporter can answer any scrape for any step, a rerun gives the same fleet, and tests can replay it offline.
 */

/** A 32-bit integer hash of three integers (murmur3's finalizer over a simple mix). */
function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(c, 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1) for (seed, channel, step). */
export function uniform(seed: number, channel: number, step: number): number {
  return hash3(seed, channel, step) / 4294967296;
}

/**
 * Bounded noise with mean 0 and standard deviation 1, within ±3: the scaled sum of three uniforms
 * (Irwin–Hall). Bounded on purpose: an unbounded Gaussian tail would now and then put a quiet host's sample
 * several σ out, and the demo would show a false warning that no real incident caused.
 */
export function bounded(seed: number, channel: number, step: number): number {
  const s =
    uniform(seed, channel, 3 * step) + uniform(seed, channel, 3 * step + 1) + uniform(seed, channel, 3 * step + 2);
  return (s - 1.5) * 2;
}

/**
 * Smooth noise (mean 0, within ±1): bounded random knots every `period` steps, cosine-interpolated between
 * them. Used for the fleet-wide load that every host shares (correlated load) and for slow drifts.
 */
export function smooth(seed: number, channel: number, step: number, period: number): number {
  const k = Math.floor(step / period);
  const f = step / period - k;
  const a = bounded(seed, channel, k) / 3;
  const b = bounded(seed, channel, k + 1) / 3;
  const w = (1 - Math.cos(Math.PI * f)) / 2;
  return a + (b - a) * w;
}

/** Clamps to [lo, hi]. */
export function clamp(x: number, lo = 0, hi = 1): number {
  return x < lo ? lo : x > hi ? hi : x;
}
