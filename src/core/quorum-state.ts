/**
 * The quorum tracker's memory, and its plain-JSON form for the engine's store. Reading validates every field,
 * because a store file can be damaged or hand-edited: a bad state is an Error naming the part, never a tracker
 * that misbehaves later.
 */
import type { QuorumState } from './quorum';

/** One observer's memory of one host. */
export interface ObserverMemory {
  lastSeen: number;
  check: { ok: boolean; at: number } | undefined;
  indicators: Map<string, { entropy: number; z: number; at: number }>;
  /** Start of the current unpredictable run / high-entropy run (undefined: not in one). */
  hotSince: number | undefined;
  highSince: number | undefined;
}

/** One host's memory. */
export interface HostMemory {
  observers: Map<string, ObserverMemory>;
  state: QuorumState | undefined;
  since: number;
  flaggedSince: number | undefined;
}

/** JSON form: numbers that may be NaN are `null`. */
export interface QuorumTrackerState {
  version: 1;
  hosts: Array<{
    host: string;
    state: QuorumState | null;
    since: number;
    flaggedSince: number | null;
    observers: Array<{
      observer: string;
      lastSeen: number;
      check: [boolean, number] | null;
      indicators: Array<[string, number | null, number | null, number]>;
      hotSince: number | null;
      highSince: number | null;
    }>;
  }>;
}

const nullable = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The memory as plain JSON. */
export function writeTrackerState(memory: ReadonlyMap<string, HostMemory>): QuorumTrackerState {
  return {
    version: 1,
    hosts: [...memory].map(([host, h]) => ({
      host,
      state: h.state ?? null,
      since: h.since,
      flaggedSince: h.flaggedSince ?? null,
      observers: [...h.observers].map(([observer, m]) => ({
        observer,
        lastSeen: m.lastSeen,
        check: m.check ? [m.check.ok, m.check.at] : null,
        indicators: [...m.indicators].map(([name, v]) => [name, nullable(v.entropy), nullable(v.z), v.at]),
        hotSince: m.hotSince ?? null,
        highSince: m.highSince ?? null,
      })),
    })),
  };
}

const STATES = ['healthy', 'suspect', 'unhealthy', 'unknown'];
/** More hosts or observers than this in a stored state is not a state this engine wrote. */
const MAX_ITEMS = 10_000_000;

function fail(path: string, what: string): never {
  throw new Error(`quorum state: ${path} must be ${what}`);
}

function list(path: string, v: unknown): unknown[] {
  return Array.isArray(v) && v.length <= MAX_ITEMS ? v : fail(path, 'a list');
}

function time(path: string, v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fail(path, 'a finite number (ms)');
}

function optionalTime(path: string, v: unknown): number | undefined {
  return v === null || v === undefined ? undefined : time(path, v);
}

function text(path: string, v: unknown): string {
  return typeof v === 'string' ? v : fail(path, 'a string');
}

function record(path: string, v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : fail(path, 'a map');
}

function value(path: string, v: unknown): number {
  return v === null ? NaN : typeof v === 'number' ? v : fail(path, 'a number or null');
}

function readObserver(path: string, raw: unknown): [string, ObserverMemory] {
  const o = record(path, raw);
  const check = o.check === null || o.check === undefined ? undefined : list(`${path}.check`, o.check);
  if (check && (check.length !== 2 || typeof check[0] !== 'boolean')) {
    fail(`${path}.check`, '[ok, at] or null');
  }
  const indicators = new Map<string, { entropy: number; z: number; at: number }>();
  list(`${path}.indicators`, o.indicators).forEach((item, i) => {
    const p = `${path}.indicators[${i}]`;
    const t = list(p, item);
    if (t.length !== 4) {
      fail(p, '[name, entropy, z, at]');
    }
    indicators.set(text(p, t[0]), { entropy: value(p, t[1]), z: value(p, t[2]), at: time(p, t[3]) });
  });
  return [
    text(`${path}.observer`, o.observer),
    {
      lastSeen: time(`${path}.lastSeen`, o.lastSeen),
      check: check ? { ok: check[0] as boolean, at: time(`${path}.check[1]`, check[1]) } : undefined,
      indicators,
      hotSince: optionalTime(`${path}.hotSince`, o.hotSince),
      highSince: optionalTime(`${path}.highSince`, o.highSince),
    },
  ];
}

/** Reads what {@link writeTrackerState} wrote; throws an Error naming the first bad part. */
export function readTrackerState(raw: unknown): Map<string, HostMemory> {
  const doc = record('(state)', raw);
  if (doc.version !== 1) {
    fail('version', '1 (a state written by a newer engine cannot be read)');
  }
  const out = new Map<string, HostMemory>();
  list('hosts', doc.hosts).forEach((item, i) => {
    const path = `hosts[${i}]`;
    const h = record(path, item);
    const state = h.state === null || h.state === undefined ? undefined : text(`${path}.state`, h.state);
    if (state !== undefined && !STATES.includes(state)) {
      fail(`${path}.state`, `one of ${STATES.join(', ')}`);
    }
    const observers = new Map(
      list(`${path}.observers`, h.observers).map((o, j) => readObserver(`${path}.observers[${j}]`, o))
    );
    out.set(text(`${path}.host`, h.host), {
      observers,
      state: state as QuorumState | undefined,
      since: time(`${path}.since`, h.since),
      flaggedSince: optionalTime(`${path}.flaggedSince`, h.flaggedSince),
    });
  });
  return out;
}
