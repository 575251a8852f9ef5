/**
 * The data source's `quorum` output: the engine's quorum assessment recomputed in the browser over history,
 * as a state timeline per host (frames Grafana's state-timeline panel reads, with value mappings for the
 * states). Pure: `(inputs, options) => frames`, inputs never mutated.
 *
 * The same `src/core` code as the engine, fed the same way: one {@link SeriesPipeline} per host × observer ×
 * indicator over its samples, then at every timestamp of the inputs each observer reports what has a sample
 * at exactly that time (an admitted indicator sample, a finite check value: 0 fails) to one
 * {@link QuorumTracker}. So on the same samples, at the same step as the engine's interval, the states equal
 * the engine's `health_entropy_quorum_state` at each of its evaluations.
 */
import { createDataFrame, DataFrame, FieldType, MappingType, ValueMapping } from '@grafana/data';
import {
  ObserverReport,
  QUORUM_STATE_CODES,
  QuorumAssessment,
  QuorumOptions,
  QuorumTracker,
  SeriesPipeline,
  SeriesPipelineOptions,
} from '../core';
import { EntropyFrameMeta, META_KEY } from './entropyFrames';
import { framesToSeries } from './series';

/** One query's part: its upstream frames and how to read them. */
export interface QuorumInput {
  refId: string;
  frames: readonly DataFrame[];
  /** `checks`: a health check per host × observer (0 = failing); `indicator`: a series whose entropy is taken. */
  role: 'checks' | 'indicator';
  hostLabel: string;
  observerLabel: string;
  /** Indicator name in reasons (default: the refId). */
  indicator?: string;
  /** Entropy, baseline and trend options of each series' pipeline (indicators). */
  pipeline?: SeriesPipelineOptions;
}

/** Options of {@link quorumTransform}. */
export interface QuorumTransformOptions {
  /** refId of the output frames. */
  refId: string;
  quorum: QuorumOptions;
  /** Rows before `from` (ms) only warm up windows, baselines and streaks; they and rows after `to` are dropped. */
  from?: number;
  to?: number;
}

/** Value mappings of the state field: the codes of `health_entropy_quorum_state`, named and coloured. */
export const QUORUM_STATE_MAPPINGS: ValueMapping[] = [
  {
    type: MappingType.ValueToText,
    options: {
      [QUORUM_STATE_CODES.unknown]: { text: 'unknown', color: 'text', index: 0 },
      [QUORUM_STATE_CODES.healthy]: { text: 'healthy', color: 'green', index: 1 },
      [QUORUM_STATE_CODES.suspect]: { text: 'suspect', color: 'orange', index: 2 },
      [QUORUM_STATE_CODES.unhealthy]: { text: 'unhealthy', color: 'red', index: 3 },
    },
  },
];

/** Value mappings of the flagged field. */
export const QUORUM_FLAG_MAPPINGS: ValueMapping[] = [
  {
    type: MappingType.ValueToText,
    options: {
      0: { text: 'not flagged', color: 'transparent', index: 0 },
      1: { text: 'flagged', color: 'purple', index: 1 },
    },
  },
];

/** A series without the host or observer label cannot be placed; the message says which and how to fix it. */
export class QuorumLabelError extends Error {
  constructor(
    readonly refId: string,
    message: string
  ) {
    super(`Query ${refId}: ${message}`);
    this.name = 'QuorumLabelError';
  }
}

/** t → host → observer → report. */
type Reports = Map<number, Map<string, Map<string, ObserverReport>>>;

function reportAt(reports: Reports, t: number, host: string, observer: string): ObserverReport {
  let byHost = reports.get(t);
  if (!byHost) {
    byHost = new Map();
    reports.set(t, byHost);
  }
  let byObserver = byHost.get(host);
  if (!byObserver) {
    byObserver = new Map();
    byHost.set(host, byObserver);
  }
  let r = byObserver.get(observer);
  if (!r) {
    r = { observer };
    byObserver.set(observer, r);
  }
  return r;
}

/** Every observer report of the inputs, by timestamp. Throws {@link QuorumLabelError}. */
function collectReports(inputs: readonly QuorumInput[]): Reports {
  const reports: Reports = new Map();
  const seen = new Map<string, string>();
  for (const input of inputs) {
    const indicator = input.indicator || input.refId;
    for (const s of framesToSeries(input.frames, input.refId)) {
      const host = s.labels[input.hostLabel];
      const observer = s.labels[input.observerLabel];
      for (const [label, v] of [
        [input.hostLabel, host],
        [input.observerLabel, observer],
      ]) {
        if (v === undefined || v === '') {
          throw new QuorumLabelError(
            input.refId,
            `series ${JSON.stringify(s.labels)} has no "${label}" label; keep it in the expression (e.g. ` +
              `avg by (${input.hostLabel}, ${input.observerLabel}) (...))`
          );
        }
      }
      const n = Math.min(s.times.length, s.values.length);
      if (input.role === 'checks') {
        for (let i = 0; i < n; i++) {
          const v = s.values[i];
          if (v - v === 0) {
            // Several check series of one host × observer at one time: all must pass (merged by the tracker).
            const r = reportAt(reports, s.times[i], host, observer);
            r.checkOk = (r.checkOk ?? true) && v !== 0;
          }
        }
        continue;
      }
      const key = JSON.stringify([host, observer, indicator]);
      const other = seen.get(key);
      if (other !== undefined) {
        throw new QuorumLabelError(
          input.refId,
          `series ${JSON.stringify(s.labels)} and ${other} are both ${indicator} of host ${host} seen by ` +
            `${observer}; aggregate the expression by (${input.hostLabel}, ${input.observerLabel})`
        );
      }
      seen.set(key, JSON.stringify(s.labels));
      const pipeline = new SeriesPipeline(input.pipeline);
      for (let i = 0; i < n; i++) {
        const p = pipeline.push(s.times[i], s.values[i]);
        if (p.admitted) {
          const r = reportAt(reports, s.times[i], host, observer);
          (r.indicators ??= {})[indicator] = { entropy: p.entropy, z: p.z };
        }
      }
    }
  }
  return reports;
}

/** Per host, the assessment at every timestamp of the inputs within `[from, to]`. */
export function quorumTimeline(
  inputs: readonly QuorumInput[],
  options: QuorumTransformOptions
): Map<string, QuorumAssessment[]> {
  const tracker = new QuorumTracker(options.quorum);
  const reports = collectReports(inputs);
  const out = new Map<string, QuorumAssessment[]>();
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  for (const t of [...reports.keys()].sort((a, b) => a - b)) {
    const byHost = new Map([...reports.get(t)!].map(([host, m]) => [host, [...m.values()]]));
    for (const a of tracker.assessAll(byHost, t)) {
      if (t >= from && t <= to) {
        const list = out.get(a.host) ?? [];
        list.push(a);
        out.set(a.host, list);
      }
    }
  }
  return out;
}

/** The `quorum` output: one frame per host (sorted) with `state`, `flagged` and the `reason` for tooltips. */
export function quorumTransform(inputs: readonly QuorumInput[], options: QuorumTransformOptions): DataFrame[] {
  const timeline = quorumTimeline(inputs, options);
  const window = Math.max(0, ...inputs.map((i) => i.pipeline?.entropy?.window ?? 0));
  const hostLabel = inputs[0]?.hostLabel ?? 'instance';
  return [...timeline.keys()].sort().map((host) => {
    const rows = timeline.get(host)!;
    const labels = { [hostLabel]: host };
    const meta: EntropyFrameMeta = {
      output: 'quorum',
      indicator: 'quorum',
      host,
      hostLabel,
      window,
      estimator: 'quorum',
    };
    return createDataFrame({
      refId: options.refId,
      name: host,
      fields: [
        { name: 'Time', type: FieldType.time, values: rows.map((a) => a.at), config: {} },
        {
          name: 'state',
          type: FieldType.number,
          values: rows.map((a) => QUORUM_STATE_CODES[a.state]),
          labels,
          config: { displayNameFromDS: host, mappings: QUORUM_STATE_MAPPINGS, min: -1, max: 2, decimals: 0 },
        },
        {
          name: 'flagged',
          type: FieldType.number,
          values: rows.map((a) => (a.flagged ? 1 : 0)),
          labels,
          config: { displayNameFromDS: `${host} flagged`, mappings: QUORUM_FLAG_MAPPINGS, min: 0, max: 1, decimals: 0 },
        },
        {
          name: 'reason',
          type: FieldType.string,
          values: rows.map((a) => a.reason),
          labels,
          // In the tooltip, not as a row of its own.
          config: {
            displayNameFromDS: `${host} reason`,
            custom: { hideFrom: { viz: true, legend: true, tooltip: false } },
          },
        },
      ],
      meta: { custom: { [META_KEY]: meta } },
    });
  });
}
