import fc from 'fast-check';
import { ExpositionWriter, formatSample } from './exposition-writer';

function written(x: number): string {
  const w = new ExpositionWriter();
  w.reserve(64);
  w.number(x);
  return w.bytes().toString('latin1');
}

describe('ExpositionWriter.number', () => {
  it('writes the digits formatSample makes, for any double', () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        expect(written(x)).toBe(formatSample(x));
      }),
      { numRuns: 10_000 }
    );
  });

  it('writes the digits formatSample makes in the twelve-decimal range, ties included', () => {
    const inRange = fc.double({ min: 1e-3, max: 1e9, noNaN: true, maxExcluded: true });
    // x.5e-12 exactly halfway between two outputs (as far as a double can be), and dyadic fractions.
    const ties = fc
      .tuple(fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: 0, max: 999_999_999_999 }))
      .map(([i, f]) => i + (f + 0.5) / 1e12);
    const dyadic = fc
      .tuple(fc.integer({ min: 1, max: 2 ** 30 }), fc.integer({ min: 0, max: 45 }))
      .map(([k, e]) => k / 2 ** e);
    fc.assert(
      fc.property(fc.oneof(inRange, ties, dyadic), fc.boolean(), (a, negative) => {
        const x = negative ? -a : a;
        expect(written(x)).toBe(formatSample(x));
      }),
      { numRuns: 20_000 }
    );
  });

  it.each([
    0,
    -0,
    1e-3,
    0.000999999999999,
    0.9999999999995,
    0.99999999999949,
    999_999_999.9999995,
    1e9,
    0.1,
    1 / 3,
    0.5000000000005,
    123.4567890123455,
    16 / 17,
    -16 / 17,
    5e-324,
    -Number.MAX_VALUE,
  ])('writes %p as formatSample does', (x) => {
    expect(written(x)).toBe(formatSample(x));
  });
});

describe('ExpositionWriter', () => {
  it('writes strings as UTF-8 and text across growth of its buffer', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'grapheme' }), fc.double())), (lines) => {
        const w = new ExpositionWriter();
        let expected = '';
        for (const [labels, v] of lines) {
          w.sample('m', `{a="${labels}"}`, v);
          w.text('# x\n');
          expected += `m{a="${labels}"} ${formatSample(v)}\n# x\n`;
        }
        expect(w.bytes().toString('utf8')).toBe(expected);
        w.release();
      })
    );
  });

  it('reuses a released buffer without showing its old content', () => {
    const a = new ExpositionWriter();
    a.text('x'.repeat(200_000));
    a.release();
    const b = new ExpositionWriter();
    b.text('short\n');
    expect(b.bytes().toString()).toBe('short\n');
  });
});
