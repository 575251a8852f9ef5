/**
 * From the upstream Prometheus response to ours: groups frames by query, runs the entropy transforms, and
 * turns upstream failures and empty results into errors that name the query. Pure.
 */
import { DataFrame, DataQueryError, DataQueryResponse, LoadingState } from '@grafana/data';
import { OptionError } from '../core';
import { aggregateTransform, IndicatorInput, MissingHostLabelError } from '../frames/aggregateFrames';
import { entropyTransform } from '../frames/entropyFrames';
import { QuorumLabelError } from '../frames/quorumFrames';
import { quorumFrames } from './quorumQuery';
import { QueryError, ResolvedQuery } from './resolveQuery';

/** What the data source asked for, to read the answer. */
export interface ResponsePlan {
  queries: readonly ResolvedQuery[];
  /** Errors found before asking upstream (bad options), already readable. */
  errors: readonly QueryError[];
  /** Name of the upstream data source, for messages. */
  upstreamName: string;
}

/**
 * Most samples one query may hand to the browser (10 million: about a second of work and a few hundred MB);
 * beyond it the tab would freeze, so the query gets an error saying how to narrow it.
 */
export const MAX_SAMPLES_PER_QUERY = 10_000_000;

function sampleCount(frames: readonly DataFrame[]): number {
  let n = 0;
  for (const f of frames) {
    n += f.length * Math.max(0, f.fields.length - 1);
  }
  return n;
}

function short(expr: string): string {
  return expr.length > 80 ? `${expr.slice(0, 80)}…` : expr;
}

/** The upstream's error for this query: its own, or one without a refId (which applies to all). */
function upstreamErrorFor(res: DataQueryResponse, refId: string): DataQueryError | undefined {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- data sources written for older Grafana still set `error`
  const legacy = res.error;
  const all = legacy ? [...(res.errors ?? []), legacy] : (res.errors ?? []);
  return all.find((e) => e.refId === refId) ?? all.find((e) => !e.refId);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Our response for one upstream response. */
export function toEntropyResponse(res: DataQueryResponse, plan: ResponsePlan): DataQueryResponse {
  const errors: DataQueryError[] = plan.errors.map((e) => ({ refId: e.refId, message: e.message }));
  const byRef = new Map<string, DataFrame[]>();
  for (const frame of (res.data ?? []) as DataFrame[]) {
    const list = byRef.get(frame.refId ?? '') ?? [];
    list.push(frame);
    byRef.set(frame.refId ?? '', list);
  }
  const loading = res.state === LoadingState.Loading || res.state === LoadingState.Streaming;
  const data: DataFrame[] = [];
  const indicators: IndicatorInput[] = [];
  const quorum: Array<{ query: ResolvedQuery; frames: DataFrame[] }> = [];
  for (const q of plan.queries) {
    const upstreamError = upstreamErrorFor(res, q.refId);
    if (upstreamError) {
      const why = upstreamError.message ?? upstreamError.data?.message ?? 'unknown error';
      errors.push({
        refId: q.refId,
        message: `Query ${q.refId} (${short(q.expr)}): ${plan.upstreamName} failed: ${why}`,
      });
      continue;
    }
    const frames = byRef.get(q.refId) ?? [];
    if (frames.length === 0 || frames.every((f) => f.length === 0)) {
      if (!loading) {
        errors.push({
          refId: q.refId,
          message: `Query ${q.refId}: ${plan.upstreamName} returned no series for ${short(q.expr)} in this time range; try the expression in Explore`,
        });
      }
      continue;
    }
    const samples = sampleCount(frames);
    if (samples > MAX_SAMPLES_PER_QUERY) {
      errors.push({
        refId: q.refId,
        message:
          `Query ${q.refId}: ${plan.upstreamName} returned ${frames.length} series with ${samples} samples, more than ` +
          `the ${MAX_SAMPLES_PER_QUERY} the browser can take; aggregate the expression (e.g. avg by (instance)), ` +
          `shorten the time range or raise Min step`,
      });
      continue;
    }
    if (q.transform.output === 'aggregate') {
      indicators.push({ frames, options: q.transform, weight: q.weight });
      continue;
    }
    if (q.transform.output === 'quorum') {
      quorum.push({ query: q, frames });
      continue;
    }
    try {
      data.push(...entropyTransform(frames, q.transform));
    } catch (e) {
      errors.push({
        refId: q.refId,
        message: e instanceof OptionError ? `Query ${q.refId}: ${e.message}` : message(e),
      });
    }
  }
  if (indicators.length > 0) {
    try {
      data.push(...aggregateTransform(indicators));
    } catch (e) {
      const refId = e instanceof MissingHostLabelError ? e.refId : indicators[0].options.refId;
      errors.push({ refId, message: message(e) });
    }
  }
  try {
    data.push(...quorumFrames(quorum));
  } catch (e) {
    errors.push({ refId: e instanceof QuorumLabelError ? e.refId : quorum[0].query.refId, message: message(e) });
  }
  return {
    data,
    key: res.key,
    state: errors.length > 0 && data.length === 0 && !loading ? LoadingState.Error : (res.state ?? LoadingState.Done),
    errors: errors.length > 0 ? errors : undefined,
  };
}
