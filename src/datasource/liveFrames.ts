/**
 * The frames of a live query: one bounded {@link CircularDataFrame} per host × indicator, a row appended
 * for each applied stream frame. Shaped like the data source's other entropy frames (`Time`, `entropy` with
 * `host` and `indicator` labels, `baseline`, `z`), so the panel's Display mode reads them as they are.
 */
import { CircularDataFrame, DataFrame, FieldType } from '@grafana/data';
import { Profile, seriesKey } from '../core';

/** σ floor of the z shown beside a live series (the engine's default `sigmaMin`). */
export const LIVE_SIGMA_MIN = 0.02;

/** The rows of a live query so far. */
export class LiveFrames {
  private readonly frames = new Map<string, CircularDataFrame>();

  constructor(
    readonly refId: string,
    readonly capacity: number
  ) {}

  /** Appends one row per series of `profile` at `t`; series gone from the profile are dropped. */
  append(profile: Profile, t: number): void {
    const seen = new Set<string>();
    for (const [host, m] of profile) {
      for (const [indicator, v] of m) {
        const key = seriesKey(host, indicator);
        seen.add(key);
        let frame = this.frames.get(key);
        if (!frame) {
          frame = new CircularDataFrame({ append: 'tail', capacity: this.capacity });
          frame.refId = this.refId;
          frame.name = host;
          frame.addField({ name: 'Time', type: FieldType.time });
          frame.addField({
            name: 'entropy',
            type: FieldType.number,
            labels: { host, indicator },
            config: { min: 0, max: 1 },
          });
          frame.addField({ name: 'baseline', type: FieldType.number, labels: { host, indicator } });
          frame.addField({ name: 'z', type: FieldType.number, labels: { host, indicator } });
          this.frames.set(key, frame);
        }
        const hasBaseline = v.mean !== undefined && v.std !== undefined;
        frame.add({
          Time: t,
          entropy: v.hn,
          baseline: hasBaseline ? v.mean : null,
          z: hasBaseline ? (v.hn - v.mean!) / Math.max(v.std!, LIVE_SIGMA_MIN) : null,
        });
      }
    }
    for (const key of [...this.frames.keys()]) {
      if (!seen.has(key)) {
        this.frames.delete(key);
      }
    }
  }

  /** The frames, sorted by host then indicator (a stable legend). */
  data(): DataFrame[] {
    return [...this.frames.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f);
  }
}
