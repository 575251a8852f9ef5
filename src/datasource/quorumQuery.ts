/**
 * The `quorum` output of the data source: validating a query's quorum fields, and running the quorum transform
 * over every quorum query of a request at once (checks and indicators together, as the engine assesses them).
 */
import { DataFrame, rangeUtil } from '@grafana/data';
import { OptionError, QuorumOptions, resolveQuorumOptions } from '../core';
import { QuorumInput, quorumTransform } from '../frames/quorumFrames';
import type { ResolvedQuery } from './resolveQuery';
import type { EntropyQuery, QuorumQueryOptions } from './types';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A quorum query's part of a {@link ResolvedQuery}. */
export interface ResolvedQuorum {
  role: 'checks' | 'indicator';
  observerLabel: string;
  /** The assessment options this query sets (ms), already validated; undefined when it sets none. */
  options: QuorumOptions | undefined;
  /** Baseline warm-up of each indicator series (z needs it). */
  warmup: number;
  /** History before `from` the streaks need (`for`, `flag.for`) with these options. */
  lookbackMs: number;
}

/** A validation failure: which field, and the sentence. */
export class QuorumFieldError extends Error {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(message);
  }
}

const DURATIONS: Array<[keyof QuorumQueryOptions, keyof QuorumOptions]> = [
  ['staleness', 'stalenessMs'],
  ['knownFor', 'knownForMs'],
  ['for', 'forMs'],
  ['flagFor', 'flagForMs'],
];
const NUMBERS: Array<[keyof QuorumQueryOptions, keyof QuorumOptions]> = [
  ['size', 'quorum'],
  ['zQuorum', 'zQuorum'],
  ['entropyLevel', 'entropyLevel'],
  ['flagLevel', 'flagLevel'],
];
const NAMES = Object.fromEntries([...DURATIONS, ...NUMBERS].map(([ours, core]) => [core, ours]));

function duration(field: string, value: unknown): number {
  let ms = NaN;
  if (typeof value === 'string' && value.trim() !== '') {
    try {
      ms = value.trim() === '0' || /^0+(ms|s|m|h|d)$/.test(value.trim()) ? 0 : rangeUtil.intervalToMs(value.trim());
    } catch {
      ms = NaN;
    }
  }
  if (!(ms >= 0)) {
    throw new QuorumFieldError(
      field,
      `${field} must be a duration like 30s, 5m or 1h, got ${JSON.stringify(String(value)).slice(0, 40)}`
    );
  }
  return ms;
}

/** Validates the quorum fields of `query` (output `quorum`); throws {@link QuorumFieldError}. */
export function resolveQuorumFields(query: EntropyQuery): ResolvedQuorum {
  const observerLabel = query.observerLabel;
  if (typeof observerLabel !== 'string' || !LABEL_NAME.test(observerLabel)) {
    throw new QuorumFieldError(
      'observerLabel',
      `the quorum output needs an observer label, the label that tells observers apart (e.g. prober or replica), got ${JSON.stringify(String(observerLabel ?? '')).slice(0, 40)}`
    );
  }
  const role = query.quorumRole ?? 'indicator';
  if (role !== 'checks' && role !== 'indicator') {
    throw new QuorumFieldError(
      'quorumRole',
      `quorumRole must be checks or indicator, got ${JSON.stringify(String(role)).slice(0, 40)}`
    );
  }
  const raw: QuorumQueryOptions = query.quorum ?? {};
  if (typeof raw !== 'object' || raw === null) {
    throw new QuorumFieldError('quorum', 'quorum must be a map of options');
  }
  const input: Record<string, unknown> = {};
  for (const [ours, core] of DURATIONS) {
    if (raw[ours] !== undefined && raw[ours] !== '') {
      input[core] = duration(`quorum.${ours}`, raw[ours]);
    }
  }
  for (const [ours, core] of NUMBERS) {
    if (raw[ours] !== undefined && raw[ours] !== null) {
      input[core] = raw[ours];
    }
  }
  let resolved;
  try {
    resolved = resolveQuorumOptions(input as QuorumOptions, 'quorum.', NAMES);
  } catch (e) {
    if (e instanceof OptionError) {
      throw new QuorumFieldError(e.field, e.message);
    }
    throw e;
  }
  const warmup = query.warmup ?? 60;
  if (!Number.isInteger(warmup) || warmup < 1 || warmup > 100_000) {
    throw new QuorumFieldError(
      'warmup',
      `warmup must be an integer from 1 to 100000, got ${String(warmup).slice(0, 40)}`
    );
  }
  return {
    role,
    observerLabel,
    options: Object.keys(input).length > 0 ? (input as QuorumOptions) : undefined,
    warmup,
    lookbackMs: Math.max(resolved.forMs, resolved.flagForMs),
  };
}

/** The assessment options of a request: those of the first quorum query that sets any, else the defaults. */
function effective(queries: ReadonlyArray<Pick<ResolvedQuery, 'quorum'>>): ResolvedQuorum | undefined {
  return queries.find((q) => q.quorum?.options)?.quorum ?? queries.find((q) => q.quorum)?.quorum;
}

/** History before `from` the request's quorum needs, beyond the windows (0 without quorum queries). */
export function quorumLookbackMs(queries: ReadonlyArray<Pick<ResolvedQuery, 'quorum'>>): number {
  return effective(queries)?.lookbackMs ?? 0;
}

/**
 * The quorum frames of a request: every quorum query's frames together. The assessment options are those of
 * the first quorum query that sets any (the checks query, typically). Throws what the transform throws.
 */
export function quorumFrames(
  queries: ReadonlyArray<{ query: ResolvedQuery; frames: readonly DataFrame[] }>
): DataFrame[] {
  if (queries.length === 0) {
    return [];
  }
  const inputs: QuorumInput[] = queries.map(({ query: q, frames }) => ({
    refId: q.refId,
    frames,
    role: q.quorum!.role,
    hostLabel: q.transform.hostLabel,
    observerLabel: q.quorum!.observerLabel,
    indicator: q.transform.indicator,
    pipeline: { entropy: q.transform.entropy, baseline: { warmup: q.quorum!.warmup } },
  }));
  const options = effective(queries.map((q) => q.query))?.options ?? {};
  const first = queries[0].query;
  return quorumTransform(inputs, {
    refId: first.refId,
    quorum: options,
    from: first.transform.from,
    to: first.transform.to,
  });
}
