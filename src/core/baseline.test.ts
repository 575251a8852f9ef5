import fc from 'fast-check';
import { Baseline, BaselineOptions, resolveBaselineOptions, rollingBaseline } from './baseline';
import { OptionError } from './options';

/** Naive reference: the same recurrence written out over the whole history, no state object. */
function naiveMeanVariance(xs: number[], alpha: number): { mean: number; variance: number } {
  let mean = NaN;
  let variance = 0;
  xs.forEach((x, i) => {
    const a = Math.max(alpha, 1 / (i + 1));
    if (i === 0) {
      mean = x;
      variance = 0;
      return;
    }
    const diff = x - mean;
    mean += a * diff;
    variance = (1 - a) * (variance + diff * a * diff);
  });
  return { mean, variance };
}

describe('Baseline', () => {
  it('reports nothing during warm-up, then deviation and z against the values before', () => {
    const b = new Baseline({ warmup: 3, sigmaMin: 0.01 });
    expect(b.observe(0.5).ready).toBe(false);
    b.observe(0.5);
    const third = b.observe(0.5);
    expect(third.deviation).toBeNaN();
    const p = b.observe(0.6);
    expect(p.ready).toBe(true);
    expect(p.mean).toBeCloseTo(0.5, 12);
    expect(p.deviation).toBeCloseTo(0.1, 12);
    // σ is 0, so z uses σmin
    expect(p.z).toBeCloseTo(10, 9);
  });

  it('during warm-up the mean is the plain running mean (α = max(α, 1/n))', () => {
    const b = new Baseline({ warmup: 100, alpha: 0.01 });
    [0.2, 0.4, 0.6].forEach((x) => b.observe(x));
    expect(b.state().mean).toBeCloseTo(0.4, 12);
    // population variance of (0.2, 0.4, 0.6) is 0.08/3
    expect(b.state().variance).toBeCloseTo(0.08 / 3, 12);
  });

  it('matches the naive recurrence on random histories', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (xs, alpha) => {
          const b = new Baseline({ alpha, freezeZ: Infinity, warmup: 1 });
          xs.forEach((x) => b.observe(x));
          const naive = naiveMeanVariance(xs, alpha);
          expect(b.state().mean).toBeCloseTo(naive.mean, 9);
          expect(b.state().variance).toBeCloseTo(naive.variance, 9);
        }
      )
    );
  });

  it('freezes while an anomaly is open and resumes after maxFrozen', () => {
    const b = new Baseline({ warmup: 5, freezeZ: 3, maxFrozen: 4, sigmaMin: 0.01 });
    for (let i = 0; i < 5; i++) {
      b.observe(0.5);
    }
    const frozen = [0, 1, 2, 3].map(() => b.observe(0.9));
    expect(frozen.every((p) => p.frozen)).toBe(true);
    expect(b.state().mean).toBeCloseTo(0.5, 12);
    // Open for maxFrozen evaluations: the level is learned from now on.
    const learning = b.observe(0.9);
    expect(learning.frozen).toBe(false);
    expect(b.state().mean).toBeGreaterThan(0.5);
  });

  it('an explicit anomalyOpen overrides the z rule', () => {
    const b = new Baseline({ warmup: 1 });
    b.observe(0.5);
    expect(b.observe(0.5, true).frozen).toBe(true);
    expect(b.observe(0.99, false).frozen).toBe(false);
  });

  it('skips NaN without learning it', () => {
    const b = new Baseline({ warmup: 1 });
    b.observe(0.5);
    const p = b.observe(NaN);
    expect(p.deviation).toBeNaN();
    expect(b.state().count).toBe(1);
  });

  it('restores a saved state exactly and rejects a corrupt one', () => {
    const a = new Baseline({ warmup: 2 });
    [0.1, 0.3, 0.2].forEach((x) => a.observe(x));
    const b = new Baseline({ warmup: 2 }, a.state());
    expect(b.observe(0.25)).toEqual(a.observe(0.25));
    expect(() => new Baseline({}, { count: -1, mean: 0, variance: 0, frozenRun: 0 })).toThrow(OptionError);
    expect(() => new Baseline({}, { count: 3, mean: NaN, variance: 0, frozenRun: 0 })).toThrow(/not valid/);
  });

  it.each<[BaselineOptions, string]>([
    [{ warmup: 0 }, 'warmup'],
    [{ alpha: 0 }, 'alpha'],
    [{ alpha: 1.5 }, 'alpha'],
    [{ sigmaMin: -1 }, 'sigmaMin'],
    [{ freezeZ: 0 }, 'freezeZ'],
    [{ maxFrozen: 0.5 }, 'maxFrozen'],
    [{ alhpa: 0.1 } as BaselineOptions, 'alhpa'],
  ])('rejects %j naming %s', (input, field) => {
    expect(() => resolveBaselineOptions(input)).toThrow(expect.objectContaining({ field }));
  });

  it('rollingBaseline equals observing one by one', () => {
    const xs = [0.1, 0.2, NaN, 0.3, 0.2, 0.25, 0.9];
    const r = rollingBaseline(xs, { warmup: 2 });
    const b = new Baseline({ warmup: 2 });
    xs.forEach((x, i) => {
      const p = b.observe(x);
      expect(Object.is(r.z[i], p.z) || Math.abs(r.z[i] - p.z) === 0).toBe(true);
      expect(Object.is(r.mean[i], p.mean)).toBe(true);
    });
  });
});
