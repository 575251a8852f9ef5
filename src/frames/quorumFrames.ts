/**
 * The data source's `quorum` output: the engine's quorum assessment recomputed in the browser over history,
 * as a state timeline per host (frames Grafana's state-timeline panel reads, with value mappings for the
 * states). Pure: `(inputs, options) => frames`, inputs never mutated.
 *
 * The assessment itself is `src/core`'s {@link quorumHistory} (the engine's pipelines and tracker, fed the
 * way the engine feeds them); this file places series on hosts and observers and makes the frames.
 */
import { createDataFrame, DataFrame, FieldType, MappingType, ValueMapping } from '@grafana/data';
import { QUORUM_STATE_CODES, QuorumAssessment, SeriesPipelineOptions } from '../core';
import { quorumHistory, QuorumHistoryError, QuorumHistoryOptions, QuorumHistorySeries } from '../core/quorum-history';
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

/** Options of {@link quorumTransform}: the history's (quorum options, `from`/`to`, grid step) and the refId. */
export interface QuorumTransformOptions extends QuorumHistoryOptions {
  /** refId of the output frames. */
  refId: string;
}

/** Value mappings of the state field: the codes of `health_entropy_quorum_state`, named and coloured. */
export const QUORUM_STATE_MAPPINGS: ValueMapping[] = [
  {
    type: MappingType.ValueToText,
    options: {
      [QUORUM_STATE_CODES.unknown]: { text: 'unknown', color: 'gray', index: 0 },
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

/** The inputs as history series; throws {@link QuorumLabelError} for a series it cannot place. */
function historySeries(inputs: readonly QuorumInput[]): QuorumHistorySeries[] {
  const out: QuorumHistorySeries[] = [];
  for (const input of inputs) {
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
      out.push({
        source: input.refId,
        role: input.role,
        host,
        observer,
        indicator: input.indicator || input.refId,
        describe: JSON.stringify(s.labels),
        times: s.times,
        values: s.values,
        pipeline: input.pipeline,
      });
    }
  }
  return out;
}

/** Per host, the assessment at every step within `[from, to]` (see {@link quorumHistory}), or what `keep` keeps. */
export function quorumTimeline<T = QuorumAssessment>(
  inputs: readonly QuorumInput[],
  options: QuorumTransformOptions,
  keep?: (a: QuorumAssessment) => T
): Map<string, T[]> {
  const series = historySeries(inputs);
  try {
    return quorumHistory(series, options, keep);
  } catch (e) {
    if (e instanceof QuorumHistoryError) {
      const input = inputs.find((i) => i.refId === e.source)!;
      throw new QuorumLabelError(
        e.source,
        `${e.message}; aggregate the expression by (${input.hostLabel}, ${input.observerLabel})`
      );
    }
    throw e;
  }
}

/** The `quorum` output: one frame per host (sorted) with `state`, `flagged` and the `reason` for tooltips. */
export function quorumTransform(inputs: readonly QuorumInput[], options: QuorumTransformOptions): DataFrame[] {
  // Only what the frames show: whole assessments (views and all) for every step would be large.
  let previous = '';
  const timeline = quorumTimeline(inputs, options, (a) => {
    const reason = a.reason === previous ? previous : a.reason; // one string for a run of equal reasons
    previous = reason;
    return { at: a.at, code: QUORUM_STATE_CODES[a.state], flagged: a.flagged ? 1 : 0, reason };
  });
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
        { name: 'Time', type: FieldType.time, values: rows.map((r) => r.at), config: {} },
        {
          name: 'state',
          type: FieldType.number,
          values: rows.map((r) => r.code),
          labels,
          config: { displayNameFromDS: host, mappings: QUORUM_STATE_MAPPINGS, min: -1, max: 2, decimals: 0 },
        },
        {
          name: 'flagged',
          type: FieldType.number,
          values: rows.map((r) => r.flagged),
          labels,
          config: { displayNameFromDS: `${host} flagged`, mappings: QUORUM_FLAG_MAPPINGS, min: 0, max: 1, decimals: 0 },
        },
        {
          name: 'reason',
          type: FieldType.string,
          values: rows.map((r) => r.reason),
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
