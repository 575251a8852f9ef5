import fc from 'fast-check';
import { NaiveSurprisal } from './naivesurprisal';
import { SurprisalDetector } from './surprisal';

describe('SurprisalDetector against its naive reference', () => {
  const value = fc.oneof(
    { weight: 20, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
    { weight: 2, arbitrary: fc.constantFrom(0, 1, 2.5) },
    // Far values force the histogram to coarsen.
    { weight: 1, arbitrary: fc.constantFrom(40, -300, 1e6, 1e12) }
  );

  it('gives the same statistic, score and alert on random series', () => {
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 250 }),
        fc.record({
          warmup: fc.integer({ min: 2, max: 40 }),
          alpha: fc.constantFrom(0.01, 0.2),
          bins: fc.integer({ min: 1, max: 6 }),
          maxBins: fc.constantFrom(12, 16),
          smoothing: fc.constantFrom(0.1, 1),
          suppress: fc.integer({ min: 1, max: 20 }),
          threshold: fc.constantFrom(0.3, 0.6),
        }),
        (xs, options) => {
          const fast = new SurprisalDetector(options);
          const naive = new NaiveSurprisal(options);
          xs.forEach((x, i) => {
            const a = fast.push(i, x);
            const b = naive.push(i, x);
            expect(a === undefined).toBe(b === undefined);
            if (a && b) {
              expect(a.statistic).toBeCloseTo(b.statistic, 9);
              expect(a.score).toBeCloseTo(b.score, 9);
              if (Math.abs(b.score - options.threshold) > 1e-9) {
                expect(a.alert).toBe(b.alert);
              }
            }
          });
        }
      ),
      { numRuns: 150 }
    );
  });

  it('agrees while a coarsened histogram forgets an outlier and splits its bins again', () => {
    const normal = fc.double({ min: -3, max: 3, noNaN: true });
    fc.assert(
      fc.property(
        fc.array(normal, { minLength: 30, maxLength: 60 }),
        fc.constantFrom(1e3, -1e5, 1e9),
        fc.array(normal, { minLength: 200, maxLength: 400 }),
        (before, outlier, after) => {
          const options = { warmup: 20, alpha: 0.2, bins: 4, maxBins: 12, suppress: 5 };
          const fast = new SurprisalDetector(options);
          const naive = new NaiveSurprisal(options);
          [...before, outlier, ...after].forEach((x, i) => {
            const a = fast.push(i, x);
            const b = naive.push(i, x);
            expect(a === undefined).toBe(b === undefined);
            if (a && b) {
              expect(a.statistic).toBeCloseTo(b.statistic, 9);
              expect(a.score).toBeCloseTo(b.score, 9);
            }
          });
          // The outlier coarsened the histogram and it has split back at least once.
          expect(fast.width).toBeLessThan(Math.abs(outlier) / 12);
        }
      ),
      // Runs are long and the reference is slow: report the first failure as is rather than shrink for minutes.
      { numRuns: 40, endOnFailure: true }
    );
  });
});
