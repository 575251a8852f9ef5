/**
 * The differential entropy stream's data model (issue 6): profiles, frames of quantized changes, the series
 * dictionary both ends keep in step, and the options and limits of the codec.
 *
 * A frame is independent of its wire form: {@link encodeText} and {@link encodeBinary} write the same frame,
 * and both decoders return it, so the decoder's rules (sequence, dictionary, bounds) are written once.
 */
import { checkFinite, checkInteger, OptionError, rejectUnknownKeys } from '../options';

/** One series' current state: normalized entropy and, once learned, its baseline. */
export interface SeriesValue {
  /** `Hn`, the normalized window entropy. */
  hn: number;
  /** Baseline mean `μ` of `Hn`; absent (with `std`) while the baseline is warming up. */
  mean?: number;
  /** Baseline standard deviation `σ` of `Hn`. */
  std?: number;
}

/** host → indicator → value. Maps, not objects, so a host named `__proto__` is just a name. */
export type Profile = Map<string, Map<string, SeriesValue>>;

/** A series whose state is sent whole: in a keyframe, or in a delta frame when it first appears. */
export interface SetEntry {
  host: string;
  indicator: string;
  /** `Hn` in units of the quantum `q` (an integer). */
  value: number;
  /** Baseline mean and std in units of `q`; both present or both absent. */
  mean?: number;
  std?: number;
}

/** A change of `Hn` by `delta` quanta. */
export interface DeltaEntry {
  host: string;
  indicator: string;
  delta: number;
}

/**
 * A new baseline for a series already held, in quanta: sent when `μ` or `σ` moved by the deadband from what
 * the receiver holds, or when the baseline appears (warm-up done) or is cleared (both absent).
 */
export interface BaselineEntry {
  host: string;
  indicator: string;
  mean?: number;
  std?: number;
}

/** A series that disappeared. */
export interface SeriesRef {
  host: string;
  indicator: string;
}

/** One frame of the stream. Keyframes hold only `set`; delta frames may hold all four lists. */
export interface Frame {
  /** Identifies one encoder's life: a restarted encoder uses a new epoch, so its seq 0 is not stale. */
  epoch: number;
  /** Consecutive per epoch, from 0. */
  seq: number;
  keyframe: boolean;
  /** `q`: the unit of every value. Carried on the wire by keyframes only; delta frames use the keyframe's. */
  quantum: number;
  set: SetEntry[];
  delta: DeltaEntry[];
  baseline: BaselineEntry[];
  remove: SeriesRef[];
}

/** Magnitude limit of a quantized value: far inside exact doubles, so text decimals read back to the same integer. */
export const MAX_QUANTUM_COUNT = 2 ** 40;
/** Smallest and largest quantum `q`. */
export const MIN_QUANTUM = 1e-12;
export const MAX_QUANTUM = 1e6;
/** Largest epoch (fits an unsigned 32-bit integer, so an engine may use seconds since 1970). */
export const MAX_EPOCH = 2 ** 32 - 1;

/** Encoder options as a user writes them. */
export interface DeltaEncoderOptions {
  /** `ε`: a change is sent once `Hn` moved this far from the value the receiver holds. Default 0.01. */
  deadband?: number;
  /** `q`: values travel as integer multiples of it. Default 0.001 (`Hn` is in 0..1). */
  quantum?: number;
  /** `K`: a keyframe every K frames (the first frame is always one). Default 240: one hour at 15 s. */
  keyframeEvery?: number;
  /**
   * See {@link Frame.epoch}. Default: a random number per encoder, so a restarted sender is never mistaken for
   * the old one (with the same epoch its new seq 0, 1, … would read as stale and be ignored). Pass one for
   * reproducible output, e.g. the engine's start time in seconds.
   */
  epoch?: number;
}

/** Encoder options after defaults and validation. */
export type ResolvedDeltaEncoderOptions = Required<DeltaEncoderOptions>;

/** Defaults of everything but the epoch (see {@link DeltaEncoderOptions.epoch}). */
export type DeltaEncoderDefaults = Omit<ResolvedDeltaEncoderOptions, 'epoch'>;

/** Defaults: see {@link DeltaEncoderOptions}. */
export const DEFAULT_DELTA_ENCODER_OPTIONS: DeltaEncoderDefaults = {
  deadband: 0.01,
  quantum: 0.001,
  keyframeEvery: 240,
};

/** Validates and applies defaults; errors name the field (prefixed, e.g. `upstream.deadband`). */
export function resolveDeltaEncoderOptions(input: DeltaEncoderOptions = {}, prefix = ''): ResolvedDeltaEncoderOptions {
  const d = DEFAULT_DELTA_ENCODER_OPTIONS;
  const f = (name: string) => prefix + name;
  if (input === null || typeof input !== 'object') {
    throw new OptionError(prefix || 'options', `${prefix || 'options'} must be an object`);
  }
  rejectUnknownKeys(input, [...Object.keys(d), 'epoch'], prefix, 'a delta encoder option');
  const deadband = checkFinite(f('deadband'), input.deadband ?? d.deadband);
  if (deadband < 0) {
    throw new OptionError(f('deadband'), `${f('deadband')} must be 0 or more, got ${deadband}`);
  }
  const quantum = checkFinite(f('quantum'), input.quantum ?? d.quantum, true);
  // Outside this range the text form would need more digits than a double carries, or exponent notation.
  if (quantum < MIN_QUANTUM || quantum > MAX_QUANTUM) {
    throw new OptionError(
      f('quantum'),
      `${f('quantum')} must be from ${MIN_QUANTUM} to ${MAX_QUANTUM}, got ${quantum}`
    );
  }
  return {
    deadband,
    quantum,
    keyframeEvery: checkInteger(f('keyframeEvery'), input.keyframeEvery ?? d.keyframeEvery, 1, 1_000_000),
    // Not a clock: randomness only tells two lives of a sender apart; nothing depends on its value.
    epoch: checkInteger(f('epoch'), input.epoch ?? Math.floor(Math.random() * (MAX_EPOCH + 1)), 0, MAX_EPOCH),
  };
}

/** What a decoder accepts from a peer it does not trust. */
export interface DeltaLimits {
  /** Largest frame, in bytes (binary) or characters (text). Default 16 MiB. */
  maxFrameBytes?: number;
  /** Most series a stream may hold, and most entries a frame may list. Default 100 000. */
  maxSeries?: number;
  /** Longest host or indicator name, in UTF-8 bytes. Default 256. */
  maxNameBytes?: number;
}

/** Limits after defaults and validation. */
export type ResolvedDeltaLimits = Required<DeltaLimits>;

/** Defaults: see {@link DeltaLimits}. */
export const DEFAULT_DELTA_LIMITS: ResolvedDeltaLimits = {
  maxFrameBytes: 16 * 1024 * 1024,
  maxSeries: 100_000,
  maxNameBytes: 256,
};

/** Validates and applies defaults. */
export function resolveDeltaLimits(input: DeltaLimits = {}, prefix = ''): ResolvedDeltaLimits {
  const d = DEFAULT_DELTA_LIMITS;
  const f = (name: string) => prefix + name;
  rejectUnknownKeys(input, Object.keys(d), prefix, 'a delta limit');
  return {
    maxFrameBytes: checkInteger(f('maxFrameBytes'), input.maxFrameBytes ?? d.maxFrameBytes, 16, 2 ** 31),
    maxSeries: checkInteger(f('maxSeries'), input.maxSeries ?? d.maxSeries, 1, 10_000_000),
    maxNameBytes: checkInteger(f('maxNameBytes'), input.maxNameBytes ?? d.maxNameBytes, 1, 65_536),
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** UTF-8 length without allocating. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      n += 1;
    } else if (c < 0x800) {
      n += 2;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else {
      n += 3;
    }
  }
  return n;
}

/**
 * Why `name` cannot be a host or indicator name, or undefined when it can. A lone surrogate has no UTF-8 form,
 * so it would read back differently from text and from binary.
 */
export function nameProblem(name: string, maxBytes: number): string | undefined {
  if (name.length === 0) {
    return 'is empty';
  }
  if (LONE_SURROGATE.test(name)) {
    return 'is not well-formed Unicode (lone surrogate)';
  }
  const n = utf8Length(name);
  if (n > maxBytes) {
    return `is ${n} UTF-8 bytes, more than ${maxBytes}`;
  }
  return undefined;
}

/** The key of a series in maps; NUL cannot occur in a name that passed a text round trip unchanged. */
export function seriesKey(host: string, indicator: string): string {
  return `${host}\u0000${indicator}`;
}

/**
 * Series id ↔ name, as binary frames refer to series. A keyframe assigns ids 0..n−1 in its order; a delta frame
 * appends its new series in order and retires removed ones (ids are not reused until the next keyframe, so a
 * late reference to a removed series cannot hit a newer one). Both ends call {@link apply} with every frame
 * they send or accept, so the tables stay equal without ever being sent whole outside keyframes.
 */
export class SeriesDictionary {
  private names: Array<SeriesRef | undefined> = [];
  private ids = new Map<string, number>();

  get size(): number {
    return this.names.length;
  }

  id(host: string, indicator: string): number | undefined {
    return this.ids.get(seriesKey(host, indicator));
  }

  name(id: number): SeriesRef | undefined {
    return this.names[id];
  }

  apply(frame: Frame): void {
    if (frame.keyframe) {
      this.names = [];
      this.ids.clear();
    }
    for (const r of frame.remove) {
      const key = seriesKey(r.host, r.indicator);
      const id = this.ids.get(key);
      if (id !== undefined) {
        this.names[id] = undefined;
        this.ids.delete(key);
      }
    }
    for (const s of frame.set) {
      this.ids.set(seriesKey(s.host, s.indicator), this.names.length);
      this.names.push({ host: s.host, indicator: s.indicator });
    }
  }
}
