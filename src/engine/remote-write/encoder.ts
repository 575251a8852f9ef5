/**
 * A minimal remote-write 1.0 encoder: the counterpart of `protobuf.ts`, for tests (round trips, hostile
 * mutations) and benchmarks. The engine itself never encodes.
 */
import { compress } from 'snappyjs';

/** One series to encode. */
export interface EncodeSeries {
  labels: Array<[string, string]>;
  /** `'stale'` encodes Prometheus's stale marker (a NaN with a specific bit pattern). */
  samples: Array<[number, number | 'stale']>;
}

function varint(out: number[], v: number): void {
  if (v < 0) {
    // int64 two's complement: 10 bytes.
    let big = BigInt.asUintN(64, BigInt(v));
    for (let i = 0; i < 9; i++) {
      out.push(Number(big & BigInt(0x7f)) | 0x80);
      big >>= BigInt(7);
    }
    out.push(Number(big));
    return;
  }
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function bytesField(out: number[], field: number, bytes: ArrayLike<number>): void {
  varint(out, field * 8 + 2);
  varint(out, bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    out.push(bytes[i]);
  }
}

const utf8 = new TextEncoder();

/** Encodes a WriteRequest (uncompressed protobuf). */
export function encodeWriteRequest(series: EncodeSeries[]): Buffer {
  const out: number[] = [];
  const f64 = new DataView(new ArrayBuffer(8));
  for (const s of series) {
    const ts: number[] = [];
    for (const [name, value] of s.labels) {
      const label: number[] = [];
      bytesField(label, 1, utf8.encode(name));
      bytesField(label, 2, utf8.encode(value));
      bytesField(ts, 1, label);
    }
    for (const [t, v] of s.samples) {
      const sample: number[] = [9];
      if (v === 'stale') {
        sample.push(...STALE_BYTES);
      } else {
        f64.setFloat64(0, v, true);
        for (let i = 0; i < 8; i++) {
          sample.push(f64.getUint8(i));
        }
      }
      sample.push(16);
      varint(sample, t);
      bytesField(ts, 2, sample);
    }
    bytesField(out, 1, ts);
  }
  return Buffer.from(out);
}

/** Snappy block compression, as remote write sends it. */
export function snappy(raw: Buffer): Buffer {
  return compress(raw);
}

/** Prometheus's stale marker (value.StaleNaN, 0x7ff0000000000002), little-endian. */
export const STALE_BYTES = [0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f];
