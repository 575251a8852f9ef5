/**
 * The quorum's cost beside the entropy it judges: `quorumHistory` (what the data source's `quorum` output
 * runs) over hosts × observers × steps, against the same samples through bare `SeriesPipeline`s (the
 * reference: the entropy and baselines alone); and one engine evaluation's `assessAll` over many hosts.
 */
import { ObserverReport, QuorumHistorySeries, quorumHistory, QuorumTracker, SeriesPipeline } from '../core';
import { medianMs, perSecond, round } from './measure';

const STEP = 15_000;

function series(hosts: number, observers: number, steps: number): QuorumHistorySeries[] {
  const times = Array.from({ length: steps }, (_, i) => i * STEP);
  const out: QuorumHistorySeries[] = [];
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let h = 0; h < hosts; h++) {
    for (let o = 0; o < observers; o++) {
      const base = { source: 'A', host: `h${h}`, observer: `o${o}`, times };
      out.push({ ...base, role: 'checks', values: times.map(() => (next() < 0.02 ? 0 : 1)) });
      out.push({
        ...base,
        role: 'indicator',
        indicator: 'cpu',
        values: times.map(() => next()),
        pipeline: { entropy: { window: 60 }, baseline: { warmup: 60 } },
      });
    }
  }
  return out;
}

/** JSON record: history samples per second and its ratio to bare pipelines; one evaluation of 10,000 hosts. */
export function benchQuorum(hosts = 100, observers = 3, steps = 1000) {
  const input = series(hosts, observers, steps);
  const samples = input.reduce((n, s) => n + s.times.length, 0);
  // As the data source's frames keep it: state, flag and reason per step (one string for a run of equal ones).
  const historyMs = medianMs(() => {
    let previous = '';
    quorumHistory(input, { quorum: { forMs: 60_000 } }, (a) => {
      previous = a.reason === previous ? previous : a.reason;
      return [a.state, a.flagged, previous];
    });
  }, 3);
  const referenceMs = medianMs(() => {
    for (const s of input.filter((x) => x.role === 'indicator')) {
      const p = new SeriesPipeline(s.pipeline);
      for (let i = 0; i < s.times.length; i++) {
        p.push(s.times[i], s.values[i]);
      }
    }
  }, 3);
  // One engine evaluation: 10,000 hosts × 3 observers, each with a check and two indicators.
  const reports = new Map<string, ObserverReport[]>();
  for (let h = 0; h < 10_000; h++) {
    reports.set(
      `h${h}`,
      ['a', 'b', 'c'].map((observer, o) => ({
        observer,
        checkOk: (h + o) % 50 !== 0,
        indicators: { cpu: { entropy: 0.4, z: (h % 7) - 1 }, mem: { entropy: 0.5, z: 0.2 } },
      }))
    );
  }
  const tracker = new QuorumTracker({ forMs: 0 });
  let t = 0;
  const evaluationMs = medianMs(() => tracker.assessAll(reports, (t += STEP)), 5);
  return {
    hosts,
    observers,
    steps,
    historySamplesPerSecond: perSecond(samples, historyMs),
    historyMs: round(historyMs),
    pipelinesOnlyMs: round(referenceMs),
    historyOverPipelines: round(historyMs / referenceMs),
    evaluation10kHostsMs: round(evaluationMs),
  };
}
