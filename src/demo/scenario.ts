/**
 * The demo's script: which hosts exist, what happens to them and when, which plain threshold alert an operator
 * would have had for each incident, and what the engine is expected to do. Times are in steps (one sample per
 * host and indicator per step; one step is one second by default).
 */
import type { HostSpec, Indicator } from './fleet';

/** The incidents the fleet can play. */
export type IncidentKind = 'noisy_neighbour' | 'memory_leak' | 'stuck_process' | 'load_spike';

/**
 * A plain threshold alert on the raw metric: fires once `indicator > above` has held for `for` consecutive
 * samples (Prometheus's `for:`), the way such rules are usually written.
 */
export interface ThresholdRule {
  indicator: Indicator;
  above: number;
  for: number;
}

/** One scripted incident. */
export interface Incident {
  kind: IncidentKind;
  host: string;
  /** First step it affects, and the first step it no longer does. */
  start: number;
  end: number;
  /** Indicators on which the engine's entropy warning is looked for. */
  watch: Indicator[];
  /** The threshold alert it is compared with. */
  threshold: ThresholdRule;
  /** What the engine should decide: a scale-up, a warning only, or "saturation" (never a scale-down). */
  expect: 'scale_up' | 'early_warning' | 'saturation';
  /** One line for the terminal. */
  title: string;
}

/** The whole script. */
export interface Scenario {
  seed: number;
  /** Steps of one "day" of the fleet load's sine. */
  day: number;
  hosts: HostSpec[];
  incidents: Incident[];
  /** The host that idles all along and should be scaled down. */
  quietHost: string;
  /** Hosts nothing happens to (their warnings are false alarms). */
  controlHosts: string[];
  /** Steps the demo runs by default: every incident has started and its threshold alert could have fired. */
  steps: number;
}

/** Engine settings the timeline is written for (see `demo/config.ts`). */
export const DEMO_ENTROPY = { window: 30, warmup: 30, detectorWarmup: 60 };

/** The z beyond which (either sign) the demo counts an entropy warning, as the shipped alert rules do. */
export const WARN_Z = 3;

const web = (name: string): HostSpec => ({
  name,
  role: 'web',
  cpu: 0.5,
  cpuGain: 1,
  cpuNoise: 0.04,
  memory: 0.55,
  memoryNoise: 0.008,
  disk: 0.15,
  diskNoise: 0.02,
  service: 0.03,
});

/** The default script: six hosts, four incidents that start once the baselines are learned, a quiet host. */
export const DEFAULT_SCENARIO: Scenario = {
  seed: 20261203,
  day: 600,
  hosts: [
    web('web-1'),
    web('web-2'),
    { ...web('api-1'), role: 'api', cpu: 0.42, memory: 0.55 },
    { ...web('batch-1'), role: 'batch', cpu: 0.55, disk: 0.35, diskNoise: 0.04, service: 0.02 },
    { ...web('db-1'), role: 'database', cpu: 0.45, cpuGain: 0.8, memory: 0.75, disk: 0.25 },
    {
      name: 'idle-1',
      role: 'web (spare)',
      cpu: 0.05,
      cpuGain: 0.04,
      cpuNoise: 0.006,
      memory: 0.25,
      memoryNoise: 0.004,
      disk: 0.02,
      diskNoise: 0.003,
      service: 0.02,
    },
  ],
  incidents: [
    {
      kind: 'memory_leak',
      host: 'api-1',
      start: 70,
      end: Infinity,
      watch: ['memory'],
      threshold: { indicator: 'memory', above: 0.9, for: 4 },
      expect: 'early_warning',
      title: 'memory leak: the heap grows 0.5 % per step',
    },
    {
      kind: 'load_spike',
      host: 'web-1',
      start: 80,
      end: 160,
      watch: ['cpu', 'latency'],
      threshold: { indicator: 'latency', above: 0.25, for: 4 },
      expect: 'scale_up',
      title: 'load spike: requests grow to 1.8× over 25 steps',
    },
    {
      kind: 'noisy_neighbour',
      host: 'web-2',
      start: 90,
      end: Infinity,
      watch: ['cpu', 'latency'],
      threshold: { indicator: 'cpu', above: 0.9, for: 4 },
      expect: 'scale_up',
      title: "noisy neighbour: another tenant's CPU bursts grow until it takes the host over",
    },
    {
      kind: 'stuck_process',
      host: 'batch-1',
      start: 100,
      end: Infinity,
      watch: ['cpu', 'disk'],
      threshold: { indicator: 'cpu', above: 0.9, for: 4 },
      expect: 'saturation',
      title: 'stuck process: a worker spins, CPU flat at the 87.5 % quota, disk I/O stops',
    },
  ],
  quietHost: 'idle-1',
  controlHosts: ['db-1'],
  steps: 180,
};
