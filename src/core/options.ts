/**
 * Estimator options: the one place where defaults live and where user input is validated.
 *
 * Every part (browser plugin, engine, CLI) resolves its options through {@link resolveEntropyOptions}, so a
 * bad window or bin count is rejected with the same sentence everywhere.
 */

/** Which entropy is computed over the window. */
export type EstimatorKind = 'shannon' | 'permutation';

/** How Shannon entropy assigns values to bins (DESIGN.md, "The math"). */
export type BinningMode = 'fixed' | 'adaptive' | 'width';

/** Options as a user writes them: everything but `estimator` may be left out. */
export interface EntropyOptions {
  /** `shannon` (spread of values) or `permutation` (predictability of the dynamics). */
  estimator?: EstimatorKind;
  /** `W`: the number of admitted samples the window holds. */
  window?: number;
  /** Samples needed before entropy is defined; default `window`. */
  minFill?: number;
  /** Optional age bound: a sample older than `newest − maxAgeMs` (inclusive) leaves the window. */
  maxAgeMs?: number;
  /** Shannon binning. */
  binning?: BinningMode;
  /** `B` for `fixed` and `adaptive` binning. */
  bins?: number;
  /** Lower edge for `fixed` binning. */
  lo?: number;
  /** Upper edge for `fixed` binning. */
  hi?: number;
  /** Bin width for `width` binning. */
  width?: number;
  /** Permutation order `d` (3..7). */
  order?: number;
  /** Permutation delay `τ` (≥ 1). */
  delay?: number;
}

/** Options after defaults and validation; estimators only ever see this shape. */
export interface ResolvedEntropyOptions {
  estimator: EstimatorKind;
  window: number;
  minFill: number;
  maxAgeMs: number | undefined;
  binning: BinningMode;
  bins: number;
  lo: number;
  hi: number;
  width: number;
  order: number;
  delay: number;
}

/** Defaults: a one-hour window at a 1-minute step, ten bins over a ratio in 0..1. */
export const DEFAULT_ENTROPY_OPTIONS: ResolvedEntropyOptions = {
  estimator: 'shannon',
  window: 60,
  minFill: 60,
  maxAgeMs: undefined,
  binning: 'fixed',
  bins: 10,
  lo: 0,
  hi: 1,
  width: 1,
  order: 4,
  delay: 1,
};

/** Largest window accepted; beyond it a per-series state stops being small. */
export const MAX_WINDOW = 100_000;
/** Largest bin count for `fixed` and `adaptive`. */
export const MAX_BINS = 65_536;

/** A rejected option: `field` names it, the message says what is allowed. */
export class OptionError extends Error {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  return typeof value;
}

/** Asserts an integer in `[min, max]`; `prefix` qualifies the field name (e.g. `indicators[2].`). */
export function checkInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new OptionError(field, `${field} must be an integer from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

/** Asserts a finite number, optionally strictly positive. */
export function checkFinite(field: string, value: unknown, positive = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (positive && value <= 0)) {
    const what = positive ? 'a finite number greater than 0' : 'a finite number';
    throw new OptionError(field, `${field} must be ${what}, got ${show(value)}`);
  }
  return value;
}

function checkChoice<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new OptionError(field, `${field} must be one of ${allowed.join(', ')}, got ${show(value)}`);
  }
  return value as T;
}

/** Throws naming the first key of `input` that is not in `allowed` (a typo should not pass silently). */
export function rejectUnknownKeys(input: object, allowed: readonly string[], prefix: string, what: string): void {
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) {
      throw new OptionError(prefix + key, `${prefix + key} is not ${what} (allowed: ${allowed.join(', ')})`);
    }
  }
}

const KNOWN_KEYS = Object.keys(DEFAULT_ENTROPY_OPTIONS);

/**
 * Applies defaults and validates. Throws {@link OptionError} naming the first bad field.
 *
 * `prefix` is prepended to field names so that a config loader can report `indicators[1].window`.
 */
export function resolveEntropyOptions(input: EntropyOptions = {}, prefix = ''): ResolvedEntropyOptions {
  if (input === null || typeof input !== 'object') {
    throw new OptionError(prefix || 'options', `${prefix || 'options'} must be an object, got ${show(input)}`);
  }
  rejectUnknownKeys(input, KNOWN_KEYS, prefix, 'an entropy option');
  const d = DEFAULT_ENTROPY_OPTIONS;
  const f = (name: string) => prefix + name;
  const estimator = checkChoice(f('estimator'), input.estimator ?? d.estimator, ['shannon', 'permutation'] as const);
  const window = checkInteger(f('window'), input.window ?? d.window, 2, MAX_WINDOW);
  const binning = checkChoice(f('binning'), input.binning ?? d.binning, ['fixed', 'adaptive', 'width'] as const);
  const bins = checkInteger(f('bins'), input.bins ?? d.bins, 2, MAX_BINS);
  const lo = checkFinite(f('lo'), input.lo ?? d.lo);
  const hi = checkFinite(f('hi'), input.hi ?? d.hi);
  if (estimator === 'shannon' && binning === 'fixed' && !(hi > lo)) {
    throw new OptionError(f('hi'), `${f('hi')} must be greater than ${f('lo')} (${lo}), got ${hi}`);
  }
  const width = checkFinite(f('width'), input.width ?? d.width, true);
  const order = checkInteger(f('order'), input.order ?? d.order, 3, 7);
  const delay = checkInteger(f('delay'), input.delay ?? d.delay, 1, MAX_WINDOW);
  // A permutation window needs at least one full pattern: (d − 1)·τ + 1 samples.
  const span = estimator === 'permutation' ? (order - 1) * delay + 1 : 1;
  if (span > window) {
    throw new OptionError(
      f('delay'),
      `${f('window')} (${window}) must hold at least one pattern: (order − 1) × delay + 1 = ${span} samples`
    );
  }
  const minFill = checkInteger(f('minFill'), input.minFill ?? window, span, window);
  const maxAgeMs = input.maxAgeMs === undefined ? undefined : checkFinite(f('maxAgeMs'), input.maxAgeMs, true);
  return { estimator, window, minFill, maxAgeMs, binning, bins, lo, hi, width, order, delay };
}
