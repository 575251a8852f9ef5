/**
 * The synthetic fleet: a few hosts whose CPU, memory, disk and latency follow a shared, diurnal-ish fleet load
 * with per-host noise, plus the scripted incidents of a {@link Scenario}. Pure: `sampleHost(spec, step)` is a
 * function of the step alone, so the exporter answers any scrape, and tests replay the fleet without a clock.
 */
import { bounded, clamp, smooth, uniform } from './noise';
import { Incident, Scenario } from './scenario';

/** The indicators every host exports (the engine's indicator names in the demo config). */
export const INDICATORS = ['cpu', 'memory', 'disk', 'latency'] as const;
export type Indicator = (typeof INDICATORS)[number];

/** One host's values at one step: utilizations in 0..1, latency (p99) in seconds. */
export type HostSample = Record<Indicator, number>;

/** How a host behaves when nothing happens to it. */
export interface HostSpec {
  name: string;
  /** What it runs, for the table and the docs. */
  role: string;
  /** Mean CPU utilization at average fleet load, how strongly it follows the fleet load, and its own noise σ. */
  cpu: number;
  cpuGain: number;
  cpuNoise: number;
  memory: number;
  memoryNoise: number;
  /** Disk I/O utilization (fraction of time busy). */
  disk: number;
  diskNoise: number;
  /** Service time in seconds: p99 latency is about `service / (1 − cpu)` (a queue in front of the CPU). */
  service: number;
}

/** Channels of the noise functions, so that no two quantities share random numbers. */
const CH = { load: 1, drift: 2, cpu: 10, memory: 11, disk: 12, latency: 13, burst: 14, burstSize: 15 };

/**
 * The fleet-wide load every host follows (its correlated part), around 0: a slow "day" (a sine of `day` steps)
 * and smooth random swings of a few tens of steps.
 */
export function fleetLoad(seed: number, step: number, day: number): number {
  return 0.12 * Math.sin((2 * Math.PI * step) / day) + 0.06 * smooth(seed, CH.load, step, 20);
}

/** p99 latency of a queue in front of a CPU at utilization `cpu` (saturating near 1). */
export function latencyAt(service: number, cpu: number): number {
  return service / (1 - Math.min(cpu, 0.97));
}

/** A host on an ordinary step: fleet load, drift and bounded noise. */
export function baseSample(spec: HostSpec, hostIndex: number, seed: number, step: number, day: number): HostSample {
  const ch = (c: number) => 100 * (hostIndex + 1) + c;
  const cpu = clamp(
    spec.cpu + spec.cpuGain * fleetLoad(seed, step, day) + spec.cpuNoise * bounded(seed, ch(CH.cpu), step)
  );
  return {
    cpu,
    memory: clamp(
      spec.memory +
        0.2 * spec.cpuGain * fleetLoad(seed, step, day) +
        spec.memoryNoise * bounded(seed, ch(CH.memory), step)
    ),
    disk: clamp(
      spec.disk + 0.5 * spec.cpuGain * fleetLoad(seed, step, day) + spec.diskNoise * bounded(seed, ch(CH.disk), step)
    ),
    latency: latencyAt(spec.service, cpu) * (1 + 0.06 * bounded(seed, ch(CH.latency), step)),
  };
}

/** Rises linearly from 0 to 1 over `steps` steps from `t = 0`. */
const ramp = (t: number, steps: number) => clamp(t / steps);

/**
 * What an incident does to a host's sample `t` steps after it started (`t ≥ 0`, before its end). The shapes
 * are those of the real thing, in a compressed clock.
 */
export function applyIncident(
  incident: Incident,
  spec: HostSpec,
  base: HostSample,
  t: number,
  hostIndex: number,
  seed: number,
  step: number
): HostSample {
  const ch = (c: number) => 100 * (hostIndex + 1) + c;
  const noise = (c: number) => bounded(seed, ch(c), step);
  switch (incident.kind) {
    case 'noisy_neighbour': {
      // Another tenant's bursts steal CPU: more often and longer as it grows, until it takes the host over.
      const p = 0.3 + 0.6 * ramp(t, 60);
      const burst =
        uniform(seed, ch(CH.burst), step) < p
          ? (0.15 + 0.3 * ramp(t, 60)) * (0.5 + uniform(seed, ch(CH.burstSize), step))
          : 0;
      const taken = t >= 70 ? 0.94 + 0.015 * noise(CH.cpu + 50) : clamp(base.cpu + burst, 0, 0.99);
      return { ...base, cpu: taken, latency: latencyAt(spec.service, taken) * (1 + 0.06 * noise(CH.latency)) };
    }
    case 'memory_leak':
      // The heap grows by a fixed amount per step until the host runs out.
      return { ...base, memory: clamp(base.memory + 0.005 * t, 0, 0.985) };
    case 'stuck_process': {
      // A worker spins in a loop and the container is throttled at its CPU quota (3.5 of 4 cores): CPU sits
      // flat at 87.5 %, the work it should do (its disk I/O) stops.
      const cpu = 0.875 + 0.001 * noise(CH.cpu + 50);
      return {
        ...base,
        cpu,
        disk: 0.01 + 0.001 * noise(CH.disk + 50),
        latency: latencyAt(spec.service, cpu) * (1 + 0.01 * noise(CH.latency)),
      };
    }
    case 'load_spike': {
      // Requests grow to 1.8× over 25 steps and stay; arrivals get burstier with the load.
      const r = ramp(t, 25);
      const cpu = clamp(spec.cpu * (1 + 0.8 * r) + spec.cpuNoise * (1 + 2 * r) * noise(CH.cpu + 50), 0, 0.99);
      return { ...base, cpu, latency: latencyAt(spec.service, cpu) * (1 + 0.06 * noise(CH.latency)) };
    }
  }
}

/** Every host's sample at `step`, incidents applied. */
export function sampleFleet(scenario: Scenario, step: number): Map<string, HostSample> {
  const out = new Map<string, HostSample>();
  scenario.hosts.forEach((spec, i) => {
    let s = baseSample(spec, i, scenario.seed, step, scenario.day);
    for (const incident of scenario.incidents) {
      if (incident.host === spec.name && step >= incident.start && step < incident.end) {
        s = applyIncident(incident, spec, s, step - incident.start, i, scenario.seed, step);
      }
    }
    out.set(spec.name, s);
  });
  return out;
}
