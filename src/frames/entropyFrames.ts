/**
 * The entropy transform as pure DataFrame functions, shared by the data source (on upstream Prometheus
 * frames) and the panel (on its own query results). `(frames, options) => frames`; inputs are never mutated.
 */
import { createDataFrame, DataFrame, Field, FieldConfig, FieldType, Labels, QueryResultMetaNotice } from '@grafana/data';
import {
  BaselineOptions,
  EntropyOptions,
  prepareOptions,
  ResolvedEntropyOptions,
  resolveBaselineOptions,
  ResolvedBaselineOptions,
  rollingBaseline,
  rollingEntropy,
} from '../core';
import { renderLegend, seriesName } from './legend';
import { framesToSeries, InputSeries } from './series';

/** What a query returns. */
export type EntropyOutput = 'entropy' | 'aggregate' | 'baseline' | 'raw+entropy' | 'quorum';

/** Entropy normalized to 0..1 (`Hn`) or in bits. */
export type EntropyUnit = 'normalized' | 'bits';

/** Options of {@link entropyTransform}. */
export interface EntropyTransformOptions {
  /** refId of the output frames. */
  refId: string;
  entropy: EntropyOptions;
  output: EntropyOutput;
  unit: EntropyUnit;
  /** Prometheus-style legend, `{{instance}} cpu`. */
  legendFormat?: string;
  /** Label naming the host (for the panel's rows and the aggregate). */
  hostLabel: string;
  /** Indicator name (the panel's columns, the aggregate's `max` indicator); default the refId. */
  indicator?: string;
  baseline?: BaselineOptions;
  /** Half-width of the baseline band in standard deviations. */
  band: number;
  /** Rows before `from` (ms) only fill the window and are dropped from the output; same for after `to`. */
  from?: number;
  to?: number;
  /** Shown in the query inspector. */
  expr?: string;
}

export const DEFAULT_TRANSFORM_OPTIONS: EntropyTransformOptions = {
  refId: 'A',
  entropy: {},
  output: 'entropy',
  unit: 'normalized',
  hostLabel: 'instance',
  band: 2,
};

/** Metadata the panel reads back from frames this transform made. */
export interface EntropyFrameMeta {
  output: EntropyOutput;
  indicator: string;
  host: string | undefined;
  hostLabel: string;
  window: number;
  estimator: string;
}

/** Key under `frame.meta.custom`. */
export const META_KEY = 'healthEntropy';

/** The metadata of a frame made by this transform, if it is one. */
export function entropyMeta(frame: DataFrame): EntropyFrameMeta | undefined {
  return (frame.meta?.custom as Record<string, EntropyFrameMeta> | undefined)?.[META_KEY];
}

/**
 * One series after the transform, trimmed to the requested range: rows `start..end` of the input (kept as
 * offsets, so that nothing is copied until an output needs it).
 */
export interface ComputedSeries {
  input: InputSeries;
  start: number;
  end: number;
  /** Entropy of rows `start..end`. */
  entropy: Float64Array;
  /** Present when a baseline was asked for. */
  baseline?: { mean: Float64Array; std: Float64Array; z: Float64Array };
  /** Rows in range whose entropy is undefined though the input has a value (window not yet full). */
  unfilled: number;
}

function firstAtOrAfter(times: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

/** Runs `src/core` over one series: rolling entropy, then (optionally) its baseline, then trims to range. */
export function computeSeries(
  input: InputSeries,
  entropy: ResolvedEntropyOptions,
  unit: EntropyUnit,
  baseline: ResolvedBaselineOptions | undefined,
  from = -Infinity,
  to = Infinity
): ComputedSeries {
  const all = rollingEntropy(input.times, input.values, entropy, unit === 'bits' ? 'bits' : 'normalized');
  const start = firstAtOrAfter(input.times, from);
  const end = firstAtOrAfter(input.times, to + 1);
  let b: ComputedSeries['baseline'];
  if (baseline) {
    // The baseline always learns normalized entropy, as the engine's does.
    const hn = unit === 'bits' ? rollingEntropy(input.times, input.values, entropy) : all;
    const r = rollingBaseline(hn, baseline);
    b = { mean: r.mean.subarray(start, end), std: r.std.subarray(start, end), z: r.z.subarray(start, end) };
  }
  // Views, not copies: this runs once per series, over every sample.
  const values = all.subarray(start, end);
  const raw = input.values;
  let unfilled = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const r = raw[start + i];
    if (v !== v && r - r === 0) {
      unfilled++;
    }
  }
  return { input, start, end, entropy: values, baseline: b, unfilled };
}

/** NaN → null, the "no value" Grafana's panels draw as gaps. */
function nullable(values: ArrayLike<number>): Array<number | null> {
  let defined = true;
  for (let i = 0; defined && i < values.length; i++) {
    defined = !Number.isNaN(values[i]);
  }
  if (defined) {
    // All numbers: a plain double array, which V8 stores unboxed (a null anywhere would box every value).
    return toArray(values);
  }
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = Number.isNaN(v) ? null : v;
  }
  return out;
}

function entropyConfig(unit: EntropyUnit, displayName: string | undefined): FieldConfig {
  const base: FieldConfig =
    unit === 'bits' ? { unit: 'suffix: bits', min: 0, decimals: 3 } : { unit: 'none', min: 0, max: 1, decimals: 3 };
  return displayName ? { ...base, displayNameFromDS: displayName } : base;
}

function named(legend: string | undefined, suffix: string): string | undefined {
  return legend ? `${legend} ${suffix}` : undefined;
}

function numberField(name: string, values: ArrayLike<number>, labels: Labels, config: FieldConfig): Field {
  return { name, type: FieldType.number, values: nullable(values), labels, config };
}

/** A plain number array of `values[start..end)` (a loop: Array.from on a typed array goes through its iterator). */
function toArray(values: ArrayLike<number>, start = 0, end = values.length): number[] {
  const out = new Array<number>(end - start);
  for (let i = start; i < end; i++) {
    out[i - start] = values[i];
  }
  return out;
}

/**
 * The rows whose entropy is defined, as plain arrays. Usually that is everything after the first full
 * window, which is copied in bulk; gaps later on (an age-bounded window emptying) take the slow path.
 */
function definedRows(c: ComputedSeries): { times: number[]; keep: number[] } {
  const { entropy, start } = c;
  const times = c.input.times;
  const n = entropy.length;
  let first = 0;
  while (first < n && Number.isNaN(entropy[first])) {
    first++;
  }
  let gaps = false;
  for (let i = first; i < n && !gaps; i++) {
    gaps = Number.isNaN(entropy[i]);
  }
  if (!gaps) {
    return { times: toArray(times, start + first, start + n), keep: toArray(entropy, first) };
  }
  const keep: number[] = [];
  const kept: number[] = [];
  for (let i = first; i < n; i++) {
    if (!Number.isNaN(entropy[i])) {
      keep.push(entropy[i]);
      kept.push(times[start + i]);
    }
  }
  return { times: kept, keep };
}

/** The fields of one output frame, by output kind. */
function outputFields(c: ComputedSeries, o: EntropyTransformOptions): Field[] {
  const labels = c.input.labels;
  const legend = renderLegend(o.legendFormat, labels);
  if (o.output === 'entropy') {
    // Rows before the window is full carry no entropy; leaving them out keeps the column all numbers.
    const { times, keep } = definedRows(c);
    return [
      { name: 'Time', type: FieldType.time, values: times, config: {} },
      { name: 'entropy', type: FieldType.number, values: keep, labels, config: entropyConfig(o.unit, legend) },
    ];
  }
  const time: Field = { name: 'Time', type: FieldType.time, values: toArray(c.input.times, c.start, c.end), config: {} };
  const entropy = numberField('entropy', c.entropy, labels, entropyConfig(o.unit, legend));
  switch (o.output) {
    case 'raw+entropy': {
      const raw: Field = {
        name: 'value',
        type: FieldType.number,
        values: nullable(c.input.values.slice(c.start, c.end)),
        labels,
        config: { ...c.input.config, displayNameFromDS: named(legend, '(raw)') ?? c.input.config.displayNameFromDS },
      };
      const right = { ...entropy, config: { ...entropy.config, custom: { axisPlacement: 'right' } } };
      return [time, raw, right];
    }
    case 'baseline': {
      const b = c.baseline!;
      const n = b.mean.length;
      const lower = new Float64Array(n);
      const upper = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        lower[i] = b.mean[i] - o.band * b.std[i];
        upper[i] = b.mean[i] + o.band * b.std[i];
      }
      // Baselines are learned on Hn, so this output is always normalized (entropyTransform forces the unit).
      const cfg = entropyConfig('normalized', undefined);
      const lowerName = `baseline -${o.band}σ`;
      return [
        time,
        entropy,
        numberField('baseline', b.mean, labels, { ...cfg, displayNameFromDS: named(legend, 'baseline') }),
        numberField(lowerName, lower, labels, { ...cfg, displayNameFromDS: named(legend, lowerName) }),
        numberField(`baseline +${o.band}σ`, upper, labels, {
          ...cfg,
          displayNameFromDS: named(legend, `baseline +${o.band}σ`),
          custom: { fillBelowTo: lowerName },
        }),
        numberField('z', b.z, labels, {
          unit: 'none',
          decimals: 2,
          displayNameFromDS: named(legend, 'z'),
          custom: { axisPlacement: 'right' },
        }),
      ];
    }
    default:
      return [time, entropy];
  }
}

/** A sentence for the panel's notice: how many series have rows before their window is full. */
export function unfilledNotice(refId: string, unfilledSeries: number, total: number, window: number): QueryResultMetaNotice {
  return {
    severity: 'info',
    text:
      `Query ${refId}: ${unfilledSeries} of ${total} series have no entropy for their first points, because the ` +
      `window needs ${window} samples and the data source had fewer before them.`,
  };
}

/** Validated options, so that a bad window is reported once, naming the field. */
export function prepareTransform(options: EntropyTransformOptions) {
  const entropy = prepareOptions(options.entropy);
  const baseline = options.output === 'baseline' ? resolveBaselineOptions(options.baseline) : undefined;
  return { entropy, baseline };
}

/**
 * The entropy transform: one output frame per numeric input series, with the input's labels, the legend's
 * display name, 0..1 range on normalized entropy and a notice where windows are not yet full. Throws
 * `OptionError` (naming the field) on bad options. `aggregate` is computed by {@link aggregateTransform}.
 */
export function entropyTransform(frames: readonly DataFrame[], input: EntropyTransformOptions): DataFrame[] {
  const options: EntropyTransformOptions = input.output === 'baseline' ? { ...input, unit: 'normalized' } : input;
  const { entropy, baseline } = prepareTransform(options);
  const series = framesToSeries(frames, options.refId);
  const out: DataFrame[] = [];
  let unfilledSeries = 0;
  for (const s of series) {
    const c = computeSeries(s, entropy, options.unit, baseline, options.from, options.to);
    if (c.unfilled > 0) {
      unfilledSeries++;
    }
    const host = s.labels[options.hostLabel];
    const meta: EntropyFrameMeta = {
      output: options.output,
      indicator: options.indicator || options.refId,
      host,
      hostLabel: options.hostLabel,
      window: entropy.window,
      estimator: entropy.estimator,
    };
    out.push(
      createDataFrame({
        refId: options.refId,
        name: renderLegend(options.legendFormat, s.labels) ?? seriesName(s.labels, s.frameName ?? s.name),
        fields: outputFields(c, options),
        meta: { executedQueryString: options.expr, custom: { [META_KEY]: meta } },
      })
    );
  }
  if (unfilledSeries > 0 && out.length > 0) {
    const first = out[0];
    out[0] = { ...first, meta: { ...first.meta, notices: [unfilledNotice(options.refId, unfilledSeries, out.length, entropy.window)] } };
  }
  return out;
}
