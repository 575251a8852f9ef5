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

/** Wall-clock and CPU milliseconds of one run. */
export interface Timing {
  wallMs: number;
  /** This process's user + system CPU time: on a shared machine the time the code actually ran. */
  cpuMs: number;
}

/**
 * Medians of `reps` runs of `fn` (after one warm-up run), by wall clock and by CPU time. Single-threaded code
 * on a dedicated core has `cpuMs ≈ wallMs`; when other jobs share the cores the wall clock also counts the
 * time the process waited for one, and `cpuMs` does not (it includes V8's helper threads, so it errs high).
 */
export function medianTiming(fn: () => void, reps = 5): Timing {
  fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { wallMs: median(wall), cpuMs: median(cpu) };
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
