import { createEstimator, rollingEntropy } from './create';
import { EntropyOptions } from './options';
import { patternCode } from './permutation';
import { noise, sine, timestamps } from './testing';

function last(values: ArrayLike<number>, options: EntropyOptions): { bits: number; normalized: number } {
  const e = createEstimator(options);
  const t = timestamps(values.length);
  for (let i = 0; i < values.length; i++) {
    e.push(t[i], values[i]);
  }
  return { bits: e.bits, normalized: e.normalized };
}

const constant = new Float64Array(60).fill(0.42);

describe('Shannon known answers', () => {
  it.each<[string, EntropyOptions]>([
    ['fixed', { binning: 'fixed' }],
    ['adaptive', { binning: 'adaptive' }],
    ['width', { binning: 'width', width: 0.1 }],
  ])('a constant series has entropy 0 (%s)', (_, options) => {
    expect(last(constant, options)).toEqual({ bits: 0, normalized: 0 });
  });

  it.each([2, 4, 10, 16])('uniform over %i fixed bins has Hn = 1 and H = log2 B', (bins) => {
    const values = Array.from({ length: 60 }, (_, i) => ((i % bins) + 0.5) / bins);
    const r = last(values, { bins, window: 60 - (60 % bins) });
    expect(r.normalized).toBeCloseTo(1, 12);
    expect(r.bits).toBeCloseTo(Math.log2(bins), 12);
  });

  it.each<[number[], number]>([
    // counts (2, 2): 1 bit
    [[0.1, 0.1, 0.9, 0.9], 1],
    // counts (3, 1): log2 4 − (3·log2 3)/4
    [[0.1, 0.1, 0.1, 0.9], 2 - (3 * Math.log2(3)) / 4],
    // counts (1, 1, 1, 1) over 10 bins: 2 bits, normalized by log2(min(10, 4)) = 2
    [[0.05, 0.15, 0.25, 0.35], 2],
  ])('hand-computed fixed-bin entropy of %j is %f bits', (values, bits) => {
    const r = last(values, { window: 4 });
    expect(r.bits).toBeCloseTo(bits, 12);
  });

  it('clamps fixed bins: below lo in bin 0, hi and above in bin B−1', () => {
    // -5 and 0 share bin 0; 1 and 7 share bin 9: counts (2, 2) → 1 bit
    expect(last([-5, 0, 1, 7], { window: 4 }).bits).toBeCloseTo(1, 12);
  });

  it('adaptive puts the maximum in the last bin', () => {
    // lo = 0, hi = 4, B = 4: 0→0, 1→1, 2→2, 3→3, 4→3 (not 4): counts (1,1,1,2)
    const r = last([0, 1, 2, 3, 4], { binning: 'adaptive', bins: 4, window: 5 });
    const expected = Math.log2(5) - (2 * Math.log2(2)) / 5;
    expect(r.bits).toBeCloseTo(expected, 12);
    expect(r.normalized).toBeCloseTo(expected / 2, 12);
  });

  it('width normalizes by log2(n)', () => {
    const r = last([1, 2, 3, 4], { binning: 'width', width: 1, window: 4 });
    expect(r.normalized).toBeCloseTo(1, 12);
    expect(r.bits).toBeCloseTo(2, 12);
  });

  it('a clean sine has high Shannon entropy', () => {
    expect(last(sine(600), { window: 300, bins: 10 }).normalized).toBeGreaterThan(0.9);
  });
});

describe('permutation known answers', () => {
  it.each<[number[], number]>([
    [[1, 2, 3], 0], // increasing: identity pattern
    [[3, 2, 1], 5], // decreasing: last of 3! patterns
    [[2, 1, 3], 2], // x0 > x1: 1·2! + 0
    [[1, 3, 2], 1],
    [[5, 5, 5], 0], // all tied: ranked by position → identity
    [[7, 7, 3], 3], // ties: x0 = x1 → x0 ranks lower; ranks (1, 2, 0) → 1·2! + 1·1!
    [[3, 7, 7], 0],
    [[7, 3, 7], 2],
  ])('pattern code of %j is %i (ties ranked by position)', (x, code) => {
    expect(patternCode(x, 3)).toBe(code);
  });

  it('codes are a bijection onto [0, d!) for d = 3..7', () => {
    for (let d = 3; d <= 7; d++) {
      const seen = new Set<number>();
      const permute = (prefix: number[], rest: number[]) => {
        if (rest.length === 0) {
          seen.add(patternCode(prefix, d));
          return;
        }
        rest.forEach((r, i) => permute([...prefix, r], [...rest.slice(0, i), ...rest.slice(i + 1)]));
      };
      permute(
        [],
        Array.from({ length: d }, (_, i) => i)
      );
      const fact = [1, 1, 2, 6, 24, 120, 720, 5040][d];
      expect(seen.size).toBe(fact);
      expect(Math.min(...seen)).toBe(0);
      expect(Math.max(...seen)).toBe(fact - 1);
    }
  });

  it('a constant series has permutation entropy 0', () => {
    expect(last(constant, { estimator: 'permutation' }).normalized).toBe(0);
  });

  it('a clean sine has permutation entropy below 0.5', () => {
    for (const order of [3, 4, 5]) {
      expect(last(sine(600), { estimator: 'permutation', window: 300, order }).normalized).toBeLessThan(0.5);
    }
  });

  it('white noise has permutation entropy above 0.95', () => {
    for (const order of [3, 4, 5]) {
      expect(last(noise(3000, 7), { estimator: 'permutation', window: 2000, order }).normalized).toBeGreaterThan(0.95);
    }
  });

  it('a strictly increasing ramp has one pattern: entropy 0', () => {
    const ramp = Array.from({ length: 100 }, (_, i) => i);
    expect(last(ramp, { estimator: 'permutation', window: 50, order: 5, delay: 3 }).bits).toBe(0);
  });
});

describe('rollingEntropy (batch)', () => {
  it('is NaN until the window is full and aligned with the input', () => {
    const t = timestamps(5);
    const out = rollingEntropy(t, [0.1, 0.9, 0.1, 0.9, 0.9], { window: 3, bins: 2 });
    expect(out.length).toBe(5);
    expect(Number.isNaN(out[0]) && Number.isNaN(out[1])).toBe(true);
    expect(out[2]).toBeCloseTo(-(1 / 3) * Math.log2(1 / 3) - (2 / 3) * Math.log2(2 / 3), 12);
    expect(out[4]).toBeCloseTo(out[2], 12);
  });

  it('can return bits', () => {
    const out = rollingEntropy(timestamps(4), [0.1, 0.1, 0.9, 0.9], { window: 4 }, 'bits');
    expect(out[3]).toBeCloseTo(1, 12);
  });

  it('rejects arrays of different length with a sentence', () => {
    expect(() => rollingEntropy([1, 2], [1], {})).toThrow(/same length, got 2 and 1/);
  });

  it('handles empty input', () => {
    expect(rollingEntropy([], [], {}).length).toBe(0);
  });
});
