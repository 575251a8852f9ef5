import fc from 'fast-check';
import { parseConfig } from './config';
import { EngineSeries } from './series';

const [indicator] = parseConfig(
  'defaults: { window: 5, baseline: { warmup: 2 } }\nindicators: [{ name: cpu, selector: up }]',
  {},
  { env: {} }
).indicators;

const sample = fc.tuple(
  fc.integer({ min: 0, max: 60 }).map((k) => 1_700_000_000_000 + k * 1000),
  fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(NaN, Infinity, -Infinity))
);

describe('EngineSeries', () => {
  it('keeps the last W admitted samples, oldest first (naive reference: a list)', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 40 }), (samples) => {
        const s = new EngineSeries(indicator, 'h', 0);
        const admitted: Array<[number, number]> = [];
        for (const [t, v] of samples) {
          const newest = admitted.length ? admitted[admitted.length - 1][0] : -Infinity;
          const reason = s.push(t, v, 0);
          expect(reason === undefined).toBe(Number.isFinite(v) && t > newest);
          if (reason === undefined) {
            admitted.push([t, v]);
          }
        }
        const last = admitted.slice(-5);
        const snap = s.snapshot();
        expect(snap.times).toEqual(last.map(([t]) => t));
        expect(snap.values).toEqual(last.map(([, v]) => v));
        expect(s.newestT).toBe(admitted.length ? admitted[admitted.length - 1][0] : -Infinity);
        expect(s.newestValue).toBe(admitted.length ? admitted[admitted.length - 1][1] : NaN);
      })
    );
  });

  it('restores from its snapshot to the same window and the same next evaluation', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (samples, v) => {
        const live = new EngineSeries(indicator, 'h', 0);
        samples.forEach(([ts, vs]) => live.push(ts, vs, 0));
        const back = new EngineSeries(indicator, 'h', 0, live.snapshot());
        expect(back.snapshot()).toEqual(live.snapshot());
        expect(back.entropy).toBe(live.entropy);
        // A restored series has no evaluation until its next admitted sample; then it matches.
        const next = 1_700_000_100_000;
        expect(back.push(next, v, 0)).toBe(live.push(next, v, 0));
        expect(back.current).toEqual(live.current);
      })
    );
  });

  it('renders its labels escaped', () => {
    expect(new EngineSeries(indicator, 'a"b\\c\nd', 0).labels).toBe('{host="a\\"b\\\\c\\nd",indicator="cpu"}');
  });
});
