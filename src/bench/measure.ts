/**
 * Timing helpers for the benchmark: median of repeated runs, samples per second, retained bytes.
 */

/** Median of `reps` timings (ms) of `fn`, after one warm-up run. */
export function medianMs(fn: () => void, reps = 5): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Samples per second, given `samples` processed in `ms`. */
export function perSecond(samples: number, ms: number): number {
  return Math.round((samples / ms) * 1000);
}

/** Rounds to `digits` significant figures for readable JSON. */
export function round(x: number, digits = 3): number {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : x;
}

function collect(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) {
    throw new Error('run node with --expose-gc to measure memory (npm run bench does)');
  }
  g();
  g();
}

function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Bytes retained per object: builds `count` objects with `make`, measures heap + array buffers around it. */
export function bytesPerObject(count: number, make: (i: number) => unknown): number {
  collect();
  const before = used();
  const keep: unknown[] = new Array(count);
  for (let i = 0; i < count; i++) {
    keep[i] = make(i);
  }
  collect();
  const after = used();
  // Keep `keep` alive until after the measurement.
  if (keep.length !== count) {
    throw new Error('unreachable');
  }
  return (after - before) / count;
}
