import fc from 'fast-check';
import { OptionError } from './options';
import { SurprisalDetector, SurprisalOptions, SurprisalState } from './surprisal';

const OPTIONS: SurprisalOptions = { warmup: 20, bins: 4, maxBins: 12, suppress: 7 };

describe('SurprisalDetector state', () => {
  it('a detector resumed from JSON of its state continues exactly like the original', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constantFrom(0, 50, -1e6)), {
          maxLength: 120,
        }),
        fc.array(fc.double({ min: -5, max: 60, noNaN: true }), { minLength: 1, maxLength: 60 }),
        (before, after) => {
          const original = new SurprisalDetector(OPTIONS);
          before.forEach((v, i) => original.push(i, v));
          const saved = JSON.parse(JSON.stringify(original.state())) as SurprisalState;
          const resumed = new SurprisalDetector(OPTIONS, saved);
          after.forEach((v, i) => expect(resumed.push(i, v)).toEqual(original.push(i, v)));
        }
      ),
      { numRuns: 150 }
    );
  });

  it.each<[string, SurprisalState]>([
    ['too many warm-up values', { warmup: Array.from({ length: 20 }, () => 1), recent: { values: [], ages: [] } }],
    ['a non-finite warm-up value', { warmup: [1, null as unknown as number], recent: { values: [], ages: [] } }],
    ['suppression values not decreasing', { warmup: [], recent: { values: [0.1, 0.2], ages: [3, 1] } }],
    ['an age beyond K', { warmup: [], recent: { values: [0.3], ages: [7] } }],
    [
      'a histogram wider than maxBins',
      {
        histogram: { width: 1, lo: 0, counts: new Array(13).fill(1), g: 1, total: 13, baseWidth: 1, sinceTidy: 0 },
        recent: { values: [], ages: [] },
      },
    ],
    [
      'a negative count',
      {
        histogram: { width: 1, lo: 0, counts: [1, -1], g: 1, total: 0, baseWidth: 1, sinceTidy: 0 },
        recent: { values: [], ages: [] },
      },
    ],
    [
      'a zero width',
      {
        histogram: { width: 0, lo: 0, counts: [1], g: 1, total: 1, baseWidth: 1, sinceTidy: 0 },
        recent: { values: [], ages: [] },
      },
    ],
    [
      'a learned width above the current one',
      {
        histogram: { width: 1, lo: 0, counts: [1], g: 1, total: 1, baseWidth: 2, sinceTidy: 0 },
        recent: { values: [], ages: [] },
      },
    ],
    [
      'a tidy-up counter past maxBins',
      {
        histogram: { width: 1, lo: 0, counts: [1], g: 1, total: 1, baseWidth: 1, sinceTidy: 12 },
        recent: { values: [], ages: [] },
      },
    ],
    ['no state at all', null as unknown as SurprisalState],
  ])('rejects %s, naming detector.state', (_why, state) => {
    expect(() => new SurprisalDetector(OPTIONS, state)).toThrow(OptionError);
    expect(() => new SurprisalDetector(OPTIONS, state)).toThrow(/detector\.state|surprisal detector state/);
  });

  it('accepts a valid hand-written state (so the rejections above are about the one broken field)', () => {
    const d = new SurprisalDetector(OPTIONS, {
      histogram: { width: 1, lo: 0, counts: [5, 5], g: 1, total: 10, baseWidth: 1, sinceTidy: 11 },
      recent: { values: [0.5, 0.2], ages: [4, 1] },
    });
    expect(d.width).toBe(1);
    expect(d.push(0, 1.5)!.statistic).toBeCloseTo(Math.log((10 + 0.5 * 12) / (5 + 0.5)), 12);
  });
});
