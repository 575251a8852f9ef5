/**
 * Validates a `live` query (already interpolated) against the instance: the engine URL must be set, the
 * filters are bounded lists of names, the capacity an integer in range. Returns a sentence naming the query
 * and the field, or what the stream needs.
 */
import { DEFAULT_LIVE_CAPACITY, EntropyDataSourceOptions, EntropyQuery, MAX_LIVE_CAPACITY } from './types';

/** A live query ready to connect. */
export interface ResolvedLive {
  refId: string;
  hosts: string;
  indicators: string;
  capacity: number;
}

const MAX_FILTER_CHARS = 16_384;

/** The resolved query, or why it cannot run. */
export function resolveLive(query: EntropyQuery, settings: EntropyDataSourceOptions): ResolvedLive | string {
  const refId = typeof query.refId === 'string' && query.refId ? query.refId.slice(0, 40) : 'A';
  const at = (message: string) => `Query ${refId}: ${message}`;
  if (!settings.engineUrl) {
    return at('live mode needs the engine URL: set it in the data source settings (Engine → URL)');
  }
  const text = (v: unknown): string | undefined => {
    if (v === undefined || v === null) {
      return '';
    }
    return typeof v === 'string' && v.length <= MAX_FILTER_CHARS ? v : undefined;
  };
  const hosts = text(query.liveHosts);
  if (hosts === undefined) {
    return at(`hosts must be a comma-separated list of at most ${MAX_FILTER_CHARS} characters`);
  }
  const indicators = text(query.liveIndicators);
  if (indicators === undefined) {
    return at(`indicators must be a comma-separated list of at most ${MAX_FILTER_CHARS} characters`);
  }
  const capacity = query.liveCapacity ?? DEFAULT_LIVE_CAPACITY;
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_LIVE_CAPACITY) {
    return at(`rows kept must be an integer from 1 to ${MAX_LIVE_CAPACITY}, got ${String(capacity).slice(0, 40)}`);
  }
  return { refId, hosts, indicators, capacity };
}
