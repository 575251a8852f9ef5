/**
 * One host × indicator series inside the engine: its {@link SeriesPipeline} plus the raw samples of its window,
 * kept so that a restart restores the window itself and not only the learned baseline.
 */
import { SeriesPipeline, SeriesPipelineState, SeriesPoint } from '../core/pipeline';
import { IndicatorConfig } from './config';
import { RawWindow, rawNewest, rawNewestValue, rawPush, rawSamples, rawWindow } from './raw-window';

/** Why a sample did not enter a window; the labels of `health_entropy_samples_skipped_total`. */
export type SkipReason = 'invalid' | 'duplicate' | 'out_of_order';

/** What is persisted for one series. */
export interface SeriesSnapshot {
  indicator: string;
  host: string;
  pipeline: SeriesPipelineState;
  /** Fingerprint of the options the state was learned with (see {@link optionsFingerprint}). */
  options: string;
  /** The window's admitted samples, oldest first. */
  times: number[];
  values: number[];
}

/**
 * The options a learned state depends on. A baseline learned with other bins or another window means
 * something else, so a state whose fingerprint differs is not restored (its raw samples still are).
 */
export function optionsFingerprint(indicator: IndicatorConfig): string {
  const { entropy, baseline, trendWindow } = indicator.pipeline;
  return JSON.stringify({ entropy, baseline, trendWindow });
}

/** Escapes a Prometheus label value (backslash, quote, newline). */
export function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/**
 * A live series. Memory per series is an issue-4 target (≤ 2 KiB at W = 60 is the aim), so the fields are few:
 * the raw window is one compact array and the label string is made on demand (the renderer does not use it).
 */
export class EngineSeries {
  readonly pipeline: SeriesPipeline;
  /** Wall-clock time of the last sample received, for the staleness period. */
  lastSeenMs: number;
  /** Restored from a snapshot learned with the same options. */
  readonly compatible: boolean;
  /** Set by a Prometheus stale marker: the series ended; hidden from outputs until a new sample arrives. */
  ended = false;
  /** The window's raw samples (see `raw-window.ts`). */
  private raw: RawWindow;

  constructor(
    readonly indicator: IndicatorConfig,
    readonly host: string,
    nowMs: number,
    snapshot?: SeriesSnapshot
  ) {
    // Same options: resume the learned state. Changed options: relearn from the raw window samples.
    this.compatible = snapshot !== undefined && snapshot.options === optionsFingerprint(indicator);
    this.pipeline = new SeriesPipeline(
      { ...indicator.pipeline, detector: indicator.detector },
      this.compatible ? snapshot?.pipeline : undefined
    );
    this.lastSeenMs = nowMs;
    this.raw = rawWindow(this.pipeline.estimator.options.window);
    if (snapshot) {
      const n = Math.min(snapshot.times.length, snapshot.values.length);
      for (let i = 0; i < n; i++) {
        // Compatible: refill the window without learning (the baseline saw these samples before the restart).
        if (this.compatible) {
          this.pipeline.estimator.push(snapshot.times[i], snapshot.values[i]);
        } else {
          this.pipeline.push(snapshot.times[i], snapshot.values[i]);
        }
        this.remember(snapshot.times[i], snapshot.values[i]);
      }
    }
  }

  /** The rendered `{host="…",indicator="…"}`. */
  get labels(): string {
    return `{host="${escapeLabel(this.host)}",indicator="${this.indicator.name}"}`;
  }

  /** Offers a sample; returns the skip reason, or undefined when it was admitted. */
  push(t: number, v: number, nowMs: number): SkipReason | undefined {
    this.lastSeenMs = nowMs;
    this.ended = false;
    const point = this.pipeline.push(t, v);
    if (!point.admitted) {
      return v - v !== 0 || t - t !== 0 ? 'invalid' : t === rawNewest(this.raw) ? 'duplicate' : 'out_of_order';
    }
    this.remember(t, v);
    return undefined;
  }

  private remember(t: number, v: number): void {
    if (t > rawNewest(this.raw) && v - v === 0) {
      this.raw = rawPush(this.raw, t, v);
    }
  }

  /** Timestamp of the newest admitted sample (−Infinity when none): where a poll backfill resumes. */
  get newestT(): number {
    return rawNewest(this.raw);
  }

  /** The newest admitted raw value (NaN when none); read from the window, so a restored series has it too. */
  get newestValue(): number {
    return rawNewestValue(this.raw);
  }

  /** The last evaluation (undefined before the first admitted sample, also after a restore). */
  get current(): SeriesPoint | undefined {
    return this.pipeline.current;
  }

  /** Normalized entropy now, NaN while undefined; read straight from the estimator so a restore shows it. */
  get entropy(): number {
    const e = this.pipeline.estimator;
    return e.size >= e.options.minFill ? e.normalized : NaN;
  }

  snapshot(): SeriesSnapshot {
    const { times, values } = rawSamples(this.raw);
    return {
      indicator: this.indicator.name,
      host: this.host,
      pipeline: this.pipeline.state(),
      options: optionsFingerprint(this.indicator),
      times,
      values,
    };
  }
}
