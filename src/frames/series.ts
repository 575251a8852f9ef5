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
  times: number[];
  values: number[];
  /** The input field's config (unit, decimals, display name), kept for the `raw + entropy` output. */
  config: FieldConfig;
}

/** Frames that carry exemplars or annotations rather than series. */
function isSeriesFrame(frame: DataFrame): boolean {
  const resultType = (frame.meta?.custom as { resultType?: string } | undefined)?.resultType;
  return resultType !== 'exemplar' && frame.meta?.dataTopic === undefined;
}

function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : v === null || v === undefined ? NaN : Number(v);
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
    const times = Array.from(time.values as ArrayLike<unknown>, toNumber);
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
        values: Array.from(field.values as ArrayLike<unknown>, toNumber),
        config: field.config ?? {},
      });
    }
  }
  return out;
}
