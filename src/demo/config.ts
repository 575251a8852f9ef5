/**
 * The engine configuration the demo runs with, as a document (written to YAML for the engine process, and
 * resolved in-process by the offline replay, so both run exactly the same options).
 */
import { stringify } from 'yaml';
import type { Indicator } from './fleet';
import { DEMO_ENTROPY } from './scenario';

/** The exporter's metric per indicator (label `host`). */
export const METRICS: Record<Indicator, string> = {
  cpu: 'demo_cpu_utilization',
  memory: 'demo_memory_utilization',
  disk: 'demo_disk_io_utilization',
  latency: 'demo_latency_p99_seconds',
};

/** The exporter's step counter: lets the monitor map an evaluation time to the fleet step it saw. */
export const STEP_METRIC = 'demo_fleet_step';

/** The surprisal detector's alert threshold in the demo (its default). */
export const DETECTOR_THRESHOLD = 0.6;

/** Where the demo's engine talks to. */
export interface DemoEngineSettings {
  prometheusUrl: string;
  /** `127.0.0.1:PORT` */
  listen: string;
  stepMs: number;
  storePath?: string;
  /** The receiver's URL for the engine's actions webhook. */
  webhookUrl?: string;
}

/** The engine config document (plain data; `engineYaml` writes it). */
export function engineConfigDoc(s: DemoEngineSettings): Record<string, unknown> {
  const interval = `${s.stepMs}ms`;
  return {
    listen: s.listen,
    prometheus: { url: s.prometheusUrl, timeout: '5s' },
    interval,
    persistInterval: '10s',
    staleness: '1m',
    maxBackoff: '2s',
    ...(s.storePath ? { store: { path: s.storePath } } : {}),
    remoteWrite: { enabled: false },
    logLevel: 'warn',
    defaults: {
      hostLabel: 'host',
      estimator: 'shannon',
      window: DEMO_ENTROPY.window,
      binning: 'fixed',
      bins: 10,
      lo: 0,
      hi: 1,
      trendWindow: 10,
      baseline: { warmup: DEMO_ENTROPY.warmup, alpha: 0.02, sigmaMin: 0.05, freezeZ: 3, maxFrozen: 60 },
      detector: { warmup: DEMO_ENTROPY.detectorWarmup, threshold: DETECTOR_THRESHOLD },
    },
    hostBaseline: { warmup: DEMO_ENTROPY.warmup },
    indicators: [
      { name: 'cpu', query: METRICS.cpu },
      { name: 'memory', query: METRICS.memory },
      { name: 'disk', query: METRICS.disk },
      // p99 latency in seconds: ten 50 ms bins up to 0.5 s (anything slower falls in the last).
      { name: 'latency', query: METRICS.latency, hi: 0.5 },
    ],
  };
}

/** The same document as YAML, with a header saying where it came from. */
export function engineYaml(s: DemoEngineSettings): string {
  return `# Written by npm run demo (src/demo/config.ts); deleted when the demo stops.\n${stringify(engineConfigDoc(s))}`;
}
