/**
 * The sending end of a differential entropy stream: one {@link DeltaEncoder} per receiver, because what it
 * sends depends on what that receiver already holds.
 *
 * The deadband is measured from the value the receiver holds (the last sent, quantized), not from the last
 * true value, so between sends `|true − held| < ε`, and on a send `|true − held| ≤ q/2`: the receiver is
 * always within `max(ε, q/2) ≤ ε + q/2` of the truth, with no drift however many small steps accumulate.
 * Baselines follow the same rule (`μ` and `σ` each), sent absolute and together when either moved.
 */
import { encodeBinary } from './binary';
import {
  BaselineEntry,
  DeltaEncoderOptions,
  DeltaEntry,
  Frame,
  MAX_QUANTUM_COUNT,
  nameProblem,
  Profile,
  ResolvedDeltaEncoderOptions,
  resolveDeltaEncoderOptions,
  SeriesDictionary,
  seriesKey,
  SeriesRef,
  SetEntry,
  DEFAULT_DELTA_LIMITS,
} from './frame';
import { encodeText } from './text';
import { OptionError } from '../options';

/** A frame and its two wire forms (text is built on first use: most receivers want one form). */
export interface EncodedFrame {
  frame: Frame;
  binary: Uint8Array;
  readonly text: string;
}

interface Held {
  host: string;
  indicator: string;
  /** What the receiver holds, in quanta. */
  k: number;
  mean?: number;
  std?: number;
}

/** Turns successive profiles into frames for one receiver; see the file comment for the bound it keeps. */
export class DeltaEncoder {
  readonly options: ResolvedDeltaEncoderOptions;
  private held = new Map<string, Held>();
  private dictionary = new SeriesDictionary();
  private seq = 0;
  private sinceKeyframe = 0;
  private keyframeWanted = true;

  /** Throws {@link OptionError} naming the field of a bad option. */
  constructor(options: DeltaEncoderOptions = {}) {
    this.options = resolveDeltaEncoderOptions(options);
  }

  /** The next frame will be a keyframe: call when the receiver reports `needKeyframe` or (re)connects. */
  requestKeyframe(): void {
    this.keyframeWanted = true;
  }

  /** Sequence number the next frame will carry. */
  get nextSeq(): number {
    return this.seq;
  }

  /**
   * Encodes the current `profile` as the next frame: a keyframe when due or requested, else the changes since
   * what the receiver holds. Throws {@link OptionError} naming the series when a value is not finite, out of
   * range for `q`, or a name cannot be sent; the encoder's state is then unchanged.
   */
  next(profile: Profile): EncodedFrame {
    const { quantum: q, deadband, keyframeEvery, epoch } = this.options;
    const quantize = (field: string, x: unknown): number => {
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new OptionError(field, `${field} must be a finite number, got ${String(x)}`);
      }
      const k = Math.round(x / q);
      if (Math.abs(k) > MAX_QUANTUM_COUNT) {
        throw new OptionError(
          field,
          `${field} = ${x} is too large for quantum ${q} (at most ${MAX_QUANTUM_COUNT} × q)`
        );
      }
      return k;
    };
    const keyframe = this.keyframeWanted || this.sinceKeyframe >= keyframeEvery;
    const set: SetEntry[] = [];
    const delta: DeltaEntry[] = [];
    const baseline: BaselineEntry[] = [];
    const remove: SeriesRef[] = [];
    const seen = new Set<string>();
    const updates: Held[] = [];
    for (const [host, indicators] of profile) {
      const hostProblem = nameProblem(host, DEFAULT_DELTA_LIMITS.maxNameBytes);
      if (hostProblem) {
        throw new OptionError('profile', `host name ${JSON.stringify(host)} ${hostProblem}`);
      }
      for (const [indicator, v] of indicators) {
        const field = `profile[${JSON.stringify(host)}][${JSON.stringify(indicator)}]`;
        const problem = nameProblem(indicator, DEFAULT_DELTA_LIMITS.maxNameBytes);
        if (problem) {
          throw new OptionError(field, `indicator name ${JSON.stringify(indicator)} of host ${host} ${problem}`);
        }
        const key = seriesKey(host, indicator);
        seen.add(key);
        const held = keyframe ? undefined : this.held.get(key);
        if (held === undefined) {
          const entry: SetEntry = { host, indicator, value: quantize(`${field}.hn`, v.hn) };
          if (v.mean !== undefined || v.std !== undefined) {
            entry.mean = quantize(`${field}.mean`, v.mean);
            entry.std = quantize(`${field}.std`, v.std);
          }
          set.push(entry);
          updates.push({ host, indicator, k: entry.value, mean: entry.mean, std: entry.std });
          continue;
        }
        // Compared with exactly what the receiver computes (`k × q`), so the bound is about its value.
        const moved = (x: number, held: number, k: number) => k !== held && Math.abs(x - held * q) >= deadband;
        let next = held;
        const k = quantize(`${field}.hn`, v.hn);
        if (moved(v.hn, held.k, k)) {
          delta.push({ host, indicator, delta: k - held.k });
          next = { ...next, k };
        }
        if (v.mean !== undefined || v.std !== undefined) {
          const mean = quantize(`${field}.mean`, v.mean);
          const std = quantize(`${field}.std`, v.std);
          // μ and σ travel together and absolute: they change rarely, and one entry also covers a baseline
          // that just finished its warm-up.
          if (
            held.mean === undefined ||
            held.std === undefined ||
            moved(v.mean!, held.mean, mean) ||
            moved(v.std!, held.std, std)
          ) {
            baseline.push({ host, indicator, mean, std });
            next = { ...next, mean, std };
          }
        } else if (held.mean !== undefined) {
          baseline.push({ host, indicator });
          next = { ...next, mean: undefined, std: undefined };
        }
        if (next !== held) {
          updates.push(next);
        }
      }
    }
    if (!keyframe) {
      for (const [key, h] of this.held) {
        if (!seen.has(key)) {
          remove.push({ host: h.host, indicator: h.indicator });
        }
      }
    }
    // Everything validated: commit.
    const frame: Frame = { epoch, seq: this.seq, keyframe, quantum: q, set, delta, baseline, remove };
    const binary = encodeBinary(frame, this.dictionary);
    this.dictionary.apply(frame);
    if (keyframe) {
      this.held.clear();
      this.sinceKeyframe = 0;
      this.keyframeWanted = false;
    }
    for (const r of remove) {
      this.held.delete(seriesKey(r.host, r.indicator));
    }
    for (const u of updates) {
      this.held.set(seriesKey(u.host, u.indicator), u);
    }
    this.seq++;
    this.sinceKeyframe++;
    let text: string | undefined;
    return {
      frame,
      binary,
      get text() {
        text ??= encodeText(frame);
        return text;
      },
    };
  }
}
