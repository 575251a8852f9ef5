import type { HostProfile, IndicatorProfile } from '../engine/profiles';
import type { ResultSeries } from '../engine/prometheus';
import { METRICS, STEP_METRIC } from './config';
import { Monitor } from './monitor';
import { DEFAULT_SCENARIO, WARN_Z } from './scenario';
import { IncidentTracker, WarningEvent } from './tracker';

const T0 = 1_800_000_000_000;
const indicator = (lastSampleMs: number | null, z: number | null, anomalyScore?: number): IndicatorProfile => ({
  entropy: 0.3,
  bits: 1,
  baseline: 0.2,
  deviation: 0.1,
  z,
  trend: 0,
  ready: true,
  frozen: false,
  lastSampleMs,
  admitted: 30,
  ...(anomalyScore !== undefined ? { anomalyScore } : {}),
});
const profile = (host: string, memory: IndicatorProfile): HostProfile => ({
  host,
  score: 0.3,
  max: 0.3,
  maxIndicator: 'memory',
  baseline: 0.2,
  deviation: 0.1,
  z: 1,
  evaluatedAtMs: memory.lastSampleMs,
  indicators: { memory },
});
/** Raw samples as Prometheus returns them: the step gauge and api-1's memory at evaluation times. */
const raw = (points: Array<[t: number, step: number, memory: number]>): ResultSeries[] => [
  { labels: { __name__: STEP_METRIC, job: 'fleet' }, samples: points.map(([t, s]) => [t, s] as [number, number]) },
  {
    labels: { __name__: METRICS.memory, host: 'api-1', role: 'api' },
    samples: points.map(([t, , m]) => [t, m] as [number, number]),
  },
  { labels: { __name__: 'something_else', host: 'api-1' }, samples: [[T0, 1] as [number, number]] },
];

function setup() {
  const tracker = new IncidentTracker(DEFAULT_SCENARIO, { warnZ: WARN_Z, scoreThreshold: 0.6 });
  const seen: WarningEvent[] = [];
  return { tracker, seen, monitor: new Monitor(tracker, (w) => seen.push(w)) };
}

describe('Monitor', () => {
  it('maps evaluation times to fleet steps through the step gauge, holding evaluations until the step is known', () => {
    const { monitor, seen, tracker } = setup();
    // The engine's evaluation at T0 + 1000 is seen before Prometheus's samples for that time are read.
    monitor.ingestProfiles([profile('api-1', indicator(T0 + 1000, 3.4))]);
    expect(seen).toEqual([]);
    monitor.ingestRaw(raw([[T0 + 1000, 75, 0.6]]));
    expect(seen).toEqual([{ step: 75, host: 'api-1', indicator: 'memory', signal: 'z', value: 3.4 }]);
    expect(monitor.newestStep).toBe(75);
    expect(monitor.cells.get('api-1/memory')?.z).toBe(3.4);
    expect(tracker.reports().find((r) => r.kind === 'memory_leak')!.warning?.step).toBe(75);
  });

  it('counts each evaluation once however often the profile is read, and feeds raw samples to the rules', () => {
    const { monitor, tracker } = setup();
    const points: Array<[number, number, number]> = [];
    for (let i = 0; i < 6; i++) {
      points.push([T0 + i * 1000, 130 + i, 0.95]);
    }
    monitor.ingestRaw(raw(points));
    for (let i = 0; i < 6; i++) {
      monitor.ingestProfiles([profile('api-1', indicator(T0 + i * 1000, i === 0 ? 4 : 0))]);
      monitor.ingestProfiles([profile('api-1', indicator(T0 + i * 1000, i === 0 ? 4 : 0))]);
    }
    const r = tracker.reports().find((x) => x.kind === 'memory_leak')!;
    expect(tracker.warnings).toHaveLength(1);
    expect(r.thresholdFirstAbove).toBe(130);
    expect(r.thresholdFired).toBe(133);
    expect(r.leadSteps).toBe(3);
  });

  it('skips indicators without a sample yet and hosts the scenario does not know', () => {
    const { monitor, tracker } = setup();
    monitor.ingestRaw(raw([[T0, 80, 0.5]]));
    monitor.ingestProfiles([profile('api-1', indicator(null, null)), profile('stranger', indicator(T0, 9))]);
    expect(monitor.cells.has('api-1/memory')).toBe(false);
    // A warning on an unknown host is still a warning (outside every incident: a false alarm).
    expect(tracker.falseAlarms().map((w) => w.host)).toEqual(['stranger']);
  });
});
