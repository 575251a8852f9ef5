/**
 * The panel's model, from frames: hosts (rows) × indicators (columns), each cell with the latest entropy, its
 * baseline and z. Pure functions of frames and options.
 */
import { DataFrame, Field, FieldType, Labels } from '@grafana/data';
import { EntropyOptions } from '../core';
import { DEFAULT_TRANSFORM_OPTIONS, entropyMeta, entropyTransform } from '../frames/entropyFrames';
import { EntropyPanelOptions } from './types';

/** One cell: the latest defined values of one host and indicator. */
export interface GridCell {
  host: string;
  indicator: string;
  entropy: number | undefined;
  baseline: number | undefined;
  z: number | undefined;
  /** Window `W` when known. */
  window: number | undefined;
  /** Time of the latest entropy value (ms). */
  time: number | undefined;
  labels: Labels;
  /** Name of the entropy field, for data links. */
  fieldName: string;
}

export interface Grid {
  hosts: string[];
  indicators: string[];
  /** Key: `${host}\u0000${indicator}`. */
  cells: Map<string, GridCell>;
}

export const cellKey = (host: string, indicator: string) => `${host}\u0000${indicator}`;

/** Fields that accompany entropy rather than being an indicator of their own. */
const COMPANIONS = /^(baseline|baseline [+-]\d+σ|z|value|max|Time)$/;

function lastDefinedIndex(values: ArrayLike<unknown>): number {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      return i;
    }
  }
  return -1;
}

function numberAt(field: Field | undefined, i: number): number | undefined {
  const v = field?.values[i];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Options of the panel's compute mode as entropy options for `src/core`. */
export function panelEntropyOptions(o: EntropyPanelOptions): EntropyOptions {
  return o.estimator === 'permutation'
    ? { estimator: 'permutation', window: o.window, order: o.order, delay: o.delay }
    : { estimator: 'shannon', window: o.window, binning: o.binning, bins: o.bins, lo: o.lo, hi: o.hi, width: o.width };
}

/** Compute mode: the `baseline` output of the entropy transform over each query's frames. Throws `OptionError`. */
export function computeEntropyFrames(frames: readonly DataFrame[], o: EntropyPanelOptions): DataFrame[] {
  const byRef = new Map<string, DataFrame[]>();
  for (const f of frames) {
    const list = byRef.get(f.refId ?? 'A') ?? [];
    list.push(f);
    byRef.set(f.refId ?? 'A', list);
  }
  const out: DataFrame[] = [];
  for (const [refId, list] of byRef) {
    out.push(
      ...entropyTransform(list, {
        ...DEFAULT_TRANSFORM_OPTIONS,
        refId,
        entropy: panelEntropyOptions(o),
        output: 'baseline',
        baseline: { warmup: o.warmup },
        hostLabel: o.hostLabel,
      })
    );
  }
  return out;
}

/** Display mode: reads entropy frames (from our data source, or entropy metrics from Prometheus) into a grid. */
export function buildGrid(frames: readonly DataFrame[], o: EntropyPanelOptions): Grid {
  const cells = new Map<string, GridCell>();
  const hosts = new Set<string>();
  const indicators = new Set<string>();
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    const meta = entropyMeta(frame);
    const numeric = frame.fields.filter((f) => f.type === FieldType.number);
    const named = numeric.find((f) => f.name === 'entropy' || f.name === 'aggregate');
    const entropyFields = named ? [named] : numeric.filter((f) => !COMPANIONS.test(f.name));
    const baseline = numeric.find((f) => f.name === 'baseline');
    const z = numeric.find((f) => f.name === 'z');
    for (const field of entropyFields) {
      const labels = field.labels ?? {};
      const i = lastDefinedIndex(field.values);
      const host = labels[o.hostLabel] ?? meta?.host ?? frame.name ?? 'unknown';
      const indicator = labels[o.indicatorLabel] ?? meta?.indicator ?? (entropyFields.length > 1 ? field.name : undefined) ?? frame.refId ?? field.name;
      hosts.add(host);
      indicators.add(indicator);
      cells.set(cellKey(host, indicator), {
        host,
        indicator,
        entropy: i >= 0 ? numberAt(field, i) : undefined,
        baseline: i >= 0 ? numberAt(baseline, i) : undefined,
        z: i >= 0 ? numberAt(z, i) : undefined,
        window: meta?.window,
        time: i >= 0 ? numberAt(time, i) : undefined,
        labels,
        fieldName: field.name,
      });
    }
  }
  const sort = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return { hosts: sort(hosts), indicators: sort(indicators), cells };
}
