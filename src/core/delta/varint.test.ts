import { ByteReader, ByteWriter, FrameError, MAX_VARINT, MAX_ZIGZAG, unzigzag, zigzag } from './varint';
import fc from 'fast-check';

function bytesOf(write: (w: ByteWriter) => void): number[] {
  const w = new ByteWriter();
  write(w);
  return Array.from(w.finish());
}

describe('zigzag', () => {
  it.each([
    [0, 0],
    [-1, 1],
    [1, 2],
    [-2, 3],
    [2, 4],
    [2 ** 31 - 1, 2 ** 32 - 2],
    [-(2 ** 31), 2 ** 32 - 1],
    [2 ** 31, 2 ** 32], // where `n << 1` would wrap
    [-(2 ** 31) - 1, 2 ** 32 + 1],
    [2 ** 40, 2 ** 41],
    [MAX_ZIGZAG, MAX_VARINT - 1],
    [-MAX_ZIGZAG, MAX_VARINT - 2],
  ])('%d ↔ %d', (n, u) => {
    expect(zigzag(n)).toBe(u);
    expect(unzigzag(u)).toBe(n);
  });

  it.each([NaN, 0.5, Infinity, MAX_ZIGZAG + 1, -MAX_ZIGZAG - 1])('rejects %d', (n) => {
    expect(() => zigzag(n)).toThrow(RangeError);
  });
});

describe('varint', () => {
  it.each([
    [0, [0]],
    [1, [1]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [300, [0xac, 0x02]],
    [2 ** 31, [0x80, 0x80, 0x80, 0x80, 0x08]],
    [2 ** 32, [0x80, 0x80, 0x80, 0x80, 0x10]],
    [MAX_VARINT, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]],
  ])('%d is written as %j and read back', (n, bytes) => {
    expect(bytesOf((w) => w.uvarint(n))).toEqual(bytes);
    expect(new ByteReader(Uint8Array.from(bytes)).uvarint('x')).toBe(n);
  });

  it.each([
    ['truncated', [0x80], /truncated/],
    ['empty', [], /truncated/],
    ['overlong', [0x80, 0x00], /overlong/],
    ['past 2^53', [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10], /exceeds/],
    ['nine bytes', [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], /longer than 8/],
  ])('rejects %s input', (_, bytes, message) => {
    expect(() => new ByteReader(Uint8Array.from(bytes)).uvarint('x')).toThrow(FrameError);
    expect(() => new ByteReader(Uint8Array.from(bytes)).uvarint('x')).toThrow(message);
  });

  it('rejects negative and fractional values on write', () => {
    expect(() => bytesOf((w) => w.uvarint(-1))).toThrow(RangeError);
    expect(() => bytesOf((w) => w.uvarint(1.5))).toThrow(RangeError);
  });

  it('a count over its limit fails before anything is read for it', () => {
    const r = new ByteReader(Uint8Array.from([0xff, 0xff, 0xff, 0x7f]));
    expect(() => r.count('names', 1000)).toThrow('names at byte 0 is 268435455, more than the limit 1000');
  });

  it('round-trips any signed safe value and a buffer that grows', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -MAX_ZIGZAG, max: MAX_ZIGZAG }), { maxLength: 50 }), (ns) => {
        const bytes = bytesOf((w) => ns.forEach((n) => w.svarint(n)));
        const r = new ByteReader(Uint8Array.from(bytes));
        expect(ns.map(() => r.svarint('n'))).toEqual(ns);
        expect(r.remaining).toBe(0);
      })
    );
  });
});
