/**
 * A small client for the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`): POSTed forms (no URL
 * length limit for long PromQL), a timeout on every request, and errors that carry Prometheus's own message.
 */

/** One series of a query result: its labels and `[ms, value]` samples. */
export interface ResultSeries {
  labels: Record<string, string>;
  samples: Array<[number, number]>;
}

/** A failed request: `status` is the HTTP status (0 for network errors and timeouts). */
export class PrometheusError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}

/** Options for {@link PrometheusClient}. */
export interface PrometheusClientOptions {
  url: string;
  timeoutMs: number;
  headers?: Record<string, string>;
}

function parseValue(s: unknown): number {
  // Prometheus sends values as strings: "1.5", "NaN", "+Inf", "-Inf".
  if (s === '+Inf') {
    return Infinity;
  }
  if (s === '-Inf') {
    return -Infinity;
  }
  return typeof s === 'string' ? Number(s) : NaN;
}

/** Talks to one Prometheus server. */
export class PrometheusClient {
  constructor(readonly options: PrometheusClientOptions) {}

  /** Instant query at `timeMs`; the result must be a vector. */
  async query(promql: string, timeMs: number): Promise<ResultSeries[]> {
    const data = await this.post('/api/v1/query', { query: promql, time: String(timeMs / 1000) });
    if (data.resultType !== 'vector') {
      throw new PrometheusError(
        200,
        `the query must return an instant vector (one series per host), got a ${String(data.resultType)}`
      );
    }
    return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({
      labels: r.metric,
      samples: [[Math.round(r.value[0] * 1000), parseValue(r.value[1])]],
    }));
  }

  /** Range query over `[startMs, endMs]` at `stepMs`. */
  async queryRange(promql: string, startMs: number, endMs: number, stepMs: number): Promise<ResultSeries[]> {
    const data = await this.post('/api/v1/query_range', {
      query: promql,
      start: String(startMs / 1000),
      end: String(endMs / 1000),
      step: String(stepMs / 1000),
    });
    if (data.resultType !== 'matrix') {
      throw new PrometheusError(200, `the query must return series, got a ${String(data.resultType)}`);
    }
    return (data.result as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>).map((r) => ({
      labels: r.metric,
      samples: r.values.map(([t, v]) => [Math.round(t * 1000), parseValue(v)] as [number, number]),
    }));
  }

  private async post(path: string, form: Record<string, string>): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(this.options.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.options.headers },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (e) {
      const err = e as Error;
      const why =
        err.name === 'TimeoutError'
          ? `timed out after ${this.options.timeoutMs} ms`
          : `${err.message}${err.cause ? ` (${String((err.cause as Error).message ?? err.cause)})` : ''}`;
      throw new PrometheusError(0, `${path}: ${why}`);
    }
    let body: { status?: string; data?: Record<string, unknown>; error?: string };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new PrometheusError(res.status, `${path}: HTTP ${res.status} with a body that is not JSON`);
    }
    if (!res.ok || body.status !== 'success' || typeof body.data !== 'object' || body.data === null) {
      throw new PrometheusError(
        res.status,
        `${path}: HTTP ${res.status}: ${String(body.error ?? 'no error message').slice(0, 500)}`
      );
    }
    return body.data;
  }
}
