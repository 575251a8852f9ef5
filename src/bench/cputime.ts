/**
 * Wall-clock and CPU time side by side, for benchmarks on a machine other jobs share: the wall clock also
 * counts the time this process waited for a core, CPU time (`process.cpuUsage`) does not.
 */

/** One run's wall-clock and CPU milliseconds. */
export interface WallCpu {
  wallMs: number;
  /**
   * User + system CPU time of this process. It includes V8's helper threads (parallel GC, compilers), so on
   * single-threaded code it errs high: a rate judged on it is a conservative "per core" figure.
   */
  cpuMs: number;
}

/** Runs `fn` once and measures it. */
export function timeOnce(fn: () => void): WallCpu {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Medians (taken separately) of `reps` runs of `fn`; `warmup` runs first are not measured. `fn` gets the run
 * index (warm-up runs included), so a benchmark can feed each run fresh input.
 */
export function medianWallCpu(fn: (run: number) => void, reps = 5, warmup = 1): WallCpu {
  for (let i = 0; i < warmup; i++) {
    fn(i);
  }
  const runs: WallCpu[] = [];
  for (let i = 0; i < reps; i++) {
    runs.push(timeOnce(() => fn(warmup + i)));
  }
  return { wallMs: median(runs.map((r) => r.wallMs)), cpuMs: median(runs.map((r) => r.cpuMs)) };
}
