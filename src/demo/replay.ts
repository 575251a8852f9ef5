/**
 * The scenario without any process: the fleet's samples, step by step, through the engine's own state (the
 * same per-series pipelines, host aggregates and options, resolved by the engine's config code). The unit
 * tests use it to keep the script honest (every incident warned of, no false alarm), and it tells what a
 * live run should show when every step is seen exactly once.
 */
import type { Decision } from '../core';
import { evaluateResource, reconcile, ResourceRuntime } from '../engine/actions/loop';
import { resolveConfig } from '../engine/config';
import { EngineState } from '../engine/state';
import { DETECTOR_THRESHOLD, engineConfigDoc, WEBHOOK_SECRET_ENV } from './config';
import { INDICATORS, sampleFleet } from './fleet';
import { Scenario, WARN_Z } from './scenario';
import { IncidentTracker } from './tracker';

/** One resource's decision at one step. */
export interface ReplayDecision {
  step: number;
  resource: string;
  decision: Decision;
}

/**
 * Replays `steps` steps of `scenario`, deciding every host's resource with the engine's decision loop as the
 * engine does after each evaluation; `onStep` sees the engine state after each evaluation.
 */
export function replayScenario(
  scenario: Scenario,
  steps = scenario.steps,
  onStep: (step: number, state: EngineState) => void = () => undefined
): { tracker: IncidentTracker; state: EngineState; decisions: ReplayDecision[] } {
  const doc = engineConfigDoc({
    prometheusUrl: 'http://127.0.0.1:9',
    listen: '127.0.0.1:0',
    stepMs: 1000,
    storePath: '/nonexistent/replay.db',
    webhookUrl: 'http://127.0.0.1:9/actions',
    hosts: scenario.hosts.map((h) => h.name),
  });
  const secret = `whsec_${Buffer.alloc(24).toString('base64')}`;
  const config = resolveConfig(doc, {}, { env: { [WEBHOOK_SECRET_ENV]: secret } });
  const resources: ResourceRuntime[] = config.resources.map((c) => ({ config: c, row: reconcile(c, undefined, 0) }));
  const decisions: ReplayDecision[] = [];
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
    for (const rt of resources) {
      const r = evaluateResource(rt, state, t, t);
      rt.row = r.row;
      rt.last = { decision: r.decision, host: r.host, hosts: r.hosts };
      decisions.push({ step, resource: rt.config.name, decision: r.decision });
    }
    onStep(step, state);
  }
  return { tracker, state, decisions };
}
