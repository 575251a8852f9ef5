/**
 * The compact wire form of a frame, for edge → central pushes:
 *
 * ```
 * version u8 (=1) · kind u8 (0 delta, 1 keyframe) · epoch uvarint · seq uvarint
 * keyframe:  q float64 LE
 * names:     count uvarint, then per name: length uvarint, UTF-8 bytes       (names of new series only)
 * sets:      count uvarint, then per series: host index, indicator index (uvarint, into names),
 *            value svarint, flags u8 (bit 0: baseline follows), [mean svarint, std svarint]
 * delta frames only:
 * deltas:    count uvarint, then per change: id gap uvarint, delta svarint    (ids ascending)
 * baselines: count uvarint, then per series: id gap uvarint, flags u8, [mean svarint, std svarint]
 * removals:  count uvarint, then per series: id gap uvarint                   (ids ascending)
 * ```
 *
 * Values are integers in quanta (zigzag varints), so a stable host costs nothing and a typical change one or
 * two bytes. Series are referred to by id in the {@link SeriesDictionary} that both ends advance with every
 * frame; ids are written as gaps from the previous one, so a busy frame spends about a byte per id.
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
  SeriesDictionary,
  SeriesRef,
  SetEntry,
} from './frame';
import type { FrameHeader } from './text';
import { ByteReader, ByteWriter, FrameError } from './varint';

/** The format version this code writes and reads; any other first byte is rejected. */
export const BINARY_VERSION = 1;

const KIND_DELTA = 0;
const KIND_KEYFRAME = 1;
const HAS_BASELINE = 1;

// Created on first use, so importing the core never needs them (some test environments add them late).
let utf8: { encode(s: string): Uint8Array } | undefined;
let utf8Strict: { decode(b: Uint8Array): string } | undefined;
const encodeUtf8 = (s: string) => (utf8 ??= new TextEncoder()).encode(s);
// `fatal`: a malformed name is an error, not a silent U+FFFD that would name a different series.
const decodeUtf8 = (b: Uint8Array) => (utf8Strict ??= new TextDecoder('utf-8', { fatal: true })).decode(b);

function sortedIds(refs: SeriesRef[], dictionary: SeriesDictionary): number[] {
  return refs.map((r) => {
    const id = dictionary.id(r.host, r.indicator);
    if (id === undefined) {
      throw new Error(`series ${r.host}/${r.indicator} is not in the dictionary (encoder bug)`);
    }
    return id;
  });
}

function writeBaseline(w: ByteWriter, mean: number | undefined, std: number | undefined): void {
  const base = mean !== undefined && std !== undefined;
  w.byte(base ? HAS_BASELINE : 0);
  if (base) {
    w.svarint(mean);
    w.svarint(std);
  }
}

function readBaseline(r: ByteReader, what: string): { mean?: number; std?: number } {
  const flags = r.byte('flags');
  if (flags & ~HAS_BASELINE) {
    throw new FrameError(`unknown flags ${flags} on ${what}`);
  }
  if (!(flags & HAS_BASELINE)) {
    return {};
  }
  return { mean: r.svarint('baseline mean', MAX_QUANTUM_COUNT), std: r.svarint('baseline std', MAX_QUANTUM_COUNT) };
}

/** Writes `frame`; `dictionary` is the stream's table *before* this frame. */
export function encodeBinary(frame: Frame, dictionary: SeriesDictionary): Uint8Array {
  const w = new ByteWriter();
  w.byte(BINARY_VERSION);
  w.byte(frame.keyframe ? KIND_KEYFRAME : KIND_DELTA);
  w.uvarint(frame.epoch);
  w.uvarint(frame.seq);
  if (frame.keyframe) {
    w.float64(frame.quantum);
  }
  const names = new Map<string, number>();
  const nameIndex = (s: string) => {
    let i = names.get(s);
    if (i === undefined) {
      i = names.size;
      names.set(s, i);
    }
    return i;
  };
  const refs = frame.set.map((s) => [nameIndex(s.host), nameIndex(s.indicator)]);
  w.uvarint(names.size);
  for (const name of names.keys()) {
    const bytes = encodeUtf8(name);
    w.uvarint(bytes.length);
    w.bytes(bytes);
  }
  w.uvarint(frame.set.length);
  frame.set.forEach((s, i) => {
    w.uvarint(refs[i][0]);
    w.uvarint(refs[i][1]);
    w.svarint(s.value);
    writeBaseline(w, s.mean, s.std);
  });
  if (frame.keyframe) {
    return w.finish();
  }
  const deltaIds = sortedIds(frame.delta, dictionary);
  const order = deltaIds.map((_, i) => i).sort((a, b) => deltaIds[a] - deltaIds[b]);
  w.uvarint(order.length);
  let prev = -1;
  for (const i of order) {
    w.uvarint(deltaIds[i] - prev - 1);
    w.svarint(frame.delta[i].delta);
    prev = deltaIds[i];
  }
  const baseIds = sortedIds(frame.baseline, dictionary);
  const baseOrder = baseIds.map((_, i) => i).sort((a, b) => baseIds[a] - baseIds[b]);
  w.uvarint(baseOrder.length);
  prev = -1;
  for (const i of baseOrder) {
    const b = frame.baseline[i];
    w.uvarint(baseIds[i] - prev - 1);
    writeBaseline(w, b.mean, b.std);
    prev = baseIds[i];
  }
  const removeIds = sortedIds(frame.remove, dictionary).sort((a, b) => a - b);
  w.uvarint(removeIds.length);
  prev = -1;
  for (const id of removeIds) {
    w.uvarint(id - prev - 1);
    prev = id;
  }
  return w.finish();
}

function readHeader(r: ByteReader): FrameHeader {
  const version = r.byte('version');
  if (version !== BINARY_VERSION) {
    throw new FrameError(`unknown binary frame version ${version} (this decoder reads version ${BINARY_VERSION})`);
  }
  const kind = r.byte('kind');
  if (kind !== KIND_DELTA && kind !== KIND_KEYFRAME) {
    throw new FrameError(`unknown frame kind ${kind} (0 delta, 1 keyframe)`);
  }
  const epoch = r.count('epoch', MAX_EPOCH);
  const seq = r.uvarint('seq');
  if (kind === KIND_DELTA) {
    return { keyframe: false, epoch, seq };
  }
  const quantum = r.float64('quantum');
  if (!(quantum >= MIN_QUANTUM && quantum <= MAX_QUANTUM)) {
    throw new FrameError(`keyframe quantum ${quantum} is outside ${MIN_QUANTUM}..${MAX_QUANTUM}`);
  }
  return { keyframe: true, epoch, seq, quantum };
}

/** Reads the header only (version, kind, epoch, seq, keyframe quantum); throws {@link FrameError}. */
export function peekBinary(bytes: Uint8Array): FrameHeader {
  return readHeader(new ByteReader(bytes));
}

/**
 * Reads a whole frame. Delta frames refer to `dictionary` (the receiver's table before this frame) and use the
 * stream's `quantum`. Every count is checked against `limits` before use, so a hostile length allocates nothing.
 */
export function decodeBinary(
  bytes: Uint8Array,
  limits: ResolvedDeltaLimits,
  dictionary: SeriesDictionary,
  quantum?: number
): Frame {
  if (bytes.length > limits.maxFrameBytes) {
    throw new FrameError(`binary frame of ${bytes.length} bytes is over the limit ${limits.maxFrameBytes}`);
  }
  const r = new ByteReader(bytes);
  const header = readHeader(r);
  const q = header.quantum ?? quantum;
  if (q === undefined) {
    throw new FrameError('a delta frame cannot be read before a keyframe has given the quantum q');
  }
  const nameCount = r.count('name count', 2 * limits.maxSeries);
  const names: string[] = [];
  for (let i = 0; i < nameCount; i++) {
    const len = r.count(`length of name ${i}`, limits.maxNameBytes);
    let name: string;
    try {
      name = decodeUtf8(r.bytes(len, `name ${i}`));
    } catch (e) {
      if (e instanceof FrameError) {
        throw e;
      }
      throw new FrameError(`name ${i} is not valid UTF-8`);
    }
    const problem = nameProblem(name, limits.maxNameBytes);
    if (problem) {
      throw new FrameError(`name ${i} ${problem}`);
    }
    names.push(name);
  }
  const nameAt = (what: string) => {
    const i = r.uvarint(what);
    if (i >= names.length) {
      throw new FrameError(`${what} ${i} is past the ${names.length} names of the frame`);
    }
    return names[i];
  };
  const set: SetEntry[] = [];
  const setCount = r.count('series count', limits.maxSeries);
  for (let i = 0; i < setCount; i++) {
    const host = nameAt('host index');
    const indicator = nameAt('indicator index');
    const value = r.svarint('value', MAX_QUANTUM_COUNT);
    set.push({ host, indicator, value, ...readBaseline(r, `series ${i}`) });
  }
  const delta: DeltaEntry[] = [];
  const baseline: BaselineEntry[] = [];
  const remove: SeriesRef[] = [];
  if (!header.keyframe) {
    const series = (prev: number, what: string): [number, SeriesRef] => {
      const id = prev + 1 + r.uvarint(what);
      const ref = dictionary.name(id);
      if (ref === undefined) {
        throw new FrameError(`${what}: series id ${id} is not in the stream's dictionary`);
      }
      return [id, ref];
    };
    const deltaCount = r.count('delta count', limits.maxSeries);
    let prev = -1;
    for (let i = 0; i < deltaCount; i++) {
      const [id, ref] = series(prev, 'delta id');
      delta.push({ ...ref, delta: r.svarint('delta', 2 * MAX_QUANTUM_COUNT) });
      prev = id;
    }
    const baseCount = r.count('baseline count', limits.maxSeries);
    prev = -1;
    for (let i = 0; i < baseCount; i++) {
      const [id, ref] = series(prev, 'baseline id');
      baseline.push({ ...ref, ...readBaseline(r, `baseline ${i}`) });
      prev = id;
    }
    const removeCount = r.count('removal count', limits.maxSeries);
    prev = -1;
    for (let i = 0; i < removeCount; i++) {
      const [id, ref] = series(prev, 'removal id');
      remove.push({ ...ref });
      prev = id;
    }
  }
  if (r.remaining > 0) {
    throw new FrameError(`${r.remaining} unexpected bytes after the frame end at byte ${r.offset}`);
  }
  return { epoch: header.epoch, seq: header.seq, keyframe: header.keyframe, quantum: q, set, delta, baseline, remove };
}
