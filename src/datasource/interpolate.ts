/**
 * Template variables in PromQL, the way Grafana's Prometheus data source formats them: a single value as is,
 * several values (or All) as an escaped regex alternation `(a|b)` for use with `=~`.
 */
import { ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';
import { EntropyQuery } from './types';

const REGEX_SPECIAL = /[\\^$*+?.()|[\]{}]/g;

/** Escapes a label value for a Prometheus regex matcher. */
export function escapeRegex(value: string): string {
  return value.replace(REGEX_SPECIAL, '\\$&');
}

/** Formats a variable's value for PromQL. */
export function formatPromValue(value: unknown): string {
  if (Array.isArray(value)) {
    return value.length === 1
      ? escapeRegex(String(value[0]))
      : `(${value.map((v) => escapeRegex(String(v))).join('|')})`;
  }
  return String(value ?? '');
}

/** Formats a variable's value for a comma-separated list of names (the live filters). */
export function formatListValue(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(',') : String(value ?? '');
}

/** The query with variables in its text fields replaced (numbers are left alone). */
export function interpolateQuery(
  templateSrv: TemplateSrv,
  query: EntropyQuery,
  scopedVars: ScopedVars = {}
): EntropyQuery {
  const text = (v: string | undefined) => (typeof v === 'string' ? templateSrv.replace(v, scopedVars) : v);
  return {
    ...query,
    expr: typeof query.expr === 'string' ? templateSrv.replace(query.expr, scopedVars, formatPromValue) : query.expr,
    legendFormat: text(query.legendFormat),
    hostLabel: text(query.hostLabel),
    minStep: text(query.minStep),
    indicator: text(query.indicator),
    // Live filters are comma-separated lists: several values of a variable become several names.
    liveHosts:
      typeof query.liveHosts === 'string'
        ? templateSrv.replace(query.liveHosts, scopedVars, formatListValue)
        : query.liveHosts,
    liveIndicators:
      typeof query.liveIndicators === 'string'
        ? templateSrv.replace(query.liveIndicators, scopedVars, formatListValue)
        : query.liveIndicators,
  };
}
