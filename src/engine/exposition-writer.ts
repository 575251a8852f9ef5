/**
 * The bytes of a Prometheus text exposition, written straight into preallocated Buffers.
 *
 * 100,000 series are 600,000 lines and 39 MB: building them as strings (template literals, then one join and
 * one UTF-8 encode) spends most of its time making and flattening strings and collecting them. Here each line
 * is copied byte by byte into a chunk (name and labels pre-encoded by the caller where it can) and its number
 * is written digit by digit, with exactly the digits {@link formatSample} produces.
 */

/**
 * Number formatting is most of a string-based rendering's cost: `String(x)` (shortest round trip) is about 4×
 * slower than `toFixed`. Twelve decimals keep ≥ 9 significant digits for |x| ≥ 1e-3; smaller and huge values
 * (a trend per second can be 1e-6) keep the exact form.
 */
export function formatSample(x: number): string {
  const a = x < 0 ? -x : x;
  if (a >= 1e-3 && a < 1e9) {
    return x.toFixed(12);
  }
  return x === Infinity ? '+Inf' : x === -Infinity ? '-Inf' : String(x);
}

const MIN_BUFFER = 64 * 1024;
/** Longest number {@link ExpositionWriter.number} writes (`String(-Number.MIN_VALUE)` is 9; 17 digits + exponent + sign ≤ 25). */
const MAX_NUMBER = 32;
/** Veltkamp's splitter for 53-bit doubles, and 1e12 split into two halves of ≤ 26 bits each (exact). */
const SPLITTER = 134217729;
const E12 = 1e12;
const E12_HI = SPLITTER * E12 - (SPLITTER * E12 - E12);
const E12_LO = E12 - E12_HI;

/** "00" to "99": two digits per division. */
const DIGIT_PAIRS = Buffer.from(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''), 'latin1');

/** Writes `v` (0 ≤ v < 1e6, an integer) as six digits at `at`. */
function pairs(buf: Buffer, at: number, v: number): void {
  for (let i = at + 4; i >= at; i -= 2) {
    const q = (v / 100) | 0;
    const r = 2 * (v - q * 100);
    buf[i] = DIGIT_PAIRS[r];
    buf[i + 1] = DIGIT_PAIRS[r + 1];
    v = q;
  }
}

/** UTF-8 bytes of `s` (for names and labels a caller writes many times). */
export function utf8(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}

/**
 * A released buffer, reused by the next writer: a 100,000-series exposition is 39 MB, and allocating that
 * outside the V8 heap on every scrape makes V8 run a full mark-compact of the whole state (hundreds of ms at
 * that size) during the render. One buffer is kept, the largest released (it holds the last exposition's
 * size of memory between scrapes).
 */
let spare: Buffer | undefined;

/**
 * Collects the exposition in one growing buffer. `text` and `sample` take strings (for families other modules
 * add); {@link renderState} uses the byte-level `reserve`, `bytesOf`, `byte` and `number` with pre-encoded
 * names and labels. Call {@link release} once the bytes are sent, so the next writer reuses the buffer.
 */
export class ExpositionWriter {
  private buf: Buffer;
  private pos = 0;

  constructor() {
    this.buf = spare ?? Buffer.allocUnsafe(MIN_BUFFER);
    spare = undefined;
  }

  /** Appends text (HELP/TYPE headers, other metrics already rendered). */
  text(s: string): void {
    this.reserve(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Appends `name{labels} value\n`; `labels` is already escaped. */
  sample(name: string, labels: string, value: number): void {
    this.reserve((name.length + labels.length) * 3 + MAX_NUMBER + 2);
    this.string(name);
    this.string(labels);
    this.buf[this.pos++] = 0x20;
    this.number(value);
    this.buf[this.pos++] = 0x0a;
  }

  /**
   * Makes room for `n` more bytes. The byte-level writers below do not check: a caller reserves a line's
   * worst case first.
   */
  reserve(n: number): void {
    if (this.pos + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.pos + n));
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
    }
  }

  /** Copies `b` (short, pre-encoded bytes; a loop beats a native call for a few dozen bytes). */
  bytesOf(b: Uint8Array): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < b.length; i++) {
      buf[p++] = b[i];
    }
    this.pos = p;
  }

  /** Copies `b[start, end)`. */
  bytesRange(b: Uint8Array, start: number, end: number): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) {
      buf[p++] = b[i];
    }
    this.pos = p;
  }

  /** One byte (a space, a newline). */
  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** Writes `s` as UTF-8 (an ASCII loop; the rare non-ASCII string goes through `Buffer.write`). */
  string(s: string): void {
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        this.pos = start + buf.write(s, start, 'utf8');
        return;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** Writes `x` exactly as {@link formatSample} formats it (at most {@link MAX_NUMBER} bytes). */
  number(x: number): void {
    let a = x;
    if (a < 0) {
      a = -a;
    }
    if (!(a >= 1e-3 && a < 1e9)) {
      this.string(formatSample(x));
      return;
    }
    // toFixed(12): n = round-half-up(a·1e12), computed exactly. ip·1e12 is an integer, so only the fraction
    // f = a − ip (exact) is scaled; its product with 1e12 is p + e exactly (Dekker's two-product).
    let ip = Math.floor(a);
    const f = a - ip;
    const p = f * E12;
    const c = SPLITTER * f;
    const fh = c - (c - f);
    const fl = f - fh;
    const e = fh * E12_HI - p + fh * E12_LO + fl * E12_HI + fl * E12_LO;
    let n = Math.floor(p);
    const d = p - n;
    if (d > 0.5 || (d === 0.5 && e >= 0)) {
      n++;
      if (n === E12) {
        n = 0;
        ip++;
      }
    }
    const buf = this.buf;
    let pos = this.pos;
    if (x < 0) {
      buf[pos++] = 0x2d;
    }
    let digits = 1;
    for (let q = ip; q >= 10; q = (q / 10) | 0) {
      digits++;
    }
    for (let i = pos + digits - 1; i >= pos; i--) {
      const q = (ip / 10) | 0;
      buf[i] = 0x30 + ip - q * 10;
      ip = q;
    }
    pos += digits;
    buf[pos] = 0x2e;
    // Twelve decimals as two halves below 1e6 (small integers), two digits at a time.
    const hi = Math.floor(n / 1e6);
    pairs(buf, pos + 1, hi);
    pairs(buf, pos + 7, n - hi * 1e6);
    this.pos = pos + 13;
  }

  /** The exposition as UTF-8 bytes (a view of the writer's buffer: valid until {@link release}). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /**
   * Hands the buffer to the next writer. Only once nothing reads `bytes()` any more (for a response: after
   * it has been written out, or aborted); the writer must not be used afterwards.
   */
  release(): void {
    if (spare === undefined || spare.length < this.buf.length) {
      spare = this.buf;
    }
    this.buf = Buffer.alloc(0);
    this.pos = 0;
  }
}
