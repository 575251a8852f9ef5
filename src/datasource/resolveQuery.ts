/**
 * Turns a query as stored (possibly hand-edited JSON, possibly hostile) plus the instance's defaults into
 * validated transform options, or a {@link QueryError} whose message names the query and the field.
 */
import { rangeUtil } from '@grafana/data';
import { EntropyOptions, OptionError, prepareOptions } from '../core';
import { EntropyOutput, EntropyTransformOptions } from '../frames/entropyFrames';
import { QuorumFieldError, resolveQuorumFields, ResolvedQuorum } from './quorumQuery';
import { DEFAULT_HOST_LABEL, EntropyDataSourceOptions, EntropyQuery, OUTPUTS } from './types';

/** Longest expression accepted; Prometheus itself rejects very long queries with a less helpful message. */
export const MAX_EXPR_LENGTH = 16_384;
const MAX_TEXT_LENGTH = 1_024;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A query that cannot run; `refId` and `field` say which and where. */
export class QueryError extends Error {
  constructor(
    readonly refId: string,
    readonly field: string | undefined,
    message: string
  ) {
    super(`Query ${refId}: ${message}`);
    this.name = 'QueryError';
  }
}

/** A query ready to run: transform options plus what the upstream request needs. */
export interface ResolvedQuery {
  refId: string;
  expr: string;
  /** Lower bound of the step in ms (0: none). */
  minStepMs: number;
  minStep?: string;
  weight: number;
  transform: EntropyTransformOptions;
  /** Samples before `from` the first point needs: `W` plus the baseline's warm-up. */
  lookbackSamples: number;
  /** The `quorum` output's fields. */
  quorum?: ResolvedQuorum;
}

function optionalText(refId: string, field: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  if (typeof value !== 'string' || value.length > MAX_TEXT_LENGTH) {
    throw new QueryError(refId, field, `${field} must be text of at most ${MAX_TEXT_LENGTH} characters`);
  }
  return value;
}

/** Only keys the query or the instance actually set, so that core defaults apply to the rest. */
function entropyOptions(q: EntropyQuery, d: EntropyDataSourceOptions): EntropyOptions {
  const keys = ['estimator', 'window', 'binning', 'bins', 'lo', 'hi', 'width', 'order', 'delay'] as const;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v: unknown = q[k] ?? d[k];
    if (v !== undefined && v !== null && v !== '') {
      out[k] = v;
    }
  }
  return out as EntropyOptions;
}

/**
 * Validates `query` (already interpolated) against the instance defaults. `range` in ms bounds the output.
 * Throws {@link QueryError}.
 */
export function resolveQuery(
  query: EntropyQuery,
  defaults: EntropyDataSourceOptions,
  range?: { from: number; to: number }
): ResolvedQuery {
  const refId = typeof query.refId === 'string' && query.refId ? query.refId.slice(0, 40) : 'A';
  const expr = typeof query.expr === 'string' ? query.expr.trim() : '';
  if (!expr) {
    throw new QueryError(refId, 'expr', 'enter a PromQL expression (for example rate(node_cpu_seconds_total[5m]))');
  }
  if (expr.length > MAX_EXPR_LENGTH) {
    throw new QueryError(
      refId,
      'expr',
      `the expression is ${expr.length} characters long; the limit is ${MAX_EXPR_LENGTH}`
    );
  }
  // `live` queries never get here (the data source streams them); to this function it is unknown.
  const output = (query.output ?? 'entropy') as EntropyOutput;
  if (!OUTPUTS.some((o) => o.value === output)) {
    throw new QueryError(
      refId,
      'output',
      `output must be one of ${OUTPUTS.map((o) => o.value).join(', ')}, got ${JSON.stringify(String(output)).slice(0, 40)}`
    );
  }
  const unit = query.unit ?? 'normalized';
  if (unit !== 'normalized' && unit !== 'bits') {
    throw new QueryError(refId, 'unit', `unit must be normalized or bits`);
  }
  const hostLabel = optionalText(refId, 'hostLabel', query.hostLabel) ?? defaults.hostLabel ?? DEFAULT_HOST_LABEL;
  if (!LABEL_NAME.test(hostLabel)) {
    throw new QueryError(
      refId,
      'hostLabel',
      `host label must be a Prometheus label name like instance, got ${JSON.stringify(hostLabel.slice(0, 40))}`
    );
  }
  const minStep = optionalText(refId, 'minStep', query.minStep);
  let minStepMs = 0;
  if (minStep) {
    try {
      minStepMs = rangeUtil.intervalToMs(minStep);
    } catch {
      minStepMs = NaN;
    }
    if (!(minStepMs > 0)) {
      throw new QueryError(
        refId,
        'minStep',
        `min step must be a duration like 15s or 1m, got ${JSON.stringify(minStep.slice(0, 40))}`
      );
    }
  }
  const weight = query.weight ?? 1;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
    throw new QueryError(refId, 'weight', `weight must be a finite number ≥ 0, got ${String(weight).slice(0, 40)}`);
  }
  let quorum: ResolvedQuorum | undefined;
  if (output === 'quorum') {
    try {
      quorum = resolveQuorumFields(query);
    } catch (e) {
      if (e instanceof QuorumFieldError) {
        throw new QueryError(refId, e.field, e.message);
      }
      throw e;
    }
  }
  let window: number;
  let warmup = quorum?.role === 'indicator' ? quorum.warmup : 0;
  const entropy = entropyOptions(query, defaults);
  const baseline = output === 'baseline' && query.warmup !== undefined ? { warmup: query.warmup } : undefined;
  try {
    window = prepareOptions(entropy).window;
    if (output === 'baseline') {
      warmup = baseline?.warmup ?? 60;
      if (!Number.isInteger(warmup) || warmup < 1 || warmup > 100_000) {
        throw new OptionError(
          'warmup',
          `warmup must be an integer from 1 to 100000, got ${String(warmup).slice(0, 40)}`
        );
      }
    }
  } catch (e) {
    if (e instanceof OptionError) {
      throw new QueryError(refId, e.field, e.message);
    }
    throw e;
  }
  return {
    refId,
    expr,
    minStep,
    minStepMs,
    weight,
    lookbackSamples: quorum?.role === 'checks' ? 0 : window + warmup,
    ...(quorum ? { quorum } : {}),
    transform: {
      refId,
      entropy,
      output,
      unit,
      legendFormat: optionalText(refId, 'legendFormat', query.legendFormat),
      hostLabel,
      indicator: optionalText(refId, 'indicator', query.indicator),
      baseline,
      band: 2,
      from: range?.from,
      to: range?.to,
      expr,
    },
  };
}
