/**
 * Reading numeric series out of whatever frames a query returned: Prometheus frames (one `Time` and one
 * `Value` field with labels per series), wide frames (one time field, many value fields) or table-like
 * frames. Pure: never mutates its input.
 */
import { DataFrame, FieldConfig, FieldType, Labels } from '@grafana/data';

/** One input series: its samples, labels and the frame it came from. */
export interface InputSeries {
  refId: string;
  /** Field name (`Value` for Prometheus) and the frame's name, if any. */
  name: string;
  frameName?: string;
  labels: Labels;
  times: Samples;
  values: Samples;
  /** The input field's config (unit, decimals, display name), kept for the `raw + entropy` output. */
  config: FieldConfig;
}

/** Frames that carry exemplars or annotations rather than series. */
function isSeriesFrame(frame: DataFrame): boolean {
  const resultType = (frame.meta?.custom as { resultType?: string } | undefined)?.resultType;
  return resultType !== 'exemplar' && frame.meta?.dataTopic === undefined;
}

/** Sample arrays as they come: Grafana's number fields hold numbers or null (a gap). */
export type Samples = number[] | Float64Array;

/**
 * Field values without copying when they are all numbers; otherwise a copy with null (a gap) as NaN — the
 * core's window admits any `v` with `v - v === 0`, which `null` passes as 0 — and strings converted. This
 * runs over every sample of every series, so the common case must not copy.
 */
function asSamples(values: ArrayLike<unknown>): Samples {
  if (values instanceof Float64Array) {
    return values;
  }
  const n = values.length;
  let plain = Array.isArray(values);
  for (let i = 0; plain && i < n; i++) {
    const v = values[i];
    plain = typeof v === 'number';
  }
  if (plain) {
    return values as number[];
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    out[i] = typeof v === 'number' ? v : v === null || v === undefined ? NaN : Number(v);
  }
  return out;
}

/**
 * Every numeric field of every frame, paired with the frame's first time field. `refId` falls back to the
 * frame's (or `fallbackRefId`).
 */
export function framesToSeries(frames: readonly DataFrame[], fallbackRefId = ''): InputSeries[] {
  const out: InputSeries[] = [];
  for (const frame of frames) {
    if (!isSeriesFrame(frame)) {
      continue;
    }
    const time = frame.fields.find((f) => f.type === FieldType.time);
    if (!time) {
      continue;
    }
    const times = asSamples(time.values as ArrayLike<unknown>);
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) {
        continue;
      }
      out.push({
        refId: frame.refId ?? fallbackRefId,
        name: field.name,
        frameName: frame.name,
        labels: { ...(field.labels ?? {}) },
        times,
        values: asSamples(field.values as ArrayLike<unknown>),
        config: field.config ?? {},
      });
    }
  }
  return out;
}
