/**
 * The remote-write receiver's logic (transport-free): checks headers and auth, decompresses with a size cap,
 * decodes the whole request before applying any of it (a corrupt body changes nothing), matches series to
 * indicators by selector, and feeds the state. Prometheus retries 5xx and 429 but never 4xx, so every refusal
 * caused by the body is a 4xx: a poisoned batch is dropped, not retried forever.
 */
import { timingSafeEqual } from 'node:crypto';
import { uncompress } from 'snappyjs';
import { IndicatorConfig } from '../config';
import { selects } from '../selector';
import { EngineSeries } from '../series';
import { EngineState } from '../state';
import { Telemetry } from '../telemetry';
import { decodeWriteRequest, ProtobufError } from './protobuf';

/** The outcome of one request: 204 or a 4xx with a sentence. */
export interface WriteResult {
  status: number;
  error?: string;
}

/** Receiver options (from `remoteWrite` in the config). */
export interface ReceiverOptions {
  maxDecompressedBytes: number;
  bearerToken: string | undefined;
}

interface Route {
  indicator: IndicatorConfig;
  host: string;
}

/** Where a series' samples go; `skip` when nowhere. Cached per raw label bytes. */
interface Target {
  routes: Route[];
  skip: 'unmatched' | 'no_host_label' | undefined;
}

/** Samples stamped further ahead than this are refused (Prometheus's own TSDB uses a similar bound). */
const MAX_FUTURE_MS = 10 * 60_000;

type Headers = Record<string, string | string[] | undefined>;

/**
 * A request's samples, decoded before any is applied: typed arrays that grow and are reused from request to
 * request, so a 100,000-sample request allocates nothing per sample.
 */
class SampleBatch {
  targets: Target[] = [];
  size = 0;
  owner = new Int32Array(1024);
  times = new Float64Array(1024);
  values = new Float64Array(1024);
  stale = new Uint8Array(1024);

  add(t: number, v: number, isStale: boolean): void {
    if (this.size === this.times.length) {
      this.grow();
    }
    const i = this.size++;
    this.owner[i] = this.targets.length - 1;
    this.times[i] = t;
    this.values[i] = v;
    this.stale[i] = isStale ? 1 : 0;
  }

  /** Forgets the request (and its targets, so that a dropped target is not kept alive). */
  clear(): void {
    this.targets = [];
    this.size = 0;
  }

  private grow(): void {
    const n = 2 * this.times.length;
    const owner = new Int32Array(n);
    owner.set(this.owner);
    this.owner = owner;
    const times = new Float64Array(n);
    times.set(this.times);
    this.times = times;
    const values = new Float64Array(n);
    values.set(this.values);
    this.values = values;
    const stale = new Uint8Array(n);
    stale.set(this.stale);
    this.stale = stale;
  }
}

function header(headers: Headers, name: string): string {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/** Receives remote-write requests into an {@link EngineState}. */
export class RemoteWriteReceiver {
  private cache = new Map<string, Target>();
  /** The decoded samples of the request being handled (reused: handling is synchronous). */
  private readonly batch = new SampleBatch();
  private readonly resolved: Array<EngineSeries | null | undefined> = [];
  private readonly selectorIndicators: IndicatorConfig[];
  private readonly cacheLimit: number;
  private readonly token: Buffer | undefined;

  constructor(
    private readonly state: EngineState,
    private readonly telemetry: Telemetry,
    private readonly options: ReceiverOptions,
    private readonly now: () => number = Date.now
  ) {
    this.selectorIndicators = [...state.indicators.values()].filter((i) => i.selector !== undefined);
    // Unmatched series are cached too (most of a remote-write stream is unmatched), so bound the cache.
    this.cacheLimit = Math.max(100_000, 4 * state.options.maxSeries);
    this.token = options.bearerToken === undefined ? undefined : Buffer.from(`Bearer ${options.bearerToken}`);
  }

  /** Handles one request body (as received, snappy-compressed). */
  handle(body: Buffer, headers: Headers): WriteResult {
    if (this.token !== undefined) {
      const given = Buffer.from(header(headers, 'authorization'));
      if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) {
        return { status: 401, error: 'missing or wrong bearer token (remoteWrite.bearerToken is configured)' };
      }
    }
    const [type, ...params] = header(headers, 'content-type')
      .split(';')
      .map((s) => s.trim());
    if (type.toLowerCase() !== 'application/x-protobuf') {
      return {
        status: 415,
        error: `content-type must be application/x-protobuf (remote write 1.0), got ${JSON.stringify(type.slice(0, 100))}`,
      };
    }
    const proto = params.find((p) => p.startsWith('proto='));
    if (proto !== undefined && proto !== 'proto=prometheus.WriteRequest') {
      return {
        status: 415,
        error: `only remote write 1.0 (proto=prometheus.WriteRequest) is supported, got ${JSON.stringify(proto.slice(0, 100))}`,
      };
    }
    const encoding = header(headers, 'content-encoding').toLowerCase();
    if (encoding !== 'snappy') {
      return { status: 415, error: `content-encoding must be snappy, got ${JSON.stringify(encoding.slice(0, 100))}` };
    }
    if (body.length === 0) {
      return { status: 400, error: 'empty body: expected a snappy-compressed WriteRequest' };
    }
    let raw: Buffer;
    try {
      raw = uncompress(body, this.options.maxDecompressedBytes);
    } catch (e) {
      const tooBig = /too big/.test((e as Error).message);
      return tooBig
        ? {
            status: 413,
            error: `decompressed body exceeds remoteWrite.maxDecompressedBytes (${this.options.maxDecompressedBytes} bytes)`,
          }
        : { status: 400, error: 'body is not valid snappy block-format data' };
    }
    return this.apply(raw);
  }

  /** Decodes the whole request, then applies it. */
  private apply(raw: Buffer): WriteResult {
    const batch = this.batch;
    batch.clear();
    let skip = true;
    try {
      decodeWriteRequest(raw, {
        series: (key, labels) => {
          let t = this.cache.get(key);
          if (t === undefined) {
            t = this.resolve(labels());
            if (this.cache.size >= this.cacheLimit) {
              this.cache = new Map();
            }
            this.cache.set(key, t);
          }
          batch.targets.push(t);
          skip = t.skip !== undefined;
        },
        sample: (t, v, isStale) => {
          if (!skip) {
            batch.add(t, v, isStale);
          }
        },
      });
    } catch (e) {
      batch.clear();
      if (e instanceof ProtobufError) {
        return { status: 400, error: `body is not a valid WriteRequest: ${e.message}` };
      }
      throw e;
    }
    this.ingest(batch);
    batch.clear();
    return { status: 204 };
  }

  /**
   * Applies a decoded request, sample by sample and route by route as they came. A series' samples are
   * contiguous, so each route resolves its engine series once per run of samples (not once per sample) and
   * pushes to it directly: the steps of `EngineState.ingest`.
   */
  private ingest(batch: SampleBatch): void {
    const now = this.now();
    const skipped: Record<string, number> = {};
    let admitted = 0;
    for (const t of batch.targets) {
      if (t.skip !== undefined) {
        skipped[t.skip] = (skipped[t.skip] ?? 0) + 1;
      }
    }
    const { owner, times, values, stale } = batch;
    const latest = now + MAX_FUTURE_MS;
    for (let start = 0; start < batch.size;) {
      let end = start + 1;
      while (end < batch.size && owner[end] === owner[start]) {
        end++;
      }
      const routes = batch.targets[owner[start]].routes;
      // Per route: undefined until resolved, then the series or null (past maxSeries).
      const resolved = this.resolved;
      resolved.length = routes.length;
      resolved.fill(undefined);
      for (let i = start; i < end; i++) {
        for (let r = 0; r < routes.length; r++) {
          const route = routes[r];
          if (stale[i] === 1) {
            this.state.end(route.indicator.name, route.host);
            skipped.stale_marker = (skipped.stale_marker ?? 0) + 1;
            continue;
          }
          if (times[i] > latest) {
            // One sample from a skewed clock would otherwise make every later sample "out of order" for good.
            skipped.too_far_in_future = (skipped.too_far_in_future ?? 0) + 1;
            continue;
          }
          let series = resolved[r];
          if (series === undefined) {
            series = resolved[r] = this.state.series(route.indicator, route.host, now) ?? null;
          }
          const reason = series === null ? 'series_limit' : series.push(times[i], values[i], now);
          if (reason === undefined) {
            admitted++;
          } else {
            skipped[reason] = (skipped[reason] ?? 0) + 1;
          }
        }
      }
      start = end;
    }
    this.telemetry.ingested.inc({ source: 'remote_write' }, admitted);
    for (const [reason, n] of Object.entries(skipped)) {
      this.telemetry.skipped.inc({ source: 'remote_write', reason }, n);
    }
  }

  private resolve(labelList: Array<[string, string]>): Target {
    const labels = new Map(labelList);
    const routes: Route[] = [];
    let noHost = false;
    for (const ind of this.selectorIndicators) {
      if (selects(ind.selector!, labels)) {
        const host = labels.get(ind.hostLabel);
        if (host === undefined || host === '') {
          noHost = true;
        } else {
          routes.push({ indicator: ind, host });
        }
      }
    }
    return { routes, skip: routes.length > 0 ? undefined : noHost ? 'no_host_label' : 'unmatched' };
  }
}
