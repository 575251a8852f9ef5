/**
 * Small validators for the engine's YAML config: each names the key path, shows the value and says what is
 * allowed, so that `check-config` output can be acted on without reading code.
 */

import { formatDuration } from '../core/duration';

export { formatDuration };

/** A rejected config value; `key` is the full path, e.g. `indicators[2].window`. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Renders a value for an error message without dumping a whole object or a long string. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  }
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return Array.isArray(value) ? 'a list' : 'a map';
}

/** Plain object (YAML map), not a list or scalar. */
export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rejects keys outside `allowed` (a typo must not silently fall back to a default). */
export function checkKeys(key: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(value)) {
    if (!allowed.includes(k)) {
      const at = key ? `${key}.${k}` : k;
      throw new ConfigError(at, `${at} is not a known key (allowed here: ${allowed.join(', ')})`);
    }
  }
}

/** A map or absent (→ `{}`). */
export function mapAt(key: string, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) {
    return {};
  }
  if (!isMap(value)) {
    throw new ConfigError(key, `${key} must be a map of keys, got ${show(value)}`);
  }
  return value;
}

/** A non-empty string. */
export function stringAt(key: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(key, `${key} must be a non-empty string, got ${show(value)}`);
  }
  return value;
}

/** A number in `[min, max]`, optionally an integer. */
export function numberAt(key: string, value: unknown, min: number, max: number, integer = false): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    const what = integer ? 'an integer' : 'a number';
    throw new ConfigError(key, `${key} must be ${what} from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

/** A boolean. */
export function booleanAt(key: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new ConfigError(key, `${key} must be true or false, got ${show(value)}`);
  }
  return value;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A Prometheus-style duration (`500ms`, `15s`, `1m30s`, `2h`) in milliseconds, within `[minMs, maxMs]`. Bare
 * numbers are refused: `60` could be seconds or milliseconds, and guessing wrong is a silent 1000× error.
 */
export function durationAt(key: string, value: unknown, minMs: number, maxMs: number): number {
  const allowed = `a duration like 500ms, 15s, 1m30s or 2h, from ${formatDuration(minMs)} to ${formatDuration(maxMs)}`;
  if (typeof value !== 'string' || !/^(\d+(ms|s|m|h|d))+$/.test(value)) {
    throw new ConfigError(key, `${key} must be ${allowed}, got ${show(value)}`);
  }
  let ms = 0;
  for (const [, n, unit] of value.matchAll(/(\d+)(ms|s|m|h|d)/g)) {
    ms += Number(n) * DURATION_UNITS[unit];
  }
  if (!(ms >= minMs && ms <= maxMs)) {
    throw new ConfigError(key, `${key} must be ${allowed}, got ${show(value)}`);
  }
  return ms;
}


const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  KB: 1000,
  MB: 1e6,
  GB: 1e9,
};

/** A byte size (`512KiB`, `16MiB`, or a plain integer of bytes) within `[min, max]`. */
export function sizeAt(key: string, value: unknown, min: number, max: number): number {
  let bytes = NaN;
  if (typeof value === 'number' && Number.isInteger(value)) {
    bytes = value;
  } else if (typeof value === 'string') {
    const m = /^(\d+)(B|KiB|MiB|GiB|KB|MB|GB)$/.exec(value);
    bytes = m ? Number(m[1]) * SIZE_UNITS[m[2]] : NaN;
  }
  if (!(bytes >= min && bytes <= max)) {
    throw new ConfigError(
      key,
      `${key} must be a size like 512KiB or 16MiB (or bytes), from ${min} to ${max} bytes, got ${show(value)}`
    );
  }
  return bytes;
}
