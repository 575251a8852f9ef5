/**
 * One delivery attempt and what follows from its result: the HTTP request (no redirects, a timeout), the
 * classification of the response, `Retry-After` (seconds or an HTTP date), and the backoff between attempts.
 */

/** How an attempt ended, as counted by `health_entropy_webhook_deliveries_total{result}`. */
export type AttemptResult =
  'delivered' | 'gone' | 'rate_limited' | 'http_4xx' | 'http_5xx' | 'redirect' | 'timeout' | 'network';
export const ATTEMPT_RESULTS: readonly AttemptResult[] = [
  'delivered',
  'gone',
  'rate_limited',
  'http_4xx',
  'http_5xx',
  'redirect',
  'timeout',
  'network',
];

/** What one attempt learned. */
export interface Attempt {
  result: AttemptResult;
  /** HTTP status, null when no response arrived. */
  status: number | null;
  /** Why it failed (undefined when delivered), one line. */
  error?: string;
  /** What the receiver asked with `Retry-After`, ms from now. */
  retryAfterMs?: number;
}

/**
 * `Retry-After` as a delay in ms from `nowMs`: delta-seconds (`120`) or an HTTP date. Undefined when absent
 * or unreadable (then the backoff applies); a date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) {
    return undefined;
  }
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) {
    return Number(v) * 1000;
  }
  // IMF-fixdate and the obsolete forms Date.parse reads; a bare number or garbage is not a date.
  if (!/[a-zA-Z]/.test(v)) {
    return undefined;
  }
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

/**
 * The delay before attempt `failures + 1` after `failures` failed ones: exponential (`initial · 2^(failures−1)`,
 * at most `max`) with "equal jitter" (a uniformly random point in its upper half), so that a receiver coming
 * back is not hit by every action at once while the delay still grows. `Retry-After` wins when longer.
 */
export function retryDelay(
  failures: number,
  backoff: { initialMs: number; maxMs: number },
  random: () => number,
  retryAfterMs?: number,
  maxRetryAfterMs = Infinity
): number {
  const exp = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(failures - 1, 52));
  const jittered = exp / 2 + random() * (exp / 2);
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, maxRetryAfterMs));
}

/** Sends one POST. Never throws; never follows a redirect (a 3xx is a failed attempt naming the Location). */
export async function attempt(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  nowMs: () => number,
  signal?: AbortSignal
): Promise<Attempt> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (timeout.aborted) {
      return { result: 'timeout', status: null, error: `no response within ${timeoutMs} ms` };
    }
    const cause = err.cause?.code ?? err.cause?.message;
    return { result: 'network', status: null, error: `${err.message}${cause ? ` (${cause})` : ''}`.slice(0, 300) };
  }
  // Read (a bounded part of) the body so that the connection can be reused, and keep it for the error line.
  let text = '';
  try {
    text = (await res.text()).slice(0, 200);
  } catch {
    // A body cut short does not change what the status says.
  }
  const status = res.status;
  if (status >= 200 && status < 300) {
    return { result: 'delivered', status };
  }
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), nowMs());
  const detail = text ? `: ${text.replace(/\s+/g, ' ')}` : '';
  if (status === 410) {
    return { result: 'gone', status, error: `HTTP 410 Gone${detail}`, retryAfterMs };
  }
  if (status >= 300 && status < 400) {
    const location = (res.headers.get('location') ?? '').slice(0, 200);
    return {
      result: 'redirect',
      status,
      error: `HTTP ${status} redirect to ${location || '(no Location)'} not followed`,
    };
  }
  const result = status === 429 ? 'rate_limited' : status >= 500 ? 'http_5xx' : 'http_4xx';
  return { result, status, error: `HTTP ${status}${detail}`, retryAfterMs };
}
