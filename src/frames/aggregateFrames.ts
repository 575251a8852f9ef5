/**
 * The `aggregate` output: one series per host, the weighted mean of its indicators' `Hn` (DESIGN.md,
 * "Aggregation"), with the max alongside. Indicators are the queries whose output is `aggregate`.
 */
import { createDataFrame, DataFrame, FieldType } from '@grafana/data';
import { aggregate, WeightedValue } from '../core';
import { computeSeries, EntropyFrameMeta, EntropyTransformOptions, META_KEY, prepareTransform } from './entropyFrames';
import { framesToSeries } from './series';

/** One indicator query: its upstream frames, its transform options and its weight. */
export interface IndicatorInput {
  frames: readonly DataFrame[];
  options: EntropyTransformOptions;
  /** Default 1. */
  weight?: number;
}

/** A series without the host label cannot be placed on a host; the message says which and how to fix it. */
export class MissingHostLabelError extends Error {
  constructor(
    readonly refId: string,
    hostLabel: string,
    series: string
  ) {
    super(
      `Query ${refId}: series ${series} has no "${hostLabel}" label, so it cannot be aggregated per host; ` +
        `keep the label in the expression (e.g. avg by (${hostLabel}) (...)) or change the host label`
    );
    this.name = 'MissingHostLabelError';
  }
}

/**
 * Per host, at each timestamp any indicator has: the weighted mean and the max of the indicators' `Hn`
 * defined at that exact timestamp (queries over one range and step share their timestamps). The host label
 * is the first indicator's. Output refId is the first indicator's.
 */
export function aggregateTransform(indicators: readonly IndicatorInput[]): DataFrame[] {
  if (indicators.length === 0) {
    return [];
  }
  const hostLabel = indicators[0].options.hostLabel;
  const refId = indicators[0].options.refId;
  // host → time → contributions
  const hosts = new Map<string, Map<number, WeightedValue[]>>();
  let window = 0;
  for (const ind of indicators) {
    const o = ind.options;
    const { entropy } = prepareTransform({ ...o, output: 'entropy' });
    window = Math.max(window, entropy.window);
    const name = o.indicator || o.refId;
    for (const s of framesToSeries(ind.frames, o.refId)) {
      const host = s.labels[hostLabel];
      if (host === undefined) {
        throw new MissingHostLabelError(o.refId, hostLabel, JSON.stringify(s.labels));
      }
      const c = computeSeries(s, entropy, 'normalized', undefined, o.from, o.to);
      let byTime = hosts.get(host);
      if (!byTime) {
        byTime = new Map();
        hosts.set(host, byTime);
      }
      for (let i = 0; i < c.entropy.length; i++) {
        const t = s.times[c.start + i];
        const list = byTime.get(t);
        const item: WeightedValue = { name, value: c.entropy[i], weight: ind.weight ?? 1 };
        if (list) {
          list.push(item);
        } else {
          byTime.set(t, [item]);
        }
      }
    }
  }
  const frames: DataFrame[] = [];
  for (const host of [...hosts.keys()].sort()) {
    const byTime = hosts.get(host)!;
    const times = [...byTime.keys()].sort((a, b) => a - b);
    const mean: Array<number | null> = [];
    const max: Array<number | null> = [];
    for (const t of times) {
      const a = aggregate(byTime.get(t)!);
      mean.push(a.mean ?? null);
      max.push(a.max ?? null);
    }
    const labels = { [hostLabel]: host };
    const cfg = { unit: 'none', min: 0, max: 1, decimals: 3 };
    const meta: EntropyFrameMeta = {
      output: 'aggregate',
      indicator: 'aggregate',
      host,
      hostLabel,
      window,
      estimator: 'mixed',
    };
    frames.push(
      createDataFrame({
        refId,
        name: host,
        fields: [
          { name: 'Time', type: FieldType.time, values: times, config: {} },
          { name: 'aggregate', type: FieldType.number, values: mean, labels, config: { ...cfg, displayNameFromDS: `${host} aggregate` } },
          { name: 'max', type: FieldType.number, values: max, labels, config: { ...cfg, displayNameFromDS: `${host} max` } },
        ],
        meta: { custom: { [META_KEY]: meta } },
      })
    );
  }
  return frames;
}
