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

/** The environment variable the engine reads the webhook's signing secret from. */
export const WEBHOOK_SECRET_ENV = 'HEALTH_ENTROPY_WEBHOOK_SECRET';

/** Every host's resource: 4 vCPUs to start with, between 1 and 8, one at a time. */
export const DEMO_CPU = { current: 4, min: 1, max: 8, step: 1 };

/** Where the demo's engine talks to. */
export interface DemoEngineSettings {
  prometheusUrl: string;
  /** `127.0.0.1:PORT` */
  listen: string;
  stepMs: number;
  storePath?: string;
  /** The receiver's URL for the engine's actions webhook; with it, one resource per host is configured. */
  webhookUrl?: string;
  /** Host names (one resource each), when `webhookUrl` is set. */
  hosts?: string[];
}

/**
 * One resource per host, scaled by the policy. Times in the policy are wall-clock, so they are given in steps
 * and scaled with the step: cooldowns of 20 (up) and 30 (down) steps, and the trend threshold per second
 * scaled likewise (the compressed clock makes every slope per second larger).
 */
export function demoResources(hosts: string[], stepMs: number): Array<Record<string, unknown>> {
  return hosts.map((host) => ({
    name: host,
    hosts: { host },
    cpu: DEMO_CPU,
    utilization: 'cpu',
    policy: {
      theta: 0.15,
      for: 3,
      uHigh: 0.8,
      uLow: 0.3,
      lowEntropy: 0.3,
      cooldownUp: `${20 * stepMs}ms`,
      cooldownDown: `${30 * stepMs}ms`,
      trendThreshold: Math.round((0.01 * 1000 * 1000) / stepMs) / 1000,
      // The detector's early-warning row only at a high score: with the demo's short warm-up its scores are
      // noisier than the default 0.5 assumes (the summary counts its alerts outside incidents).
      scoreThreshold: 0.9,
    },
  }));
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
    ...(s.webhookUrl
      ? {
          resources: demoResources(s.hosts ?? [], s.stepMs),
          webhook: {
            url: s.webhookUrl,
            secret: { env: WEBHOOK_SECRET_ENV },
            timeout: '5s',
            backoff: { initial: '200ms', max: '2s' },
            maxAge: '10m',
          },
        }
      : {}),
  };
}

/** The same document as YAML, with a header saying where it came from. */
export function engineYaml(s: DemoEngineSettings): string {
  return `# Written by npm run demo (src/demo/config.ts); deleted when the demo stops.\n${stringify(engineConfigDoc(s))}`;
}
