import fc from 'fast-check';
import { rawNewest, rawNewestValue, rawPush, rawSamples, rawWindow } from './raw-window';

describe('raw window', () => {
  it('holds the last W samples exactly, packed or with full timestamps (naive reference: a list)', () => {
    // Steps that pack (small integers), that do not (fractions, ≥ 2^26 ms), and epoch-sized starts.
    const step = fc.oneof(
      fc.integer({ min: 1, max: 120_000 }),
      fc.constantFrom(2 ** 26 - 1, 2 ** 26, 2 ** 30),
      fc.double({ min: 0.001, max: 10, noNaN: true })
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.oneof(fc.constant(0), fc.constant(1_700_000_000_000), fc.integer({ min: -1e12, max: 1e12 })),
        fc.array(fc.tuple(step, fc.double({ noNaN: true, noDefaultInfinity: true })), { maxLength: 40 }),
        (w, start, steps) => {
          let raw = rawWindow(w);
          const all: Array<[number, number]> = [];
          let t = start;
          for (const [d, v] of steps) {
            t += d;
            raw = rawPush(raw, t, v);
            all.push([t, v]);
            const last = all.slice(-w);
            expect(rawSamples(raw)).toEqual({ times: last.map(([x]) => x), values: last.map(([, y]) => y) });
            expect(rawNewest(raw)).toBe(t);
            expect(rawNewestValue(raw)).toBe(v);
          }
        }
      ),
      { numRuns: 500 }
    );
  });

  it('is empty at first', () => {
    expect(rawSamples(rawWindow(3))).toEqual({ times: [], values: [] });
    expect(rawNewest(rawWindow(3))).toBe(-Infinity);
    expect(rawNewestValue(rawWindow(3))).toBeNaN();
  });
});
