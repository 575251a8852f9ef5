import fc from 'fast-check';
import { encodeWriteRequest, EncodeSeries } from './encoder';
import { decodeWriteRequest, ProtobufError, Reader } from './protobuf';

interface Decoded {
  labels: Array<[string, string]>;
  samples: Array<[number, number | 'stale']>;
}

function decode(buf: Buffer): Decoded[] {
  const out: Decoded[] = [];
  decodeWriteRequest(buf, {
    series: (_key, labels) => out.push({ labels: labels(), samples: [] }),
    sample: (t, v, stale) => out[out.length - 1].samples.push([t, stale ? 'stale' : v]),
  });
  return out;
}

const label = fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 30 }));
const sample = fc.tuple(
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  fc.oneof(fc.double(), fc.constant<'stale'>('stale'))
);
const series = fc.record({
  labels: fc.array(label, { minLength: 1, maxLength: 5 }),
  samples: fc.array(sample, { maxLength: 5 }),
});

describe('remote-write protobuf decoder', () => {
  it('round-trips what the encoder writes (labels, NaN, ±Inf, negative timestamps, stale markers)', () => {
    fc.assert(
      fc.property(fc.array(series, { maxLength: 10 }), (input: EncodeSeries[]) => {
        expect(decode(encodeWriteRequest(input))).toEqual(input);
      }),
      { numRuns: 300 }
    );
  });

  it('gives equal keys to equal label sets and different keys to different ones', () => {
    const keys: string[] = [];
    const buf = encodeWriteRequest([
      {
        labels: [
          ['__name__', 'up'],
          ['instance', 'a'],
        ],
        samples: [],
      },
      {
        labels: [
          ['__name__', 'up'],
          ['instance', 'b'],
        ],
        samples: [],
      },
      {
        labels: [
          ['__name__', 'up'],
          ['instance', 'a'],
        ],
        samples: [],
      },
    ]);
    decodeWriteRequest(buf, { series: (k) => keys.push(k), sample: () => undefined });
    expect(keys[0]).toBe(keys[2]);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it.each([
    ['truncated varint', [0x0a, 0x80]],
    ['varint longer than 10 bytes', [0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ['length past the end', [0x0a, 0x05, 0x0a]],
    ['huge declared length', [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]],
    ['group wire type', [0x0b]],
    ['series without labels', [0x0a, 0x00]],
    ['truncated double', [0x0a, 0x0a, 0x0a, 0x03, 0x0a, 0x01, 0x61, 0x12, 0x03, 0x09, 0x00, 0x00]],
    ['invalid UTF-8 label', [0x0a, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0xff]],
  ])('rejects %s with a ProtobufError', (_name, bytes) => {
    expect(() => decode(Buffer.from(bytes))).toThrow(ProtobufError);
  });

  it('skips unknown fields of every valid wire type (forward compatibility)', () => {
    const known = encodeWriteRequest([{ labels: [['a', 'b']], samples: [[5, 1.5]] }]);
    // field 15 varint, field 14 fixed64, field 13 bytes, field 12 fixed32, then the known content
    const unknown = Buffer.from([0x78, 0x01, 0x71, 1, 2, 3, 4, 5, 6, 7, 8, 0x6a, 0x02, 0x00, 0x00, 0x65, 1, 2, 3, 4]);
    expect(decode(Buffer.concat([unknown, known]))).toEqual([{ labels: [['a', 'b']], samples: [[5, 1.5]] }]);
  });

  it('decodes int64 varints exactly, including two’s complement negatives', () => {
    for (const v of [0, 1, 127, 128, 2 ** 31, 1_700_000_000_000, 2 ** 53 - 1, -1, -1_700_000_000_000]) {
      const buf = encodeWriteRequest([{ labels: [['a', 'b']], samples: [[v, 0]] }]);
      expect(decode(buf)[0].samples[0][0]).toBe(v);
    }
    expect(new Reader(Buffer.from([0xac, 0x02])).varint()).toBe(300);
  });

  it('never throws anything but ProtobufError on random bytes, and terminates', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decode(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(ProtobufError);
        }
      }),
      { numRuns: 2000 }
    );
  });

  it('never throws anything but ProtobufError on mutated valid messages', () => {
    fc.assert(
      fc.property(
        fc.array(series, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (input, at, byte) => {
          const buf = encodeWriteRequest(input);
          buf[at % buf.length] = byte;
          try {
            decode(buf);
          } catch (e) {
            expect(e).toBeInstanceOf(ProtobufError);
          }
          try {
            decode(buf.subarray(0, at % buf.length));
          } catch (e) {
            expect(e).toBeInstanceOf(ProtobufError);
          }
        }
      ),
      { numRuns: 1000 }
    );
  });
});
