/**
 * Benchmarks of src/core: streaming and batch throughput per estimator and window, against the naive
 * recompute run in the same process, plus the figures issue 2 sets targets for.
 */
import { createEstimator, EntropyOptions, prepareOptions, rollingEntropy } from '../core';
import { naiveRollingEntropy } from '../core/reference';
import { noise, timestamps } from '../core/testing';
import { bytesPerObject, medianTiming, perSecond, round, Timing } from './measure';

const ESTIMATORS: Record<string, EntropyOptions> = {
  'shannon-fixed': { estimator: 'shannon', binning: 'fixed', bins: 10 },
  'shannon-adaptive': { estimator: 'shannon', binning: 'adaptive', bins: 10 },
  'shannon-width': { estimator: 'shannon', binning: 'width', width: 0.1 },
  'permutation-d5': { estimator: 'permutation', order: 5, delay: 1 },
};
const WINDOWS = [60, 360, 1440];

/** A series that is partly noisy, partly steady: realistic bin churn for every estimator. */
function series(n: number, seed: number): { t: Float64Array; v: Float64Array } {
  const t = timestamps(n);
  const v = noise(n, seed);
  for (let i = 0; i < n; i++) {
    if (i % 10_000 < 3_000) {
      v[i] = 0.4 + 0.05 * v[i];
    }
  }
  return { t, v };
}

/** A throughput by wall clock and per CPU second (see `medianTiming`). */
interface Rate {
  perSec: number;
  perCpuSec: number;
}

function rate(samples: number, t: Timing): Rate {
  return { perSec: perSecond(samples, t.wallMs), perCpuSec: perSecond(samples, t.cpuMs) };
}

/** Streaming: per-sample `push` calls, round-robin over `seriesCount` series. */
function streamingRate(options: EntropyOptions, seriesCount: number, pointsPerSeries: number): Rate {
  const { t, v } = series(seriesCount + pointsPerSeries, 5);
  let estimators = Array.from({ length: seriesCount }, () => createEstimator(options));
  let offset = 0;
  const timing = medianTiming(() => {
    estimators = Array.from({ length: seriesCount }, () => createEstimator(options));
    offset++;
    for (let p = 0; p < pointsPerSeries; p++) {
      const tp = t[p] + offset;
      for (let s = 0; s < seriesCount; s++) {
        estimators[s].push(tp, v[p + s]);
      }
    }
  }, 3);
  return rate(seriesCount * pointsPerSeries, timing);
}

function batchRate(options: EntropyOptions, n: number): Rate {
  const { t, v } = series(n, 7);
  return rate(
    n,
    medianTiming(() => rollingEntropy(t, v, options))
  );
}

function naiveRate(options: EntropyOptions, n: number): Rate {
  const { t, v } = series(n, 7);
  const o = prepareOptions(options);
  return rate(
    n,
    medianTiming(() => naiveRollingEntropy(t, v, o), 1)
  );
}

/** Runs every core benchmark; returns one JSON-able record. */
export function benchCore(): Record<string, unknown> {
  const estimators: Record<string, unknown> = {};
  for (const [name, base] of Object.entries(ESTIMATORS)) {
    for (const W of WINDOWS) {
      const options = { ...base, window: W };
      const batch = batchRate(options, 2_000_000);
      const streaming = streamingRate(options, 1_000, 1_000);
      // The naive recompute is O(W) per sample: give it fewer samples, enough to fill the window many times.
      const naive = naiveRate(options, Math.max(4 * W, Math.round(3_000_000 / W)));
      estimators[`${name} W=${W}`] = {
        batchSamplesPerCpuSec: batch.perCpuSec,
        streamingSamplesPerCpuSec: streaming.perCpuSec,
        naiveSamplesPerCpuSec: naive.perCpuSec,
        batchVsNaive: round(batch.perCpuSec / naive.perCpuSec),
        streamingVsNaive: round(streaming.perCpuSec / naive.perCpuSec),
      };
    }
  }

  const fixed60 = { ...ESTIMATORS['shannon-fixed'], window: 60 };
  const streaming10k = streamingRate(fixed60, 10_000, 200);
  const batchFixed60 = batchRate(fixed60, 4_000_000);
  const batchPerm5 = batchRate({ ...ESTIMATORS['permutation-d5'], window: 60 }, 4_000_000);
  const naiveFixed60 = naiveRate(fixed60, 50_000);

  // 1,000 series × 1,000 points through the batch API, as the browser does for a panel.
  const grid = Array.from({ length: 1_000 }, (_, i) => series(1_000, i + 1));
  const grid1000 = medianTiming(() => {
    for (const s of grid) {
      rollingEntropy(s.t, s.v, fixed60);
    }
  });

  const stateBytes: Record<string, number> = {};
  for (const [name, base] of Object.entries(ESTIMATORS)) {
    const options = prepareOptions({ ...base, window: 60 });
    const { t, v } = series(120, 3);
    stateBytes[name] = Math.round(
      bytesPerObject(10_000, () => {
        const e = createEstimator(options);
        for (let i = 0; i < 120; i++) {
          e.push(t[i], v[i]);
        }
        return e;
      })
    );
  }

  return {
    estimators,
    // Targets are per core: judged on CPU time (wall-clock figures beside them; equal on an idle machine).
    targets: {
      batchShannonFixedW60: {
        samplesPerCpuSec: batchFixed60.perCpuSec,
        samplesPerSec: batchFixed60.perSec,
        target: 40e6,
        vsNaive: round(batchFixed60.perCpuSec / naiveFixed60.perCpuSec),
        met: batchFixed60.perCpuSec >= 40e6,
      },
      streamingShannonFixedW60Across10kSeries: {
        samplesPerCpuSec: streaming10k.perCpuSec,
        samplesPerSec: streaming10k.perSec,
        target: 15e6,
        vsNaive: round(streaming10k.perCpuSec / naiveFixed60.perCpuSec),
        met: streaming10k.perCpuSec >= 15e6,
      },
      batchPermutationD5W60: {
        samplesPerCpuSec: batchPerm5.perCpuSec,
        samplesPerSec: batchPerm5.perSec,
        target: 15e6,
        met: batchPerm5.perCpuSec >= 15e6,
      },
      batch1000x1000Ms: {
        cpuMs: round(grid1000.cpuMs),
        wallMs: round(grid1000.wallMs),
        target: 40,
        met: grid1000.cpuMs <= 40,
      },
      stateBytesPerSeriesW60: { bytes: stateBytes, target: 1024, met: stateBytes['shannon-fixed'] <= 1024 },
    },
  };
}
