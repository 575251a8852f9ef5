/**
 * `GET /api/v1/stream`: Server-Sent Events of text frames, one {@link DeltaEncoder} per client (what a client
 * is sent depends on what it holds), keyframe first, then one frame per evaluation, filtered by host and
 * indicator, with heartbeat comments in between.
 *
 * A client that does not read is dropped, never buffered for without bound: after each write, a client whose
 * unsent bytes exceed `stream.maxBufferBytes` is disconnected. When it reconnects it gets a fresh encoder, so
 * its first event is a keyframe and nothing it missed matters.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { DeltaEncoder, formatSseEvent, Profile, SSE_HEARTBEAT } from '../../core';
import type { StreamConfig } from './config';
import { filterProfile, ProfileFilter } from './profile';
import type { DeltaTelemetry } from './telemetry';

/** Most values of `host` or `indicator` one client may ask for. */
const MAX_FILTER_VALUES = 1000;
/** Reconnection delay suggested to clients (the SSE `retry` field). */
const RETRY_MS = 2000;

interface Client {
  raw: ServerResponse;
  encoder: DeltaEncoder;
  filter: ProfileFilter;
}

/** Reads `?host=a&host=b&indicator=cpu` into a filter, or says what is wrong with it. */
export function parseStreamFilter(query: Record<string, unknown>): ProfileFilter | string {
  for (const key of Object.keys(query)) {
    if (key !== 'host' && key !== 'indicator') {
      return `unknown query parameter ${JSON.stringify(key.slice(0, 50))} (allowed: host, indicator; each may repeat)`;
    }
  }
  const set = (key: 'host' | 'indicator'): Set<string> | string => {
    const v = query[key];
    const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
    if (list.length > MAX_FILTER_VALUES) {
      return `${key} is given ${list.length} times; at most ${MAX_FILTER_VALUES}`;
    }
    for (const x of list) {
      if (typeof x !== 'string' || x === '' || x.length > 256) {
        return `each ${key} must be a non-empty name of at most 256 characters`;
      }
    }
    return new Set(list as string[]);
  };
  const hosts = set('host');
  const indicators = set('indicator');
  if (typeof hosts === 'string') {
    return hosts;
  }
  if (typeof indicators === 'string') {
    return indicators;
  }
  return { hosts, indicators };
}

/** The connected live-stream clients. */
export class StreamHub {
  private readonly clients = new Set<Client>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    readonly config: StreamConfig,
    private readonly current: () => Profile,
    private readonly telemetry: DeltaTelemetry,
    private readonly logger: Logger
  ) {
    this.timer = setInterval(() => this.heartbeat(), config.heartbeatMs);
    this.timer.unref();
  }

  /** Connected clients. */
  get size(): number {
    return this.clients.size;
  }

  /** Whether another client may connect. */
  get full(): boolean {
    return this.clients.size >= this.config.maxClients;
  }

  /** Takes over a response: SSE headers, then a keyframe of the current profile. */
  attach(raw: ServerResponse, filter: ProfileFilter): void {
    if (this.closed) {
      raw.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"shutting down"}');
      return;
    }
    const client: Client = { raw, encoder: new DeltaEncoder(this.config.encoder), filter };
    this.clients.add(client);
    raw.on('close', () => this.clients.delete(client));
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx (and Grafana behind one) would otherwise buffer the stream.
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    if (this.write(client, `retry: ${RETRY_MS}\n\n`)) {
      this.send(client, this.current());
    }
  }

  /** Sends every client its frame of `profile` (called after each evaluation). */
  publish(profile: Profile): void {
    for (const c of [...this.clients]) {
      this.send(c, profile);
    }
  }

  private send(c: Client, profile: Profile): void {
    let frame;
    try {
      frame = c.encoder.next(filterProfile(profile, c.filter));
    } catch (e) {
      this.logger.error({ err: (e as Error).message }, 'stream: a profile could not be encoded; client dropped');
      this.drop(c, 'error');
      return;
    }
    const kind = frame.frame.keyframe ? 'keyframe' : 'delta';
    if (this.write(c, formatSseEvent(frame.text, `${frame.frame.epoch}.${frame.frame.seq}`))) {
      this.telemetry.streamEvents.inc({ kind });
    }
  }

  private heartbeat(): void {
    for (const c of [...this.clients]) {
      this.write(c, SSE_HEARTBEAT);
    }
  }

  /** Writes, then drops the client if what it has not read passed the bound. */
  private write(c: Client, chunk: string): boolean {
    if (c.raw.destroyed || c.raw.writableEnded) {
      this.clients.delete(c);
      return false;
    }
    c.raw.write(chunk);
    this.telemetry.streamBytes.inc({}, Buffer.byteLength(chunk));
    if (c.raw.writableLength > this.config.maxBufferBytes) {
      this.drop(c, 'slow');
      return false;
    }
    return true;
  }

  private drop(c: Client, reason: 'slow' | 'error' | 'shutdown'): void {
    this.clients.delete(c);
    this.telemetry.streamDropped.inc({ reason });
    if (reason === 'shutdown') {
      c.raw.end();
    } else {
      this.logger.info(
        { reason, unsent: c.raw.writableLength },
        'stream: client dropped; it resumes with a keyframe when it reconnects'
      );
      // Destroy, not end: ending would queue behind the very bytes that are the problem.
      c.raw.destroy();
    }
  }

  /** Ends every stream (shutdown); later connections get 503. Idempotent. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const c of [...this.clients]) {
      this.drop(c, 'shutdown');
    }
  }
}
