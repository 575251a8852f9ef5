/**
 * A defensive decoder for Prometheus remote-write 1.0 `WriteRequest` protobuf messages (prompb/remote.proto,
 * types.proto), written by hand so that every length is checked against the buffer before it is trusted:
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; exemplars = 3; histograms = 4; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }
 *
 * Unknown fields are skipped by wire type (forward compatible, as protobuf requires); groups and undefined
 * wire types, truncated fields, over-long varints and lengths past the end are {@link ProtobufError}s.
 */

/** The body is not a valid message; the message says what and where. */
export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

const SCRATCH = new Float64Array(1);
const SCRATCH_BYTES = new Uint8Array(SCRATCH.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Cursor over a byte range of one buffer. */
export class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length
  ) {
    this.pos = start;
  }

  /** An unsigned varint up to 2^53 (exact); longer values are rejected rather than silently rounded. */
  varint(): number {
    const buf = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) {
        throw new ProtobufError(`truncated varint at byte ${this.pos}`);
      }
      const b = buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        return result;
      }
      mul *= 128;
    }
    throw new ProtobufError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  /**
   * An `int64` varint. Negative values are encoded as 10-byte two's complement; they are decoded exactly down
   * to −2^53 (Prometheus timestamps are milliseconds, far inside that).
   */
  int64(): number {
    const start = this.pos;
    const v = this.varint();
    if (this.pos - start < 10) {
      return v;
    }
    // Ten bytes: a negative number (or above 2^63); the float sum above has lost bits, so redo it exactly.
    let big = BigInt(0);
    for (let i = 0; i < 10; i++) {
      big |= BigInt(this.buf[start + i] & 0x7f) << BigInt(7 * i);
    }
    return Number(BigInt.asIntN(64, big));
  }

  /** Little-endian IEEE 754 double. */
  double(): number {
    if (this.pos + 8 > this.end) {
      throw new ProtobufError(`truncated double at byte ${this.pos}`);
    }
    // Bytes through one shared scratch double: no DataView (an allocation) per sample.
    const buf = this.buf;
    const p = this.pos;
    if (LITTLE_ENDIAN) {
      for (let i = 0; i < 8; i++) {
        SCRATCH_BYTES[i] = buf[p + i];
      }
    } else {
      for (let i = 0; i < 8; i++) {
        SCRATCH_BYTES[7 - i] = buf[p + i];
      }
    }
    this.pos = p + 8;
    return SCRATCH[0];
  }

  /** A length prefix; returns the end of the delimited range, checked against this reader's end. */
  delimited(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) {
      throw new ProtobufError(`length ${len} at byte ${this.pos} runs past the end of its message (byte ${this.end})`);
    }
    return end;
  }

  /** Skips a field of `wireType`. */
  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.pos = this.delimited();
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw new ProtobufError(`unsupported wire type ${wireType} at byte ${this.pos}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) {
      throw new ProtobufError(`truncated field at byte ${this.pos}`);
    }
    this.pos += n;
  }
}

/** Receives the decoded content of a WriteRequest, series by series. */
export interface WriteVisitor {
  /**
   * A new series. `labelsKey` is the raw bytes of its label fields (a cheap cache key: equal bytes, equal
   * labels); `labels()` decodes them on demand, only for series not seen before.
   */
  series(labelsKey: string, labels: () => Array<[string, string]>): void;
  /** A sample of the current series; `stale` for Prometheus's stale marker (whose value is NaN). */
  sample(timestampMs: number, value: number, stale: boolean): void;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function decodeString(buf: Uint8Array, start: number, end: number): string {
  try {
    return decoder.decode(buf.subarray(start, end));
  } catch {
    throw new ProtobufError(`label at byte ${start} is not valid UTF-8`);
  }
}

function decodeLabel(r: Reader, end: number): [string, string] {
  let name = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if ((field === 1 || field === 2) && wire === 2) {
      const e = r.delimited();
      const s = decodeString(r.buf, r.pos, e);
      r.pos = e;
      if (field === 1) {
        name = s;
      } else {
        value = s;
      }
    } else {
      r.skip(wire);
    }
  }
  return [name, value];
}

function isStaleMarker(buf: Uint8Array, p: number): boolean {
  return (
    buf[p] === 0x02 &&
    buf[p + 1] === 0 &&
    buf[p + 2] === 0 &&
    buf[p + 3] === 0 &&
    buf[p + 4] === 0 &&
    buf[p + 5] === 0 &&
    buf[p + 6] === 0xf0 &&
    buf[p + 7] === 0x7f
  );
}

function decodeSample(r: Reader, end: number, visitor: WriteVisitor): void {
  let value = 0;
  let t = 0;
  let stale = false;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === 9) {
      // The stale marker is told apart by its exact bits: JavaScript does not promise to keep NaN payloads.
      stale = r.pos + 8 <= end && isStaleMarker(r.buf, r.pos);
      value = r.double();
    } else if (tag === 16) {
      t = r.int64();
    } else {
      r.skip(tag & 7);
    }
  }
  if (r.pos !== end) {
    throw new ProtobufError(`sample overruns its length at byte ${r.pos}`);
  }
  visitor.sample(t, value, stale);
}

function decodeTimeSeries(r: Reader, end: number, visitor: WriteVisitor): void {
  const buf = r.buf as Buffer;
  // Pass 1: find the label fields (their raw bytes are the series key) and check the structure.
  const start = r.pos;
  const labelRanges: number[] = [];
  let keyStart = -1;
  let keyEnd = -1;
  let key = '';
  while (r.pos < end) {
    const fieldStart = r.pos;
    const tag = r.varint();
    if (tag === 10) {
      const e = r.delimited();
      labelRanges.push(r.pos, e);
      r.pos = e;
      // Labels are normally contiguous: then the key is one slice; otherwise the pieces are concatenated.
      if (keyStart < 0) {
        keyStart = fieldStart;
      } else if (fieldStart !== keyEnd) {
        key += buf.toString('latin1', keyStart, keyEnd);
        keyStart = fieldStart;
      }
      keyEnd = e;
    } else {
      r.skip(tag & 7);
    }
  }
  if (keyStart >= 0) {
    key += buf.toString('latin1', keyStart, keyEnd);
  }
  if (labelRanges.length === 0) {
    throw new ProtobufError(`series at byte ${start} has no labels`);
  }
  const labels = () => {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < labelRanges.length; i += 2) {
      out.push(decodeLabel(new Reader(buf, labelRanges[i], labelRanges[i + 1]), labelRanges[i + 1]));
    }
    return out;
  };
  visitor.series(key, labels);
  // Pass 2: the samples, in order.
  r.pos = start;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === 18) {
      const e = r.delimited();
      decodeSample(r, e, visitor);
    } else {
      r.skip(tag & 7);
    }
  }
}

/** Decodes a whole WriteRequest into `visitor`; throws {@link ProtobufError} on malformed input. */
export function decodeWriteRequest(buf: Buffer, visitor: WriteVisitor): void {
  const r = new Reader(buf);
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 10) {
      const e = r.delimited();
      decodeTimeSeries(r, e, visitor);
      r.pos = e;
    } else {
      r.skip(tag & 7);
    }
  }
}
