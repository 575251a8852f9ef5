import fc from 'fast-check';
import { SlidingMax } from './slidingmax';

describe('SlidingMax', () => {
  it('equals the naive maximum of the last K values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 12 }),
        (xs, k) => {
          const m = new SlidingMax(k);
          xs.forEach((x, i) => {
            const last = xs.slice(Math.max(0, i - k), i);
            expect(m.max).toBe(last.length ? Math.max(...last) : -Infinity);
            m.push(x);
          });
        }
      )
    );
  });

  it('resumes from its state with the same maxima (ages decide when a maximum leaves)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        (before, after, k) => {
          const original = new SlidingMax(k);
          before.forEach((x) => original.push(x));
          const resumed = SlidingMax.restore(k, JSON.parse(JSON.stringify(original.state())))!;
          after.forEach((x) => {
            expect(resumed.max).toBe(original.max);
            original.push(x);
            resumed.push(x);
          });
        }
      )
    );
  });
});
