/**
 * The readable wire form of a frame, for the live stream a Grafana panel follows and for people reading it:
 *
 * ```
 * K seq=0 epoch=7 q=0.001
 * host=db-1 cpu=0.512/0.500/0.020 memory=0.300
 * D seq=1 epoch=7
 * host=db-1 cpu:+0.050 memory:-0.010 cpu@0.510/0.021 -disk
 * host=db-2 net=0.250 memory@none
 * ```
 *
 * `K`/`D` start a keyframe/delta frame; `name=v` sets a series (optionally `/μ/σ`), `name:±d` changes it,
 * `name@μ/σ` replaces its baseline (`@none` clears it), `-name` removes it. Names are percent-encoded (as `encodeURIComponent`, plus a leading `-`), so spaces,
 * `=`, `:` or `/` in a host name cannot be confused with the syntax. Values are multiples of `q` written with
 * as many decimals as `q` needs, so reading one back gives the same integer number of quanta.
 */
import {
  BaselineEntry,
  DeltaEntry,
  Frame,
  MAX_EPOCH,
  MAX_QUANTUM,
  MAX_QUANTUM_COUNT,
  MIN_QUANTUM,
  nameProblem,
  ResolvedDeltaLimits,
  SeriesRef,
  SetEntry,
} from './frame';
import { FrameError } from './varint';

/** Decimals needed to write multiples of `q` exactly (or, for a `q` like 1/3, to well below `q`). */
export function decimalsFor(q: number): number {
  for (let d = 0; d <= 12; d++) {
    const scaled = q * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) <= 1e-9 * scaled) {
      return d;
    }
  }
  return Math.min(20, Math.ceil(-Math.log10(q)) + 4);
}

function escapeName(name: string): string {
  const e = encodeURIComponent(name);
  return e.startsWith('-') ? `%2D${e.slice(1)}` : e;
}

const ESCAPED = /^[A-Za-z0-9_.!~*'()%-]+$/;

function unescapeName(token: string, what: string, limits: ResolvedDeltaLimits): string {
  if (!ESCAPED.test(token)) {
    throw new FrameError(`${what} ${JSON.stringify(token.slice(0, 40))} has a character that must be percent-encoded`);
  }
  let name: string;
  try {
    name = decodeURIComponent(token);
  } catch {
    throw new FrameError(`${what} ${JSON.stringify(token.slice(0, 40))} has a bad percent-encoding`);
  }
  const problem = nameProblem(name, limits.maxNameBytes);
  if (problem) {
    throw new FrameError(`${what} ${JSON.stringify(token.slice(0, 40))} ${problem}`);
  }
  return name;
}

/** Writes `frame` as text (no trailing newline: one frame, one SSE event). */
export function encodeText(frame: Frame): string {
  const q = frame.quantum;
  const digits = decimalsFor(q);
  const num = (k: number) => (k * q).toFixed(digits);
  const lines = [
    frame.keyframe ? `K seq=${frame.seq} epoch=${frame.epoch} q=${q}` : `D seq=${frame.seq} epoch=${frame.epoch}`,
  ];
  // Grouped by host in order of first appearance: sets keep their frame order, which the dictionary relies on.
  const hosts = new Map<string, string[]>();
  const item = (host: string, text: string) => {
    let items = hosts.get(host);
    if (!items) {
      items = [];
      hosts.set(host, items);
    }
    items.push(text);
  };
  for (const s of frame.set) {
    const base = s.mean !== undefined && s.std !== undefined ? `/${num(s.mean)}/${num(s.std)}` : '';
    item(s.host, `${escapeName(s.indicator)}=${num(s.value)}${base}`);
  }
  for (const d of frame.delta) {
    item(d.host, `${escapeName(d.indicator)}:${d.delta < 0 ? '-' : '+'}${num(Math.abs(d.delta))}`);
  }
  for (const b of frame.baseline) {
    const base = b.mean !== undefined && b.std !== undefined ? `${num(b.mean)}/${num(b.std)}` : 'none';
    item(b.host, `${escapeName(b.indicator)}@${base}`);
  }
  for (const r of frame.remove) {
    item(r.host, `-${escapeName(r.indicator)}`);
  }
  for (const [host, items] of hosts) {
    lines.push(`host=${escapeName(host)} ${items.join(' ')}`);
  }
  return lines.join('\n');
}

function countOf(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i >= 0; i = text.indexOf(ch, i + 1)) {
    n++;
  }
  return n;
}

/** The first line of a text frame: enough for the decoder to decide whether to read the rest. */
export interface FrameHeader {
  keyframe: boolean;
  epoch: number;
  seq: number;
  /** Keyframes only. */
  quantum?: number;
}

const HEADER = /^(K|D) seq=(0|[1-9][0-9]{0,15}) epoch=(0|[1-9][0-9]{0,9})(?: q=([0-9]+(?:\.[0-9]+)?(?:e-?[0-9]+)?))?$/;

/** Parses the header line; throws {@link FrameError}. */
export function peekText(text: string): FrameHeader {
  const end = text.indexOf('\n');
  const line = end < 0 ? text : text.slice(0, end);
  const m = HEADER.exec(line.length > 200 ? line.slice(0, 200) : line);
  if (!m) {
    throw new FrameError(
      `bad text frame header ${JSON.stringify(line.slice(0, 60))} (expected "K seq=N epoch=E q=Q" or "D seq=N epoch=E")`
    );
  }
  const keyframe = m[1] === 'K';
  const seq = Number(m[2]);
  const epoch = Number(m[3]);
  if (!Number.isSafeInteger(seq) || epoch > MAX_EPOCH) {
    throw new FrameError(`text frame header: seq or epoch out of range in ${JSON.stringify(line.slice(0, 60))}`);
  }
  if (keyframe !== (m[4] !== undefined)) {
    throw new FrameError(
      `text frame header: q= belongs on keyframes (K) only, in ${JSON.stringify(line.slice(0, 60))}`
    );
  }
  if (!keyframe) {
    return { keyframe, epoch, seq };
  }
  const quantum = Number(m[4]);
  if (!(quantum >= MIN_QUANTUM && quantum <= MAX_QUANTUM)) {
    throw new FrameError(`text frame header: q=${m[4]} is outside ${MIN_QUANTUM}..${MAX_QUANTUM}`);
  }
  return { keyframe, epoch, seq, quantum };
}

const NUMBER = '(-?[0-9]{1,19}(?:\\.[0-9]{1,20})?)';
const SET = new RegExp(`^([^=:/@]+)=${NUMBER}(?:/${NUMBER}/${NUMBER})?$`);
const DELTA = new RegExp(`^([^=:/@]+):([+-])([0-9]{1,19}(?:\\.[0-9]{1,20})?)$`);
const BASELINE = new RegExp(`^([^=:/@]+)@(?:${NUMBER}/${NUMBER}|none)$`);
const REMOVE = /^-([^=:/@]+)$/;

/**
 * Parses a whole text frame. `quantum` is the stream's `q` for delta frames (they do not repeat it). Throws
 * {@link FrameError} with the line and token at fault.
 */
export function decodeText(text: string, limits: ResolvedDeltaLimits, quantum?: number): Frame {
  if (text.length > limits.maxFrameBytes) {
    throw new FrameError(`text frame of ${text.length} characters is over the limit ${limits.maxFrameBytes}`);
  }
  const header = peekText(text);
  const q = header.quantum ?? quantum;
  if (q === undefined) {
    throw new FrameError('a delta frame cannot be read before a keyframe has given the quantum q');
  }
  const quanta = (s: string, where: string): number => {
    const x = Number(s);
    // `+ 0` turns −0 (from "-0.000") into 0, so equal frames compare equal.
    const k = Math.round(x / q) + 0;
    if (!Number.isFinite(x) || Math.abs(k) > MAX_QUANTUM_COUNT) {
      throw new FrameError(`${where}: ${s} is out of range for q=${q}`);
    }
    if (Math.abs(x - k * q) > 0.01 * q + 1e-15 * Math.abs(x)) {
      throw new FrameError(`${where}: ${s} is not a multiple of q=${q}`);
    }
    return k;
  };
  // Every entry and every line costs a space or a newline: counting them first bounds what `split` allocates,
  // so a frame of a million spaces is refused before a million empty strings exist.
  if (countOf(text, ' ') + countOf(text, '\n') > 2 * limits.maxSeries + 1) {
    throw new FrameError(`text frame lists more than ${limits.maxSeries} entries`);
  }
  const set: SetEntry[] = [];
  const delta: DeltaEntry[] = [];
  const baseline: BaselineEntry[] = [];
  const remove: SeriesRef[] = [];
  const lines = text.split('\n');
  let entries = 0;
  for (let i = 1; i < lines.length; i++) {
    const tokens = lines[i].split(' ');
    if (!tokens[0].startsWith('host=') || tokens.length < 2) {
      throw new FrameError(
        `line ${i + 1}: expected "host=NAME item..." , got ${JSON.stringify(lines[i].slice(0, 60))}`
      );
    }
    const host = unescapeName(tokens[0].slice(5), `line ${i + 1}: host`, limits);
    for (let t = 1; t < tokens.length; t++) {
      if (++entries > limits.maxSeries) {
        throw new FrameError(`text frame lists more than ${limits.maxSeries} entries`);
      }
      const token = tokens[t];
      const where = `line ${i + 1}, item ${JSON.stringify(token.slice(0, 40))}`;
      let m: RegExpExecArray | null;
      if ((m = REMOVE.exec(token))) {
        remove.push({ host, indicator: unescapeName(m[1], `${where}: indicator`, limits) });
      } else if ((m = DELTA.exec(token))) {
        const k = quanta(m[3], where);
        delta.push({
          host,
          indicator: unescapeName(m[1], `${where}: indicator`, limits),
          delta: m[2] === '-' ? 0 - k : k,
        });
      } else if ((m = SET.exec(token))) {
        const entry: SetEntry = {
          host,
          indicator: unescapeName(m[1], `${where}: indicator`, limits),
          value: quanta(m[2], where),
        };
        if (m[3] !== undefined) {
          entry.mean = quanta(m[3], where);
          entry.std = quanta(m[4], where);
        }
        set.push(entry);
      } else if ((m = BASELINE.exec(token))) {
        const indicator = unescapeName(m[1], `${where}: indicator`, limits);
        baseline.push(
          m[2] === undefined
            ? { host, indicator }
            : { host, indicator, mean: quanta(m[2], where), std: quanta(m[3], where) }
        );
      } else {
        throw new FrameError(`${where}: expected name=value, name:+delta, name:-delta, name@mean/std or -name`);
      }
    }
  }
  if (header.keyframe && (delta.length > 0 || baseline.length > 0 || remove.length > 0)) {
    throw new FrameError('a keyframe may only set series (name=value), not change or remove them');
  }
  return { epoch: header.epoch, seq: header.seq, keyframe: header.keyframe, quantum: q, set, delta, baseline, remove };
}
