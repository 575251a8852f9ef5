import fc from 'fast-check';
import { EwHistogram } from './ewhistogram';

/** Naive reference: explicit weights (1 − α)^age for every sample, bins of width w, smoothing over B bins. */
function naiveSurprisal(history: number[], v: number, w: number, alpha: number, lambda: number, bins: number): number {
  let total = 0;
  let same = 0;
  history.forEach((x, i) => {
    const weight = (1 - alpha) ** (history.length - 1 - i);
    total += weight;
    if (Math.floor(x / w) === Math.floor(v / w)) {
      same += weight;
    }
  });
  return Math.log((total + lambda * bins) / (same + lambda));
}

describe('EwHistogram', () => {
  it('equals the naive exponentially weighted histogram inside its span', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 7.99, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(0.001, 0.05, 0.3),
        (xs, fraction, alpha) => {
          // Inside the span [min, max] of what was seen (past it the prior thins with distance; tested below).
          const probe = Math.min(...xs) + fraction * (Math.max(...xs) - Math.min(...xs));
          const h = new EwHistogram(1, 8, alpha);
          xs.forEach((x) => h.add(x));
          expect(h.coarsenings).toBe(0);
          expect(h.surprisal(probe, 0.5)).toBeCloseTo(naiveSurprisal(xs, probe, 1, alpha, 0.5, 8), 9);
        }
      )
    );
  });

  it('coarsening is exact: the same counts as a histogram built at the final width', () => {
    fc.assert(
      fc.property(
        fc.array(
          // Subnormals are left out: v / 4w can underflow to −0 where v / w is a tiny negative (bin −1).
          fc.double({ min: -15.9, max: 15.9, noNaN: true }).map((x) => (Math.abs(x) < 1e-300 ? 0 : x)),
          { minLength: 1, maxLength: 200 }
        ),
        (xs) => {
          const fine = new EwHistogram(1, 8, 0.01);
          const coarse = new EwHistogram(4, 8, 0.01);
          xs.forEach((x) => {
            fine.add(x);
            coarse.add(x);
          });
          expect(coarse.coarsenings).toBe(0);
          expect(fine.width).toBeLessThanOrEqual(4);
          if (fine.width === 4) {
            for (const probe of [-15, -7.5, -1, 0, 3.9, 8, 12, 15.5]) {
              expect(fine.surprisal(probe, 0.5)).toBeCloseTo(coarse.surprisal(probe, 0.5), 9);
            }
          }
          expect(fine.size).toBeLessThanOrEqual(8);
        }
      )
    );
  });

  it('keeps at most maxBins bins and conserves mass across coarsening and rescaling', () => {
    const h = new EwHistogram(1e-3, 16, 0.2);
    for (let i = 0; i < 5000; i++) {
      h.add(i % 2 ? 1e300 : -(i % 97));
    }
    expect(h.size).toBeLessThanOrEqual(16);
    expect(h.coarsenings).toBeGreaterThan(900);
    // Σ (1 − α)^age over 5000 samples = (1 − 0.8^5000)/0.2 = 5.
    expect(h.mass).toBeCloseTo(5, 9);
  });

  it('scores a value past the span by its distance, never as the edge bin', () => {
    const h = new EwHistogram(1, 64, 0.01);
    for (let i = 0; i < 100; i++) {
      h.add(i % 4);
    }
    const edge = h.surprisal(3.5, 0.5);
    const next = h.surprisal(4.5, 0.5);
    const far = h.surprisal(40, 0.5);
    expect(next).toBeGreaterThan(edge);
    expect(far - next).toBeCloseTo(Math.log(38 / 2), 9);
    expect(h.maxSurprisal(0.5)).toBeGreaterThanOrEqual(h.surprisal(1e300, 0.5));
  });
});
