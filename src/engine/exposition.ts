/**
 * `/metrics` for the entropy state, in the Prometheus text format (0.0.4).
 *
 * Rendering is the engine's hottest read path (100,000 series must render in well under a scrape timeout),
 * so it makes one pass over the series with one string per metric family, reuses each series' pre-escaped
 * label string, and leaves out values that are not defined yet rather than exporting NaN, which alert rules
 * would have to filter.
 */
import { EngineState } from './state';

interface Family {
  name: string;
  help: string;
}

const SERIES_FAMILIES: Family[] = [
  { name: 'health_entropy', help: 'Normalized entropy Hn in [0, 1] of the indicator window, per host and indicator.' },
  { name: 'health_entropy_bits', help: 'Entropy of the indicator window in bits.' },
  { name: 'health_entropy_baseline', help: 'Learned normal Hn (exponentially weighted mean) the last value was judged against.' },
  { name: 'health_entropy_deviation', help: 'Hn minus its baseline (absent during the baseline warm-up).' },
  { name: 'health_entropy_z', help: 'Deviation divided by max(baseline std, sigmaMin).' },
  { name: 'health_entropy_trend', help: 'Least-squares slope of Hn per second over the last trendWindow evaluations.' },
];
const DETECTOR_FAMILIES: Family[] = [
  { name: 'health_entropy_surprisal', help: 'Second detector statistic of the last sample (e.g. surprisal in nats).' },
  { name: 'health_entropy_anomaly_score', help: 'Second detector anomaly score in [0, 1].' },
];
const HOST_FAMILIES: Family[] = [
  { name: 'health_entropy_host', help: 'Weighted mean of the host indicators Hn.' },
  { name: 'health_entropy_host_max', help: 'Largest Hn among the host indicators.' },
  { name: 'health_entropy_host_baseline', help: 'Learned normal of health_entropy_host.' },
  { name: 'health_entropy_host_deviation', help: 'health_entropy_host minus its baseline.' },
  { name: 'health_entropy_host_z', help: 'Host deviation divided by max(std, sigmaMin).' },
];

function header(f: Family): string {
  return `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} gauge\n`;
}

/** Appends the entropy metric families of `state` to `out`. */
export function renderState(state: EngineState, out: string[]): void {
  let hn = '';
  let bits = '';
  let base = '';
  let dev = '';
  let z = '';
  let trend = '';
  let stat = '';
  let score = '';
  let hostScore = '';
  let hostMax = '';
  let hostBase = '';
  let hostDev = '';
  let hostZ = '';
  let detectors = false;
  for (const host of state.hosts.values()) {
    for (const s of host.series.values()) {
      if (s.ended) {
        continue;
      }
      const l = s.labels;
      const e = s.entropy;
      if (e === e) {
        hn += `health_entropy${l} ${e}\n`;
        bits += `health_entropy_bits${l} ${s.pipeline.estimator.bits}\n`;
      }
      const p = s.current;
      if (p !== undefined) {
        if (p.baseline === p.baseline) {
          base += `health_entropy_baseline${l} ${p.baseline}\n`;
        }
        if (p.deviation === p.deviation) {
          dev += `health_entropy_deviation${l} ${p.deviation}\n`;
          z += `health_entropy_z${l} ${p.z}\n`;
        }
        if (p.trend === p.trend) {
          trend += `health_entropy_trend${l} ${p.trend}\n`;
        }
        const d = p.detector;
        if (d !== undefined) {
          stat += `health_entropy_surprisal${l} ${d.statistic}\n`;
          score += `health_entropy_anomaly_score${l} ${d.score}\n`;
        }
      }
      detectors ||= s.indicator.detector !== undefined;
    }
    const h = host.last;
    if (h !== undefined) {
      const l = host.labels;
      hostScore += `health_entropy_host${l} ${h.score}\n`;
      hostMax += `health_entropy_host_max${l} ${h.max}\n`;
      if (h.baseline.mean === h.baseline.mean) {
        hostBase += `health_entropy_host_baseline${l} ${h.baseline.mean}\n`;
      }
      if (h.baseline.deviation === h.baseline.deviation) {
        hostDev += `health_entropy_host_deviation${l} ${h.baseline.deviation}\n`;
        hostZ += `health_entropy_host_z${l} ${h.baseline.z}\n`;
      }
    }
  }
  const bodies = [hn, bits, base, dev, z, trend];
  SERIES_FAMILIES.forEach((f, i) => out.push(header(f), bodies[i]));
  // The detector families exist only when an indicator has a detector, so dashboards can test for them.
  if (detectors) {
    out.push(header(DETECTOR_FAMILIES[0]), stat, header(DETECTOR_FAMILIES[1]), score);
  }
  const hostBodies = [hostScore, hostMax, hostBase, hostDev, hostZ];
  HOST_FAMILIES.forEach((f, i) => out.push(header(f), hostBodies[i]));
}
