import fc from 'fast-check';
import { OptionError } from './options';
import { DetectorPoint, SeriesPipeline } from './pipeline';
import {
  learnWidth,
  resolveSurprisalOptions,
  SurprisalDetector,
  surprisalDetector,
  SurprisalOptions,
} from './surprisal';
import { seeded } from './testing';

function run(values: ArrayLike<number>, options: SurprisalOptions = {}) {
  const d = new SurprisalDetector(options);
  return Array.from(values, (v, i) => d.push(i * 1000, v));
}

describe('resolveSurprisalOptions', () => {
  it.each<[SurprisalOptions, string]>([
    [{ alpha: 0 }, 'alpha'],
    [{ alpha: 1 }, 'alpha'],
    [{ alpha: NaN }, 'alpha'],
    [{ warmup: 1 }, 'warmup'],
    [{ warmup: 2.5 }, 'warmup'],
    [{ bins: 0 }, 'bins'],
    [{ bins: 40, maxBins: 64 }, 'maxBins'],
    [{ smoothing: 0 }, 'smoothing'],
    [{ suppress: 0 }, 'suppress'],
    [{ threshold: 1.5 }, 'threshold'],
    [{ threshold: -0.1 }, 'threshold'],
    [{ window: 3 } as SurprisalOptions, 'window'],
  ])('rejects %j naming %s', (input, field) => {
    expect(() => resolveSurprisalOptions(input, 'detector.')).toThrow(OptionError);
    try {
      resolveSurprisalOptions(input, 'detector.');
    } catch (e) {
      expect((e as OptionError).field).toBe(`detector.${field}`);
      expect((e as Error).message).toContain(`detector.${field}`);
    }
  });

  it('fills defaults and keeps given values', () => {
    const o = resolveSurprisalOptions({ alpha: 0.05 });
    expect(o.alpha).toBe(0.05);
    expect(o.warmup).toBe(300);
    expect(o.maxBins).toBeGreaterThanOrEqual(2 * o.bins);
  });

  it('the factory validates at configuration time', () => {
    expect(() => surprisalDetector({ bins: -1 })).toThrow(/bins/);
  });
});

describe('learnWidth', () => {
  it.each<[string, number[], number]>([
    // Percentiles are order statistics at floor(p·(n − 1)): s[4] = 4 and s[94] = 94.
    ['uniform 0..99 over 10 bins: 5th–95th percentile range / 10', Array.from({ length: 100 }, (_, i) => i), 9],
    ['constant at 0: a small absolute width', [0, 0, 0, 0], 1e-6],
    ['constant at 5000: relative to the level', [5000, 5000, 5000], 5e-3],
  ])('%s', (_name, sample, expected) => {
    expect(learnWidth(Float64Array.from(sample), 10)).toBeCloseTo(expected, 9);
  });

  it('ignores a single spike in the warm-up', () => {
    const sample = Float64Array.from({ length: 100 }, (_, i) => (i === 50 ? 1e6 : i % 10));
    expect(learnWidth(sample, 10)).toBeLessThan(1);
  });
});

describe('SurprisalDetector', () => {
  it('is silent during warm-up and scores from the sample after it', () => {
    const points = run([1, 2, 3, 4, 5, 6], { warmup: 4, bins: 2, maxBins: 8 });
    expect(points.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(points[4]).toBeDefined();
    expect(points[5]).toBeDefined();
  });

  it('a value far outside the learned range is more surprising than a typical one, and than a near one', () => {
    const base = Array.from({ length: 400 }, (_, i) => i % 10);
    const typical = run([...base, 5])[400]!;
    const near = run([...base, 10.5])[400]!;
    const far = run([...base, 500])[400]!;
    expect(near.statistic).toBeGreaterThan(typical.statistic + 1);
    // Not clamped into an edge bin: farther is strictly more surprising.
    expect(far.statistic).toBeGreaterThan(near.statistic);
    expect(far.score).toBeGreaterThan(near.score);
    expect(far.alert).toBe(true);
    expect(typical.alert).toBe(false);
  });

  it('reports a level shift once, then suppresses the repeats for K samples', () => {
    const values = [...Array.from({ length: 400 }, (_, i) => i % 10), ...Array.from({ length: 20 }, () => 100)];
    const points = run(values, { suppress: 60 });
    expect(points[400]!.score).toBeGreaterThan(0.6);
    for (let i = 401; i < 420; i++) {
      expect(points[i]!.statistic).toBeGreaterThan(0);
      expect(points[i]!.score).toBe(0);
    }
  });

  it('learns: a value that keeps recurring stops being surprising', () => {
    const values = [...Array.from({ length: 400 }, (_, i) => i % 10), ...Array.from({ length: 600 }, () => 100)];
    const points = run(values);
    expect(points[999]!.statistic).toBeLessThan(points[400]!.statistic / 4);
  });

  it.each<[string, (i: number) => number]>([
    ['constant', () => 7],
    ['constant zero', () => 0],
    ['huge values', (i) => (i % 2 ? 1e300 : -1e300)],
    ['huge after small', (i) => (i < 350 ? i % 3 : 1e300 * (i % 5))],
    ['negative', (i) => -1000 - (i % 17)],
    ['tiny variance', (i) => 1 + (i % 3) * 1e-15],
    ['max magnitudes', (i) => (i % 3 === 0 ? Number.MAX_VALUE : i % 3 === 1 ? -Number.MAX_VALUE : 0)],
    ['subnormal', (i) => (i % 4) * 5e-324],
  ])('hostile input (%s): finite statistic, score in [0, 1], bounded memory', (_name, f) => {
    const d = new SurprisalDetector({ warmup: 300 });
    const bad: Array<[number, unknown]> = [];
    for (let i = 0; i < 2000; i++) {
      const p = d.push(i, f(i));
      const ok =
        i < 300 ? p === undefined : p!.statistic >= 0 && p!.statistic < Infinity && p!.score >= 0 && p!.score <= 1;
      if (!ok) {
        bad.push([i, p]);
      }
    }
    expect(bad).toEqual([]);
    expect(d.stateBytes).toBeLessThan(4096);
  });

  it('ignores non-finite values without changing its state', () => {
    const a = new SurprisalDetector({ warmup: 5, bins: 2, maxBins: 8 });
    const b = new SurprisalDetector({ warmup: 5, bins: 2, maxBins: 8 });
    const values = [1, 2, 3, 2, 1, 2, 3, 9];
    for (const v of values) {
      expect(a.push(0, NaN)).toBeUndefined();
      expect(a.push(0, Infinity)).toBeUndefined();
      expect(a.push(0, v)).toEqual(b.push(0, v));
    }
  });

  it('a constant series then a change: the change is surprising, the constant is not', () => {
    const points = run([...Array.from({ length: 500 }, () => 3), 3.5]);
    expect(points[499]!.statistic).toBeLessThan(0.1 * points[500]!.statistic);
    expect(points[500]!.alert).toBe(true);
  });
});

describe('after a far outlier', () => {
  it('forgets it, wins its resolution back, and then sees a shift that one coarse bin would hide', () => {
    const r = seeded(5);
    const d = new SurprisalDetector();
    let learned = NaN;
    let coarse = NaN;
    let shift: DetectorPoint | undefined;
    for (let i = 0; i < 20_000; i++) {
      const noise = (r() + r() + r() - 1.5) * 2;
      const p = d.push(i, i === 400 ? 1e9 : (i >= 19_000 ? 6 : 0) + noise);
      if (i === 399) {
        learned = d.width;
      } else if (i === 400) {
        coarse = d.width;
      } else if (i === 19_000) {
        shift = p;
      }
    }
    // 1e9 over 64 bins: the width grew by about 2^27, so +6 would have stayed inside one bin.
    expect(coarse / learned).toBeGreaterThan(1e7);
    // Splitting stops once the span exceeds a quarter of maxBins (hysteresis against coarsen/split cycles).
    expect(d.width).toBeLessThanOrEqual(2 * learned);
    expect(shift?.alert).toBe(true);
  });
});

describe('causality', () => {
  const values = fc.array(
    fc.oneof(
      { weight: 10, arbitrary: fc.double({ min: -5, max: 5, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(0, 1e9, -1e300, 1e300) }
    ),
    { minLength: 20, maxLength: 200 }
  );

  it('changing any future value never changes an earlier score', () => {
    fc.assert(
      fc.property(values, fc.nat(), values, fc.integer({ min: 2, max: 30 }), (xs, cut, tail, warmup) => {
        const j = cut % xs.length;
        const changed = [...xs.slice(0, j), ...tail];
        const options = { warmup, bins: 4, maxBins: 8, suppress: 5 };
        const a = run(xs, options).slice(0, j);
        const b = run(changed, options).slice(0, j);
        expect(b).toEqual(a);
      }),
      { numRuns: 200 }
    );
  });
});

describe('in the pipeline', () => {
  it('is fed admitted samples only and its points appear on the series point', () => {
    const r = seeded(3);
    const p = new SeriesPipeline({
      entropy: { binning: 'adaptive', bins: 5, window: 20 },
      detector: surprisalDetector({ warmup: 50 }),
    });
    const detector = new SurprisalDetector({ warmup: 50 });
    let t = 0;
    for (let i = 0; i < 300; i++) {
      const v = i % 50 === 49 ? NaN : r();
      t += i % 40 === 39 ? 0 : 1000; // duplicates are not admitted either
      const point = p.push(t, v);
      const expected = point.admitted ? detector.push(t, v) : undefined;
      expect(point.detector).toEqual(expected);
    }
  });
});
