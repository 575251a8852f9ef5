import fc from 'fast-check';
import { leastSquaresSlope, TrendTracker } from './trend';

describe('trend', () => {
  it.each<[number[], number[], number]>([
    [[0, 1000, 2000], [0, 1, 2], 1], // one per second
    [[0, 60_000, 120_000], [0.5, 0.5, 0.5], 0],
    [[0, 1000, 2000, 3000], [1, 0, 1, 0], -0.2],
  ])('slope of %j / %j is %f per second', (t, y, slope) => {
    expect(leastSquaresSlope(t, y)).toBeCloseTo(slope, 12);
  });

  it('is NaN with fewer than two points or one distinct time', () => {
    expect(leastSquaresSlope([1], [1])).toBeNaN();
    expect(leastSquaresSlope([], [])).toBeNaN();
  });

  it('keeps precision at epoch-millisecond timestamps', () => {
    const t0 = 1_800_000_000_000;
    expect(leastSquaresSlope([t0, t0 + 1000, t0 + 2000], [0, 0.001, 0.002])).toBeCloseTo(0.001, 12);
  });

  it('the tracker equals a fit over its last k points', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 200 }),
        fc.integer({ min: 2, max: 12 }),
        (ys, k) => {
          const tracker = new TrendTracker(k);
          ys.forEach((y, i) => tracker.push(1.8e12 + i * 15_000, y));
          const tail = ys.slice(-k);
          const ts = tail.map((_, i) => 1.8e12 + (ys.length - tail.length + i) * 15_000);
          const expected = leastSquaresSlope(ts, tail);
          const actual = tracker.slope();
          if (Number.isNaN(expected)) {
            expect(actual).toBeNaN();
          } else {
            expect(actual).toBeCloseTo(expected, 9);
          }
        }
      )
    );
  });

  it('ignores NaN points and rejects a bad window', () => {
    const tracker = new TrendTracker(3);
    tracker.push(0, 0);
    tracker.push(1000, NaN);
    tracker.push(2000, 2);
    expect(tracker.slope()).toBeCloseTo(1, 12);
    expect(() => new TrendTracker(1)).toThrow(/trendWindow must be an integer from 2/);
  });
});
