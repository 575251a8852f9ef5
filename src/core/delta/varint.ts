/**
 * Zigzag and LEB128 varints over plain numbers, plus a bounded byte reader and a growable writer.
 *
 * Arithmetic (not 32-bit bitwise operators) is used throughout, so values past 2^31 are exact up to
 * {@link MAX_VARINT}; `x << 1` and `x >>> 7` would silently wrap there.
 */

/** Largest unsigned value a varint may carry: every integer up to it is exact in a double. */
export const MAX_VARINT = Number.MAX_SAFE_INTEGER;
/** Largest magnitude a signed value may have so that its zigzag form stays within {@link MAX_VARINT}. */
export const MAX_ZIGZAG = Math.floor(MAX_VARINT / 2);
/** A varint of a safe integer needs at most 8 bytes (7 payload bits each). */
const MAX_VARINT_BYTES = 8;

/** A malformed frame: the message says what and where; decoders turn it into an error result. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/** Maps signed to unsigned so small magnitudes of either sign stay short: 0→0, −1→1, 1→2, −2→3. */
export function zigzag(n: number): number {
  if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_ZIGZAG) {
    throw new RangeError(`zigzag needs an integer of magnitude at most ${MAX_ZIGZAG}, got ${n}`);
  }
  return n >= 0 ? 2 * n : -2 * n - 1;
}

/** Inverse of {@link zigzag}. */
export function unzigzag(u: number): number {
  // `u % 2` on an exact integer is exact; the result never needs more than 52 bits.
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/** Appends bytes to a buffer that doubles when full (frames are small; no per-byte arrays). */
export class ByteWriter {
  private buf = new Uint8Array(64);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.len + n) {
        size *= 2;
      }
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b & 0xff;
  }

  /** Unsigned LEB128. */
  uvarint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(`a varint needs a non-negative safe integer, got ${n}`);
    }
    this.reserve(MAX_VARINT_BYTES);
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.len++] = n;
  }

  /** Zigzag then LEB128. */
  svarint(n: number): void {
    this.uvarint(zigzag(n));
  }

  float64(x: number): void {
    this.reserve(8);
    new DataView(this.buf.buffer).setFloat64(this.len, x, true);
    this.len += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** A copy of what was written, exactly sized. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Reads from a byte array; every read checks the remaining length and throws {@link FrameError}. */
export class ByteReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  get offset(): number {
    return this.pos;
  }

  byte(what: string): number {
    if (this.pos >= this.buf.length) {
      throw new FrameError(`truncated frame: ${what} missing at byte ${this.pos}`);
    }
    return this.buf[this.pos++];
  }

  /** Unsigned LEB128; rejects overlong encodings and values past {@link MAX_VARINT}. */
  uvarint(what: string): number {
    const start = this.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const b = this.byte(what);
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        // A final zero byte after the first adds nothing: one value, one encoding, so frames compare by bytes.
        if (b === 0 && i > 0) {
          throw new FrameError(`bad varint for ${what} at byte ${start}: overlong encoding`);
        }
        if (value > MAX_VARINT) {
          throw new FrameError(`bad varint for ${what} at byte ${start}: value exceeds ${MAX_VARINT}`);
        }
        return value;
      }
      scale *= 0x80;
    }
    throw new FrameError(`bad varint for ${what} at byte ${start}: longer than ${MAX_VARINT_BYTES} bytes`);
  }

  /** Zigzag varint, bounded to `|n| ≤ limit`. */
  svarint(what: string, limit = MAX_ZIGZAG): number {
    const start = this.pos;
    const n = unzigzag(this.uvarint(what));
    if (Math.abs(n) > limit) {
      throw new FrameError(`${what} at byte ${start} is out of range: |${n}| > ${limit}`);
    }
    return n;
  }

  /** A count or length, checked against `limit` *before* anything is allocated for it. */
  count(what: string, limit: number): number {
    const start = this.pos;
    const n = this.uvarint(what);
    if (n > limit) {
      throw new FrameError(`${what} at byte ${start} is ${n}, more than the limit ${limit}`);
    }
    return n;
  }

  float64(what: string): number {
    if (this.remaining < 8) {
      throw new FrameError(`truncated frame: ${what} needs 8 bytes at byte ${this.pos}, ${this.remaining} left`);
    }
    const x = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return x;
  }

  bytes(n: number, what: string): Uint8Array {
    if (n > this.remaining) {
      throw new FrameError(`truncated frame: ${what} needs ${n} bytes at byte ${this.pos}, ${this.remaining} left`);
    }
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
