/**
 * The scenario without any process: the fleet's samples, step by step, through the engine's own state (the
 * same per-series pipelines, host aggregates and options, resolved by the engine's config code). The unit
 * tests use it to keep the script honest (every incident warned of, no false alarm), and it tells what a
 * live run should show when every step is seen exactly once.
 */
import { resolveConfig } from '../engine/config';
import { EngineState } from '../engine/state';
import { DETECTOR_THRESHOLD, engineConfigDoc } from './config';
import { INDICATORS, sampleFleet } from './fleet';
import { Scenario, WARN_Z } from './scenario';
import { IncidentTracker } from './tracker';

/** Replays `steps` steps of `scenario`; `onStep` sees the engine state after each evaluation. */
export function replayScenario(
  scenario: Scenario,
  steps = scenario.steps,
  onStep: (step: number, state: EngineState) => void = () => undefined
): { tracker: IncidentTracker; state: EngineState } {
  const doc = engineConfigDoc({ prometheusUrl: 'http://127.0.0.1:9', listen: '127.0.0.1:0', stepMs: 1000 });
  const config = resolveConfig(doc, {}, { env: {} });
  const state = new EngineState({
    indicators: config.indicators,
    hostBaseline: config.hostBaseline,
    stalenessMs: config.stalenessMs,
    maxSeries: config.maxSeries,
  });
  const tracker = new IncidentTracker(scenario, { warnZ: WARN_Z, scoreThreshold: DETECTOR_THRESHOLD });
  const num = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
  for (let step = 0; step < steps; step++) {
    const t = step * 1000;
    const fleet = sampleFleet(scenario, step);
    for (const [host, sample] of fleet) {
      for (const ind of config.indicators) {
        state.ingest(ind, host, t, sample[ind.name as (typeof INDICATORS)[number]], t);
      }
    }
    state.evaluate(t);
    for (const [host, sample] of fleet) {
      for (const indicator of INDICATORS) {
        tracker.raw(host, indicator, step, sample[indicator]);
        const p = state.hosts.get(host)!.series.get(indicator)!.current!;
        tracker.evaluation(host, indicator, step, {
          entropy: num(p.entropy),
          z: num(p.z),
          anomalyScore: p.detector ? p.detector.score : null,
        });
      }
    }
    onStep(step, state);
  }
  return { tracker, state };
}
