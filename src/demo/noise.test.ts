import { bounded, clamp, smooth, uniform } from './noise';

describe('noise', () => {
  it('is a pure function of (seed, channel, step)', () => {
    expect(uniform(1, 2, 3)).toBe(uniform(1, 2, 3));
    expect(uniform(1, 2, 3)).not.toBe(uniform(1, 2, 4));
    expect(uniform(1, 2, 3)).not.toBe(uniform(1, 3, 3));
    expect(uniform(1, 2, 3)).not.toBe(uniform(2, 2, 3));
  });

  it('uniform lies in [0, 1) with mean 1/2 and variance 1/12', () => {
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = uniform(7, 1, i);
      outside += u >= 0 && u < 1 ? 0 : 1;
      sum += u;
      sq += u * u;
    }
    const mean = sum / n;
    expect(outside).toBe(0);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sq / n - mean * mean).toBeCloseTo(1 / 12, 2);
  });

  it('bounded noise has mean 0, standard deviation 1 and never leaves ±3', () => {
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const x = bounded(3, 5, i);
      sum += x;
      sq += x * x;
      max = Math.max(max, Math.abs(x));
    }
    expect(sum / n).toBeCloseTo(0, 1);
    expect(Math.sqrt(sq / n)).toBeCloseTo(1, 1);
    expect(max).toBeLessThanOrEqual(3);
    expect(max).toBeGreaterThan(2.5);
  });

  it('smooth noise passes through its knots and moves little from one step to the next', () => {
    const period = 20;
    let biggestStep = 0;
    let largest = 0;
    for (let i = 0; i < 2000; i++) {
      const a = smooth(9, 1, i, period);
      largest = Math.max(largest, Math.abs(a));
      biggestStep = Math.max(biggestStep, Math.abs(smooth(9, 1, i + 1, period) - a));
    }
    // Between knots at most 2 apart, a cosine step of 1/20 moves at most 2·π/(2·20) ≈ 0.157.
    expect(largest).toBeLessThanOrEqual(1);
    expect(biggestStep).toBeLessThan(0.16);
    expect(smooth(9, 1, 40, period)).toBeCloseTo(bounded(9, 1, 2) / 3, 12);
  });

  it.each([
    [-0.5, 0],
    [0.5, 0.5],
    [1.5, 1],
  ])('clamp(%p) = %p', (x, y) => {
    expect(clamp(x)).toBe(y);
  });
});
