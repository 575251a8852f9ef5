/**
 * Replays a recorded series through exactly the code the engine runs per series: a {@link SeriesPipeline}
 * (window entropy → baseline → trend) with the surprisal detector in its detector seam.
 */
import { BaselineOptions, EntropyOptions, SeriesPipeline } from '../core';
import { surprisalDetector, SurprisalOptions } from '../core/surprisal';

/** What to run; every part defaults to the engine's defaults except the entropy binning (below). */
export interface ReplayOptions {
  entropy?: EntropyOptions;
  baseline?: BaselineOptions;
  detector?: SurprisalOptions;
}

/**
 * Recorded files hold raw values in any unit (bytes, percent, requests), so replay bins the window adaptively
 * (between its own min and max) unless told otherwise; the engine's default `fixed` 0..1 suits ratios only.
 */
export const REPLAY_ENTROPY: EntropyOptions = { estimator: 'shannon', binning: 'adaptive', bins: 10 };

/** Per-row results; NaN (and alert 0) where a value is not defined or the row was not admitted. */
export interface ReplayColumns {
  entropy: Float64Array;
  baseline: Float64Array;
  z: Float64Array;
  surprisal: Float64Array;
  /** Anomaly score in [0, 1]; 0 where the detector gave none (warm-up, skipped rows). */
  score: Float64Array;
  alert: Uint8Array;
}

/** Runs one series. Throws an OptionError (naming the field) for bad options, before any row. */
export function replaySeries(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  options: ReplayOptions = {},
  onProgress?: (done: number) => void
): ReplayColumns {
  const pipeline = new SeriesPipeline({
    entropy: options.entropy ?? REPLAY_ENTROPY,
    baseline: options.baseline,
    detector: surprisalDetector(options.detector),
  });
  const n = values.length;
  const out: ReplayColumns = {
    entropy: new Float64Array(n),
    baseline: new Float64Array(n),
    z: new Float64Array(n),
    surprisal: new Float64Array(n),
    score: new Float64Array(n),
    alert: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const p = pipeline.push(timestamps[i], values[i]);
    out.entropy[i] = p.entropy;
    out.baseline[i] = p.baseline;
    out.z[i] = p.z;
    out.surprisal[i] = p.detector?.statistic ?? NaN;
    out.score[i] = p.detector?.score ?? 0;
    out.alert[i] = p.detector?.alert ? 1 : 0;
    if (onProgress && (i & 0x3ff) === 0x3ff) {
      onProgress(i + 1);
    }
  }
  onProgress?.(n);
  return out;
}
