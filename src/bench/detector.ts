/**
 * Throughput of the surprisal detector: samples per second on one core (single-threaded), compared with its
 * naive reference in the same process, and the state it keeps per series. `npm run bench` reports these.
 */
import { performance } from 'node:perf_hooks';
import { NaiveSurprisal } from '../core/naivesurprisal';
import { DEFAULT_SURPRISAL_OPTIONS, SurprisalDetector } from '../core/surprisal';
import { seeded } from '../core/testing';

/** A server-metric-like series: noisy level with a daily-ish cycle, rare spikes and a level shift. */
function series(n: number, seed = 7): Float64Array {
  const r = seeded(seed);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const shift = i % 50_000 > 40_000 ? 30 : 0;
    const spike = r() < 0.001 ? 200 * r() : 0;
    v[i] = 50 + 10 * Math.sin(i / 45) + 5 * r() + shift + spike;
  }
  return v;
}

/** Runs `push` over `values` `passes` times; returns samples per second and a checksum (keeps work live). */
function time(push: (t: number, v: number) => { score: number } | undefined, values: Float64Array, passes: number) {
  let checksum = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < values.length; i++) {
      checksum += push(i, values[i])?.score ?? 0;
    }
  }
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - start) / 1000;
  // CPU time of this process: on a shared machine wall time also counts other processes' turns on the core.
  const cpuSeconds = (used.user + used.system) / 1e6;
  const samples = values.length * passes;
  return { rate: samples / seconds, cpuRate: samples / cpuSeconds, checksum };
}

/**
 * Measures the detector. Keys: `detector.samplesPerSec` (streaming, one core, wall clock),
 * `detector.samplesPerCpuSec` (the same per second of this process's CPU time, steadier on a busy machine),
 * `detector.naiveSamplesPerSec`, `detector.speedup` (streaming ÷ naive, CPU time), `detector.stateBytes`
 * (per series, once warm).
 */
export function benchDetector(): Record<string, number> {
  const values = series(1 << 20);
  const warm = values.subarray(0, DEFAULT_SURPRISAL_OPTIONS.warmup);
  const fast = new SurprisalDetector();
  warm.forEach((v, i) => fast.push(i, v));
  // A first pass lets the JIT settle; the measured passes total about 10 M samples.
  time((t, v) => fast.push(t, v), values, 1);
  const measured = time((t, v) => fast.push(t, v), values, 10);
  const naive = new NaiveSurprisal();
  warm.forEach((v, i) => naive.push(i, v));
  const reference = time((t, v) => naive.push(t, v), values.subarray(0, 20_000), 1);
  if (!Number.isFinite(measured.checksum + reference.checksum)) {
    throw new Error('detector benchmark: scores are not finite');
  }
  return {
    'detector.samplesPerSec': Math.round(measured.rate),
    'detector.samplesPerCpuSec': Math.round(measured.cpuRate),
    'detector.naiveSamplesPerSec': Math.round(reference.rate),
    'detector.speedup': Math.round((measured.cpuRate / reference.cpuRate) * 10) / 10,
    'detector.stateBytes': fast.stateBytes,
  };
}
