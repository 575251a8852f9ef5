/**
 * Figures for issue 6: bytes on the wire per host per minute for raw samples (remote write), full profiles
 * every interval, and differential frames — for a stable fleet and for a fleet in incident — plus the largest
 * reconstruction error seen against the `ε + q/2` bound.
 *
 * The profiles are real: raw samples go through the core's rolling entropy estimator and baseline, as the
 * engine would run them, so how often `Hn` moves by ε is the estimator's, not an assumption.
 */
import { deflateRawSync } from 'node:zlib';
import { compress as snappy } from 'snappyjs';
import {
  Baseline,
  createEstimator,
  DeltaDecoder,
  DeltaEncoder,
  DeltaEncoderOptions,
  formatSseEvent,
  Profile,
  SSE_HEARTBEAT,
} from '../core';
import { seeded } from '../core/testing';
import { medianMs, perSecond, round } from './measure';

const HOSTS = 100;
const STEP_MS = 15_000;
const STEPS = 240; // one hour
const WARMUP = 180; // fills the 60-sample window and the 60-evaluation baseline warm-up before the hour
/** The node-mixin recording rules a health profile is typically built on: one raw series per indicator. */
const INDICATORS: Array<[string, string]> = [
  ['cpu', 'instance:node_cpu_utilisation:rate5m'],
  ['memory', 'instance:node_memory_utilisation:ratio'],
  ['disk', 'instance_device:node_disk_io_time_seconds:rate5m'],
  ['network', 'instance:node_network_receive_bytes_excluding_lo:rate5m'],
];
const T0 = 1_760_000_000_000;

type Fleet = 'stable' | 'incident';

/** Raw samples `[step][host][indicator]`: steady noisy levels; in incident, 20 hosts go erratic for 20 min. */
function rawSamples(fleet: Fleet): Float64Array[][] {
  const r = seeded(fleet === 'stable' ? 11 : 12);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const levels = Array.from({ length: HOSTS }, () => INDICATORS.map(() => 0.15 + 0.5 * r()));
  const out: Float64Array[][] = [];
  for (let s = 0; s < WARMUP + STEPS; s++) {
    const minute = (s - WARMUP) / 4;
    out.push(
      levels.map((lv, h) => {
        const erratic = fleet === 'incident' && h < 20 && minute >= 20 && minute < 40;
        return Float64Array.from(lv, (l) => (erratic ? r() : Math.min(1, Math.max(0, l + 0.03 * gauss()))));
      })
    );
  }
  return out;
}

/** Profiles at each step of the measured hour, from the core's estimator and baseline. */
function profiles(raw: Float64Array[][]): Profile[] {
  const est = Array.from({ length: HOSTS }, () => INDICATORS.map(() => createEstimator({ window: 60 })));
  const base = Array.from({ length: HOSTS }, () => INDICATORS.map(() => new Baseline()));
  const out: Profile[] = [];
  raw.forEach((row, s) => {
    const p: Profile = new Map();
    row.forEach((values, h) => {
      const m = new Map<string, { hn: number; mean?: number; std?: number }>();
      values.forEach((v, i) => {
        const hn = est[h][i].push(T0 + s * STEP_MS, v);
        if (hn === undefined || !Number.isFinite(hn)) {
          return;
        }
        const b = base[h][i].observe(hn);
        m.set(INDICATORS[i][0], b.ready ? { hn, mean: b.mean, std: b.std } : { hn });
      });
      p.set(`host-${String(h).padStart(3, '0')}`, m);
    });
    if (s >= WARMUP) {
      out.push(p);
    }
  });
  return out;
}

/** Minimal protobuf writer for prometheus.WriteRequest (remote write 1.0). */
class Proto {
  bytes: number[] = [];
  varint(n: number): void {
    while (n >= 0x80) {
      this.bytes.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.bytes.push(n);
  }
  len(field: number, body: number[]): void {
    this.varint(field * 8 + 2);
    this.varint(body.length);
    this.bytes.push(...body);
  }
  str(field: number, s: string): void {
    this.len(field, Array.from(Buffer.from(s, 'utf8')));
  }
}

/**
 * One WriteRequest per scrape interval holding every series of the fleet (the most favourable batching for
 * remote write), each TimeSeries with its labels and one Sample, compressed with snappy (block format) as
 * remote write 1.0 does. Raw deflate, which packs better than snappy, is reported beside it as a floor.
 */
function remoteWrite(raw: Float64Array[][]): { protobuf: number; snappy: number; deflated: number } {
  let protobuf = 0;
  let snappied = 0;
  let deflated = 0;
  for (let s = WARMUP; s < raw.length; s++) {
    const req = new Proto();
    raw[s].forEach((values, h) => {
      values.forEach((v, i) => {
        const ts = new Proto();
        const labels: Array<[string, string]> = [
          ['__name__', INDICATORS[i][1]],
          ['instance', `host-${String(h).padStart(3, '0')}:9100`],
          ['job', 'node'],
        ];
        for (const [name, value] of labels) {
          const l = new Proto();
          l.str(1, name);
          l.str(2, value);
          ts.len(1, l.bytes);
        }
        const sample = new Proto();
        sample.varint(0x09); // field 1, fixed64 double
        const b = Buffer.alloc(8);
        b.writeDoubleLE(v);
        sample.bytes.push(...b);
        sample.varint(0x10); // field 2, varint timestamp (ms)
        sample.varint(T0 + s * STEP_MS);
        ts.len(2, sample.bytes);
        req.len(1, ts.bytes);
      });
    });
    const body = Buffer.from(req.bytes);
    protobuf += body.length;
    snappied += snappy(body).length;
    deflated += deflateRawSync(body).length;
  }
  return { protobuf, snappy: snappied, deflated };
}

interface StreamFigures {
  textBytes: number;
  /**
   * The text frames as `GET /api/v1/stream` writes them: each event as the engine formats it (`id:` line,
   * `data: ` before each frame line, a blank line), in its own HTTP/1.1 chunk (size line and CRLFs).
   */
  sseBytes: number;
  binaryBytes: number;
  frames: number;
  keyframes: number;
  /** Series changes sent (delta entries), over all frames. */
  changes: number;
  /** Baseline entries sent. */
  baselines: number;
  maxError: number;
  /** Largest `|μ received − μ true|` (baselines keep the same deadband as `Hn`). */
  maxMeanError: number;
  bound: number;
}

/** Encodes every profile, decodes both wire forms, and measures bytes and the largest `|rebuilt − true|`. */
function stream(ps: Profile[], options: DeltaEncoderOptions): StreamFigures {
  // A fixed epoch, as an engine would use (its start in seconds), so the text byte counts repeat exactly.
  const encoder = new DeltaEncoder({ epoch: 1_760_000_000, ...options });
  const text = new DeltaDecoder();
  const binary = new DeltaDecoder();
  const f: StreamFigures = {
    textBytes: 0,
    sseBytes: 0,
    binaryBytes: 0,
    frames: 0,
    keyframes: 0,
    changes: 0,
    baselines: 0,
    maxError: 0,
    maxMeanError: 0,
    bound: 0,
  };
  f.bound = encoder.options.deadband + encoder.options.quantum / 2;
  const utf8 = new TextEncoder();
  for (const p of ps) {
    const e = encoder.next(p);
    f.frames++;
    f.keyframes += e.frame.keyframe ? 1 : 0;
    f.changes += e.frame.delta.length;
    f.baselines += e.frame.baseline.length;
    const textBytes = utf8.encode(e.text).length;
    f.textBytes += textBytes;
    const event = utf8.encode(formatSseEvent(e.text, `${e.frame.epoch}.${e.frame.seq}`)).length;
    f.sseBytes += event + event.toString(16).length + 4;
    f.binaryBytes += e.binary.length;
    for (const [decoder, input] of [
      [text, e.text],
      [binary, e.binary],
    ] as const) {
      const r = decoder.receive(input);
      if (r.status !== 'applied') {
        throw new Error(`bench stream: frame ${e.frame.seq} was ${r.status}: ${r.error ?? ''}`);
      }
      const got = decoder.profile();
      for (const [host, m] of p) {
        for (const [indicator, v] of m) {
          const r = got.get(host)!.get(indicator)!;
          f.maxError = Math.max(f.maxError, Math.abs(r.hn - v.hn));
          if (r.mean !== undefined && v.mean !== undefined) {
            f.maxMeanError = Math.max(f.maxMeanError, Math.abs(r.mean - v.mean));
          }
        }
      }
    }
  }
  return f;
}

const perHostMinute = (bytes: number) => round(bytes / HOSTS / ((STEPS * STEP_MS) / 60_000));

/** Heartbeats (a comment every `stream.heartbeat`, 15 s by default, in its own chunk): per client, not per host. */
const HEARTBEAT_BYTES_PER_CLIENT_MINUTE = 4 * (SSE_HEARTBEAT.length + SSE_HEARTBEAT.length.toString(16).length + 4);

function fleet(kind: Fleet): Record<string, unknown> {
  const raw = rawSamples(kind);
  const ps = profiles(raw);
  const rw = remoteWrite(raw);
  const full = stream(ps, { keyframeEvery: 1 });
  const deltas: Record<string, unknown> = {};
  for (const deadband of [0.005, 0.01, 0.02]) {
    for (const keyframeEvery of [240, 40]) {
      const d = stream(ps, { deadband, quantum: 0.001, keyframeEvery });
      deltas[`eps=${deadband} q=0.001 K=${keyframeEvery}`] = {
        textBytesPerHostMinute: perHostMinute(d.textBytes),
        sseBytesPerHostMinute: perHostMinute(d.sseBytes),
        binaryBytesPerHostMinute: perHostMinute(d.binaryBytes),
        textVsFullText: round(d.textBytes / full.textBytes),
        binaryVsFullBinary: round(d.binaryBytes / full.binaryBytes),
        keyframes: d.keyframes,
        // Of the series-intervals after the first keyframe: how often `Hn` left the deadband.
        changedFraction: round(d.changes / ((d.frames - 1) * HOSTS * INDICATORS.length)),
        baselineChangedFraction: round(d.baselines / ((d.frames - 1) * HOSTS * INDICATORS.length)),
        maxError: round(d.maxError),
        bound: d.bound,
        withinBound: d.maxError <= d.bound + 1e-9,
        maxBaselineMeanError: round(d.maxMeanError),
      };
    }
  }
  return {
    remoteWriteProtobufBytesPerHostMinute: perHostMinute(rw.protobuf),
    remoteWriteSnappyBytesPerHostMinute: perHostMinute(rw.snappy),
    remoteWriteDeflatedBytesPerHostMinute: perHostMinute(rw.deflated),
    fullProfileTextBytesPerHostMinute: perHostMinute(full.textBytes),
    fullProfileSseBytesPerHostMinute: perHostMinute(full.sseBytes),
    fullProfileBinaryBytesPerHostMinute: perHostMinute(full.binaryBytes),
    fullProfileMaxError: round(full.maxError),
    deltas,
  };
}

/** Encode and binary-decode rate over the stable hour: what one engine core spends per series and interval. */
function throughput(ps: Profile[]): Record<string, number> {
  const encodeMs = medianMs(() => {
    const encoder = new DeltaEncoder();
    ps.forEach((p) => encoder.next(p));
  }, 3);
  const encoder = new DeltaEncoder();
  const frames = ps.map((p) => encoder.next(p).binary);
  const decodeMs = medianMs(() => {
    const decoder = new DeltaDecoder();
    frames.forEach((f) => decoder.receive(f));
  }, 3);
  const seriesIntervals = ps.length * HOSTS * INDICATORS.length;
  return {
    encodeSeriesPerSec: perSecond(seriesIntervals, encodeMs),
    decodeBinarySeriesPerSec: perSecond(seriesIntervals, decodeMs),
  };
}

/** Runs both fleets (100 hosts × 4 indicators, 15 s interval, one hour); returns one JSON-able record. */
export function benchDelta(): Record<string, unknown> {
  return {
    setup: `${HOSTS} hosts × ${INDICATORS.length} indicators, ${STEP_MS / 1000} s interval, ${STEPS} intervals (1 h); window 60, default baseline`,
    sse: `sseBytesPerHostMinute: the events of GET /api/v1/stream as the engine formats them (id, data lines), one HTTP/1.1 chunk each; heartbeats add ${HEARTBEAT_BYTES_PER_CLIENT_MINUTE} bytes per client per minute (sseHeartbeatBytesPerClientMinute), HTTP headers once per connection`,
    sseHeartbeatBytesPerClientMinute: HEARTBEAT_BYTES_PER_CLIENT_MINUTE,
    remoteWrite:
      'one WriteRequest per interval for the whole fleet, 3 labels + 1 sample per series, protobuf then snappy as remote write 1.0 sends it (deflate-raw beside it as a floor); HTTP headers not counted, nor for frames',
    stable: fleet('stable'),
    incident: fleet('incident'),
    throughput: throughput(profiles(rawSamples('stable'))),
  };
}
