/**
 * The raw samples of a series' window (the last `W` admitted), kept so that a restart restores the window
 * exactly. Only written on the hot path (one sample in, the oldest out) and read on a store snapshot.
 *
 * Memory is an issue-4 target, so the window is one plain array of doubles (a small typed array costs ~190
 * bytes of V8 objects beside its data, a plain array ~50), and timestamps are stored as the differences
 * between consecutive samples, two per double (each below 2^26 ms, about 18 hours, exactly as integers
 * below 2^52): `W` values and `W/2` doubles of time where pairs would need `W` of each. The first timestamp
 * that does not fit (not an integer, or too far from the one before) switches the window to full timestamps.
 *
 *   [mode, head, size, oldest t, newest t, W | W values | W/2 packed differences   (mode 0)
 *                                           | W values | W timestamps             (mode 1)
 */

const MODE = 0;
const HEAD = 1;
const SIZE = 2;
const OLDEST = 3;
const NEWEST = 4;
const CAPACITY = 5;
const VALUES = 6;
const PACKED = 0;
const WIDE = 1;
/** Differences below this pack two to a double exactly (2 · 26 bits ≤ the 53 of a double). */
const HALF = 2 ** 26;

/** The raw window's array (plain `number[]`: see the module comment for the layout). */
export type RawWindow = number[];

/** An empty window of `capacity` samples. */
export function rawWindow(capacity: number): RawWindow {
  // Filled with a double so that V8 stores unboxed doubles from the start and never reallocates.
  const raw = new Array<number>(VALUES + capacity + Math.ceil(capacity / 2)).fill(0.5);
  raw[MODE] = PACKED;
  raw[HEAD] = 0;
  raw[SIZE] = 0;
  raw[OLDEST] = -Infinity;
  raw[NEWEST] = -Infinity;
  raw[CAPACITY] = capacity;
  // Both halves of every pair start at 0 (setDelta keeps the other half).
  for (let i = VALUES + capacity; i < raw.length; i++) {
    raw[i] = 0;
  }
  return raw;
}

/** Timestamp of the newest sample, −Infinity when empty. */
export function rawNewest(raw: RawWindow): number {
  return raw[NEWEST];
}

/** The newest sample's value, NaN when empty. */
export function rawNewestValue(raw: RawWindow): number {
  const w = raw[CAPACITY];
  if (raw[SIZE] === 0) {
    return NaN;
  }
  const slot = raw[HEAD] + raw[SIZE] - 1;
  return raw[VALUES + (slot >= w ? slot - w : slot)];
}

/**
 * Appends a sample (the caller checked it is admitted: finite, newer than the newest) and drops the oldest
 * when full. Returns the window to keep: a new array when it had to switch to full timestamps.
 */
export function rawPush(raw: RawWindow, t: number, v: number): RawWindow {
  const w = raw[CAPACITY];
  const size = raw[SIZE];
  if (size > 0 && raw[MODE] === PACKED) {
    const d = t - raw[NEWEST];
    if (!(d < HALF && d === Math.floor(d))) {
      raw = widen(raw);
    }
  }
  let head = raw[HEAD];
  let n = size;
  if (n === w) {
    head = head + 1 === w ? 0 : head + 1;
    n--;
    raw[HEAD] = head;
    raw[OLDEST] = raw[MODE] === PACKED ? raw[OLDEST] + delta(raw, w, head) : raw[VALUES + w + head];
  }
  let slot = head + n;
  if (slot >= w) {
    slot -= w;
  }
  raw[VALUES + slot] = v;
  if (raw[MODE] === PACKED) {
    setDelta(raw, w, slot, n === 0 ? 0 : t - raw[NEWEST]);
  } else {
    raw[VALUES + w + slot] = t;
  }
  if (n === 0) {
    raw[OLDEST] = t;
  }
  raw[NEWEST] = t;
  raw[SIZE] = n + 1;
  return raw;
}

/** The samples, oldest first. */
export function rawSamples(raw: RawWindow): { times: number[]; values: number[] } {
  const w = raw[CAPACITY];
  const times: number[] = [];
  const values: number[] = [];
  let t = raw[OLDEST];
  for (let i = 0; i < raw[SIZE]; i++) {
    let slot = raw[HEAD] + i;
    if (slot >= w) {
      slot -= w;
    }
    if (raw[MODE] === PACKED) {
      t = i === 0 ? raw[OLDEST] : t + delta(raw, w, slot);
    } else {
      t = raw[VALUES + w + slot];
    }
    times.push(t);
    values.push(raw[VALUES + slot]);
  }
  return { times, values };
}

/** The difference stored for `slot`: the high or low half of its pair. */
function delta(raw: RawWindow, w: number, slot: number): number {
  const pair = raw[VALUES + w + (slot >> 1)];
  const high = Math.floor(pair / HALF);
  return slot & 1 ? pair - high * HALF : high;
}

function setDelta(raw: RawWindow, w: number, slot: number, d: number): void {
  const at = VALUES + w + (slot >> 1);
  const high = Math.floor(raw[at] / HALF);
  const low = raw[at] - high * HALF;
  raw[at] = slot & 1 ? high * HALF + d : d * HALF + low;
}

/** The same samples with full timestamps. */
function widen(raw: RawWindow): RawWindow {
  const w = raw[CAPACITY];
  const { times } = rawSamples(raw);
  const wide = new Array<number>(VALUES + 2 * w).fill(0.5);
  for (let i = 0; i < VALUES + w; i++) {
    wide[i] = raw[i];
  }
  wide[MODE] = WIDE;
  for (let i = 0; i < times.length; i++) {
    let slot = raw[HEAD] + i;
    if (slot >= w) {
      slot -= w;
    }
    wide[VALUES + w + slot] = times[i];
  }
  return wide;
}
