/**
 * Options of the entropy quorum (issue 7): who must agree, how long an observer's view lasts, and what makes a
 * view unpredictable or "consistently high entropy". Durations are milliseconds here; the engine's YAML and
 * the data source's query take Prometheus-style durations and convert.
 */
import { checkFinite, checkInteger, OptionError, rejectUnknownKeys } from './options';

/** Options as a caller writes them; every key may be left out. */
export interface QuorumOptions {
  /** Observers that must agree; default a majority of the observers known (seen within `knownForMs`). */
  quorum?: number;
  /** An observer whose last report is older than this drops out of the quorum. Default 5 minutes. */
  stalenessMs?: number;
  /** Observers seen within this long make up the default majority. Default 1 hour (≥ `stalenessMs`). */
  knownForMs?: number;
  /** A view is unpredictable when some indicator has its own z ≥ this. Default 3. */
  zQuorum?: number;
  /** … or `Hn` ≥ this absolute level, in (0, 1]; default: not used. */
  entropyLevel?: number;
  /** How long a view must stay unpredictable before it counts (as Prometheus's `for`). Default 1 minute. */
  forMs?: number;
  /** "High entropy" for `flagged` is `Hn` ≥ this level, in (0, 1]; default: the unpredictability rule. */
  flagLevel?: number;
  /** How long a view must stay high before it counts towards `flagged`. Default 30 minutes. */
  flagForMs?: number;
}

/** Options after defaults and validation. */
export interface ResolvedQuorumOptions {
  quorum: number | undefined;
  stalenessMs: number;
  knownForMs: number;
  zQuorum: number;
  entropyLevel: number | undefined;
  forMs: number;
  flagLevel: number | undefined;
  flagForMs: number;
}

export const DEFAULT_QUORUM_OPTIONS: ResolvedQuorumOptions = {
  quorum: undefined,
  stalenessMs: 5 * 60_000,
  knownForMs: 60 * 60_000,
  zQuorum: 3,
  entropyLevel: undefined,
  forMs: 60_000,
  flagLevel: undefined,
  flagForMs: 30 * 60_000,
};

/** Longest duration accepted (a year): beyond it a typo in units is more likely than intent. */
const MAX_DURATION_MS = 365 * 86_400_000;

function checkDuration(field: string, value: unknown, allowZero: boolean): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value <= MAX_DURATION_MS;
  if (!ok || (value as number) < 0 || (!allowZero && value === 0)) {
    const what = allowZero ? 'a duration ≥ 0' : 'a duration > 0';
    throw new OptionError(field, `${field} must be ${what} in milliseconds, at most a year, got ${String(value)}`);
  }
  return value as number;
}

function checkLevel(field: string, value: unknown): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw new OptionError(field, `${field} must be a normalized entropy level in (0, 1], got ${String(value)}`);
  }
  return value;
}

const KEYS = Object.keys(DEFAULT_QUORUM_OPTIONS);

/**
 * Applies defaults and validates; throws {@link OptionError} naming the first bad field, with `prefix` in
 * front of field names (the engine passes its own key names through `names`, e.g. `forMs` → `quorum.for`).
 */
export function resolveQuorumOptions(
  input: QuorumOptions = {},
  prefix = '',
  names: Partial<Record<keyof QuorumOptions, string>> = {}
): ResolvedQuorumOptions {
  if (input === null || typeof input !== 'object') {
    throw new OptionError(prefix || 'options', `${prefix || 'options'} must be an object, got ${String(input)}`);
  }
  rejectUnknownKeys(input, KEYS, prefix, 'a quorum option');
  const f = (k: keyof QuorumOptions) => prefix + (names[k] ?? k);
  const d = DEFAULT_QUORUM_OPTIONS;
  const o: ResolvedQuorumOptions = {
    quorum: input.quorum === undefined ? undefined : checkInteger(f('quorum'), input.quorum, 1, 10_000),
    stalenessMs: checkDuration(f('stalenessMs'), input.stalenessMs ?? d.stalenessMs, false),
    knownForMs: checkDuration(f('knownForMs'), input.knownForMs ?? d.knownForMs, false),
    zQuorum: checkFinite(f('zQuorum'), input.zQuorum ?? d.zQuorum, true),
    entropyLevel: checkLevel(f('entropyLevel'), input.entropyLevel),
    forMs: checkDuration(f('forMs'), input.forMs ?? d.forMs, true),
    flagLevel: checkLevel(f('flagLevel'), input.flagLevel),
    flagForMs: checkDuration(f('flagForMs'), input.flagForMs ?? d.flagForMs, true),
  };
  if (o.knownForMs < o.stalenessMs) {
    throw new OptionError(
      f('knownForMs'),
      `${f('knownForMs')} (${o.knownForMs} ms) must be ≥ ${f('stalenessMs')} (${o.stalenessMs} ms): an observer is known at least as long as it is active`
    );
  }
  return o;
}
