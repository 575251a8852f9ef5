/**
 * Property tests: every streaming estimator equals a naive recompute of its window, and the batch API equals
 * the streaming one, on random series with NaN, ±Inf, duplicates and out-of-order points.
 */
import fc from 'fast-check';
import { createEstimator, prepareOptions, rollingEntropy } from './create';
import { EntropyOptions } from './options';
import { naiveRollingEntropy } from './reference';
import { seeded } from './testing';

const value = fc.oneof(
  { weight: 12, arbitrary: fc.double({ min: -2, max: 3, noNaN: true }) },
  { weight: 4, arbitrary: fc.constantFrom(0, 0.5, 1, 1.5) }, // ties and bin edges
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1e300, -1e300) }
);

/** Mostly increasing timestamps, with duplicates, steps back and gaps. */
const series = fc.array(fc.tuple(fc.integer({ min: -3, max: 40 }), value), { maxLength: 300 }).map((rows) => {
  let t = 1_000;
  const ts: number[] = [];
  const vs: number[] = [];
  for (const [dt, v] of rows) {
    t += dt;
    ts.push(t);
    vs.push(v);
  }
  return { ts, vs };
});

const shannon: fc.Arbitrary<EntropyOptions> = fc.record({
  estimator: fc.constant('shannon' as const),
  binning: fc.constantFrom('fixed' as const, 'adaptive' as const, 'width' as const),
  window: fc.integer({ min: 2, max: 80 }),
  bins: fc.integer({ min: 2, max: 20 }),
  lo: fc.constantFrom(-1, 0, 0.25),
  hi: fc.constantFrom(1, 2.5),
  width: fc.constantFrom(0.05, 0.3, 1, 7),
  maxAgeMs: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
});

const permutation: fc.Arbitrary<EntropyOptions> = fc
  .record({
    order: fc.integer({ min: 3, max: 7 }),
    delay: fc.integer({ min: 1, max: 4 }),
    extra: fc.integer({ min: 0, max: 60 }),
    maxAgeMs: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
  })
  .map(({ order, delay, extra, maxAgeMs }) => ({
    estimator: 'permutation' as const,
    order,
    delay,
    window: (order - 1) * delay + 1 + extra,
    maxAgeMs,
  }));

const withMinFill = (options: fc.Arbitrary<EntropyOptions>) =>
  fc.tuple(options, fc.double({ min: 0, max: 1, noNaN: true })).map(([o, f]) => {
    const lag = o.estimator === 'permutation' ? (o.order! - 1) * o.delay! : 0;
    const lowest = lag + 1;
    return { ...o, minFill: lowest + Math.floor(f * (o.window! - lowest)) };
  });

function expectClose(actual: Float64Array, expected: Float64Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (Number.isNaN(expected[i])) {
      expect(actual[i]).toBeNaN();
    } else {
      expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(1e-9);
    }
  }
}

describe.each([
  ['shannon', withMinFill(shannon)],
  ['permutation', withMinFill(permutation)],
])('%s estimators', (_, options) => {
  it('streaming equals a naive recompute of the window (normalized and bits)', () => {
    fc.assert(
      fc.property(series, options, ({ ts, vs }, o) => {
        const resolved = prepareOptions(o);
        const e = createEstimator(resolved);
        const hn = new Float64Array(vs.length);
        const bits = new Float64Array(vs.length);
        for (let i = 0; i < vs.length; i++) {
          const r = e.push(ts[i], vs[i]);
          hn[i] = r === undefined ? NaN : r;
          bits[i] = r === undefined ? NaN : e.bits;
          if (r !== undefined) {
            expect(r).toBeGreaterThanOrEqual(0);
            expect(r).toBeLessThanOrEqual(1);
          }
        }
        expectClose(hn, naiveRollingEntropy(ts, vs, resolved));
        expectClose(bits, naiveRollingEntropy(ts, vs, resolved, 'bits'));
      }),
      { numRuns: 300 }
    );
  });

  it('batch equals streaming exactly', () => {
    fc.assert(
      fc.property(series, options, ({ ts, vs }, o) => {
        const e = createEstimator(o);
        const batch = rollingEntropy(ts, vs, o);
        for (let i = 0; i < vs.length; i++) {
          const r = e.push(ts[i], vs[i]);
          expect(batch[i]).toBe(r === undefined ? NaN : r);
        }
      }),
      { numRuns: 150 }
    );
  });

  it('pushMany continues a window that push started (and push one that pushMany left), in bits too', () => {
    fc.assert(
      fc.property(series, options, fc.double({ min: 0, max: 1, noNaN: true }), ({ ts, vs }, o, f) => {
        const cut = Math.floor(f * vs.length);
        const mixed = createEstimator(o);
        const plain = createEstimator(o);
        const head = new Float64Array(cut);
        mixed.pushMany(ts.slice(0, cut), vs.slice(0, cut), head, 'bits');
        const tail = new Float64Array(vs.length - cut);
        mixed.pushMany(ts.slice(cut), vs.slice(cut), tail, 'bits');
        const again = createEstimator(o);
        for (let i = 0; i < vs.length; i++) {
          const r = plain.push(ts[i], vs[i]);
          expect(i < cut ? head[i] : tail[i - cut]).toBe(r === undefined ? NaN : plain.bits);
          if (i >= cut) {
            // An estimator fed by push first, then by pushMany from here on.
            const one = new Float64Array(1);
            again.pushMany([ts[i]], [vs[i]], one, 'normalized');
            expect(one[0]).toBe(r === undefined ? NaN : r);
          } else {
            again.push(ts[i], vs[i]);
          }
        }
        expect(mixed.stats).toEqual(plain.stats);
      }),
      { numRuns: 150 }
    );
  });
});

describe('no drift', () => {
  it.each<[string, EntropyOptions]>([
    ['fixed', { binning: 'fixed', window: 60, bins: 16 }],
    ['width', { binning: 'width', window: 60, width: 0.07 }],
    ['adaptive', { binning: 'adaptive', window: 60, bins: 16 }],
    ['permutation', { estimator: 'permutation', window: 60, order: 5 }],
  ])('after 10⁷ updates the %s estimator still equals a naive recompute', (_, options) => {
    const e = createEstimator(options);
    const r = seeded(11);
    const n = 10_000_000;
    const w = options.window!;
    const tail = new Float64Array(w);
    for (let i = 0; i < n; i++) {
      // A bursty series, so counts swing between few and many bins.
      const v = i % 5000 < 2500 ? r() : 0.5 + 0.01 * r();
      e.push(i, v);
      if (i >= n - w) {
        tail[i - (n - w)] = v;
      }
    }
    const naive = naiveRollingEntropy(
      Array.from({ length: w }, (_, i) => i),
      tail,
      prepareOptions(options),
      'bits'
    );
    expect(Math.abs(e.bits - naive[w - 1])).toBeLessThanOrEqual(1e-9);
  });
});
