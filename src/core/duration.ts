/**
 * Durations as the engine's YAML and every message write them.
 */

/** `90000` → `1m30s` (the form the engine's YAML durations take). */
export function formatDuration(ms: number): string {
  if (ms % 1000 !== 0) {
    return `${ms}ms`;
  }
  let s = ms / 1000;
  let out = '';
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (s >= size) {
      out += `${Math.floor(s / size)}${unit}`;
      s %= size;
    }
  }
  return out || '0s';
}
