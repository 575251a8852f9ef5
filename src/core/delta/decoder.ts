/**
 * The receiving end: rebuilds profiles from text or binary frames, and says when it needs a keyframe.
 *
 * Frames arrive over networks that drop, repeat and reorder. The rules, per epoch:
 * - a keyframe with a newer seq (or from a new epoch: the sender restarted) replaces everything;
 * - a delta frame applies only if it is exactly the next seq and nothing was missed since the last keyframe;
 * - an older or repeated seq is ignored (`stale`, `duplicate`): applying it twice would double its changes;
 * - a skipped seq (`gap`) stops deltas until a keyframe: the deltas after a lost frame are relative to values
 *   this side never got, so applying them would silently break the `ε + q/2` bound.
 * A frame is parsed and checked in full before anything is applied, so a bad frame changes nothing.
 */
import { decodeBinary, peekBinary } from './binary';
import {
  DeltaLimits,
  Frame,
  MAX_QUANTUM_COUNT,
  Profile,
  ResolvedDeltaLimits,
  resolveDeltaLimits,
  SeriesDictionary,
  seriesKey,
} from './frame';
import { decodeText, FrameHeader, peekText } from './text';
import { FrameError } from './varint';

/** What happened to one received frame. */
export type DecodeStatus = 'applied' | 'duplicate' | 'stale' | 'gap' | 'waiting' | 'error';

/** The outcome of {@link DeltaDecoder.receive}. */
export interface DecodeResult {
  status: DecodeStatus;
  /** The frame's seq and kind when its header could be read. */
  seq?: number;
  keyframe?: boolean;
  /** True while deltas are refused: the sender should be asked for a keyframe. */
  needKeyframe: boolean;
  /** For `error`: what was wrong with the frame, in a sentence. */
  error?: string;
}

interface Stored {
  host: string;
  indicator: string;
  k: number;
  mean?: number;
  std?: number;
}

/** Rebuilds one sender's profiles; one per stream (per edge, per live connection). */
export class DeltaDecoder {
  readonly limits: ResolvedDeltaLimits;
  private series = new Map<string, Stored>();
  private dictionary = new SeriesDictionary();
  private epoch: number | undefined;
  private lastSeq = -1;
  private quantum: number | undefined;
  private waiting = true;

  /** Throws {@link OptionError} naming a bad limit. */
  constructor(limits: DeltaLimits = {}) {
    this.limits = resolveDeltaLimits(limits);
  }

  /** True until the first keyframe and after a gap, until the next keyframe. */
  get needKeyframe(): boolean {
    return this.waiting;
  }

  /** Seq of the last applied frame, or −1. */
  get seq(): number {
    return this.lastSeq;
  }

  /** Receives one frame (a string is read as text, bytes as binary). Never throws. */
  receive(input: string | Uint8Array): DecodeResult {
    let header: FrameHeader | undefined;
    try {
      header = typeof input === 'string' ? peekText(input) : peekBinary(input);
      const h = header;
      const result = (status: DecodeStatus): DecodeResult => ({
        status,
        seq: h.seq,
        keyframe: h.keyframe,
        needKeyframe: this.waiting,
      });
      const sameEpoch = h.epoch === this.epoch;
      if (sameEpoch && h.seq <= this.lastSeq) {
        return result(h.seq === this.lastSeq ? 'duplicate' : 'stale');
      }
      if (!h.keyframe) {
        if (this.waiting) {
          return result('waiting');
        }
        if (!sameEpoch || h.seq !== this.lastSeq + 1) {
          // A different epoch means the sender restarted: what we hold is no base for its deltas.
          this.waiting = true;
          return result('gap');
        }
      }
      const frame = this.read(input, h.keyframe);
      this.check(frame);
      this.apply(frame);
      return result('applied');
    } catch (e) {
      // Anything thrown here is about the input (parsers throw FrameError); the state is untouched.
      const message = e instanceof FrameError ? e.message : `unreadable frame: ${(e as Error)?.message ?? String(e)}`;
      return {
        status: 'error',
        seq: header?.seq,
        keyframe: header?.keyframe,
        needKeyframe: this.waiting,
        error: message,
      };
    }
  }

  private read(input: string | Uint8Array, keyframe: boolean): Frame {
    // A keyframe starts a new dictionary; parsing it against the old one would only waste a lookup.
    const dictionary = keyframe ? new SeriesDictionary() : this.dictionary;
    return typeof input === 'string'
      ? decodeText(input, this.limits, this.quantum)
      : decodeBinary(input, this.limits, dictionary, this.quantum);
  }

  /** Checks `frame` against the current state; throws {@link FrameError}. */
  private check(frame: Frame): void {
    const touched = new Set<string>();
    const once = (host: string, indicator: string, what: string) => {
      const key = seriesKey(host, indicator);
      if (touched.has(key)) {
        throw new FrameError(`series ${host}/${indicator} appears twice in frame ${frame.seq} (${what})`);
      }
      touched.add(key);
      return key;
    };
    const exists = (key: string) => !frame.keyframe && this.series.has(key);
    for (const r of frame.remove) {
      if (!exists(once(r.host, r.indicator, 'removal'))) {
        throw new FrameError(`frame ${frame.seq} removes ${r.host}/${r.indicator}, which this stream does not hold`);
      }
    }
    for (const d of frame.delta) {
      const key = once(d.host, d.indicator, 'change');
      const held = exists(key) ? this.series.get(key) : undefined;
      if (held === undefined) {
        throw new FrameError(`frame ${frame.seq} changes ${d.host}/${d.indicator}, which this stream does not hold`);
      }
      if (Math.abs(held.k + d.delta) > MAX_QUANTUM_COUNT) {
        throw new FrameError(`frame ${frame.seq} moves ${d.host}/${d.indicator} out of range`);
      }
    }
    // A baseline may change in the same frame as `Hn`, so it has its own once-per-frame check.
    const based = new Set<string>();
    const removed = new Set(frame.remove.map((r) => seriesKey(r.host, r.indicator)));
    for (const b of frame.baseline) {
      const key = seriesKey(b.host, b.indicator);
      if (based.has(key) || !exists(key) || removed.has(key)) {
        throw new FrameError(
          `frame ${frame.seq} sets the baseline of ${b.host}/${b.indicator} twice, or of a series it does not hold`
        );
      }
      based.add(key);
    }
    for (const s of frame.set) {
      if (exists(once(s.host, s.indicator, 'set'))) {
        throw new FrameError(`frame ${frame.seq} adds ${s.host}/${s.indicator}, which this stream already holds`);
      }
    }
    const size = (frame.keyframe ? 0 : this.series.size - frame.remove.length) + frame.set.length;
    const ids = (frame.keyframe ? 0 : this.dictionary.size) + frame.set.length;
    // Retired ids stay until the next keyframe; a sender that churns series without ever sending a keyframe
    // would otherwise grow this side's table without bound.
    if (size > this.limits.maxSeries || ids > 4 * this.limits.maxSeries) {
      throw new FrameError(`frame ${frame.seq} would grow the stream past ${this.limits.maxSeries} series`);
    }
  }

  private apply(frame: Frame): void {
    if (frame.keyframe) {
      this.series.clear();
      this.quantum = frame.quantum;
      this.epoch = frame.epoch;
      this.waiting = false;
    }
    this.dictionary.apply(frame);
    for (const r of frame.remove) {
      this.series.delete(seriesKey(r.host, r.indicator));
    }
    for (const d of frame.delta) {
      this.series.get(seriesKey(d.host, d.indicator))!.k += d.delta;
    }
    for (const b of frame.baseline) {
      const s = this.series.get(seriesKey(b.host, b.indicator))!;
      s.mean = b.mean;
      s.std = b.std;
    }
    for (const s of frame.set) {
      this.series.set(seriesKey(s.host, s.indicator), {
        host: s.host,
        indicator: s.indicator,
        k: s.value,
        mean: s.mean,
        std: s.std,
      });
    }
    this.lastSeq = frame.seq;
  }

  /**
   * The rebuilt profile: `Hn`, `μ` and `σ` each within `ε + q/2` of the sender's as of frame {@link seq}.
   * A fresh copy the caller may keep.
   */
  profile(): Profile {
    const q = this.quantum ?? 0;
    const out: Profile = new Map();
    for (const s of this.series.values()) {
      let host = out.get(s.host);
      if (!host) {
        host = new Map();
        out.set(s.host, host);
      }
      host.set(
        s.indicator,
        s.mean !== undefined && s.std !== undefined
          ? { hn: s.k * q, mean: s.mean * q, std: s.std * q }
          : { hn: s.k * q }
      );
    }
    return out;
  }
}
