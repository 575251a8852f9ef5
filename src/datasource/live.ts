/**
 * Live mode: follows the engine's `GET /api/v1/stream` (Server-Sent Events of text frames) through the data
 * source's `engine` proxy route, rebuilds profiles with the same {@link DeltaDecoder} the engine tests use,
 * and emits `LoadingState.Streaming` responses of bounded frames.
 *
 * The connection is `fetch` with a streamed body (Grafana's BackendSrv does not stream), aborted on
 * unsubscribe. After an error, a silent connection (no event or heartbeat for {@link SILENCE_MS}), or a frame
 * the decoder cannot follow (a gap), it reconnects with a backoff; the engine starts every connection with a
 * keyframe, so the rebuilt profile is whole again from the first event.
 */
import { DataQueryResponse, LoadingState } from '@grafana/data';
import { Observable } from 'rxjs';
import { DeltaDecoder, SseParser } from '../core';
import { LiveFrames } from './liveFrames';

/** Opens the stream at `url`; yields text chunks until it ends. Rejects with a readable Error. */
export type LiveTransport = (url: string, signal: AbortSignal) => Promise<AsyncIterable<string>>;

/** No byte for this long (the engine's heartbeat is 15 s by default): the connection is taken as dead. */
export const SILENCE_MS = 45_000;
/** Reconnection backoff: doubling from the first to the last, with jitter. */
export const RECONNECT_MS = { first: 1000, max: 30_000 };

/** The browser's fetch, reading the body as it arrives. */
export const fetchTransport: LiveTransport = async (url, signal) => {
  const res = await fetch(url, { signal, credentials: 'same-origin', headers: { accept: 'text/event-stream' } });
  if (!res.ok || !res.body) {
    let detail = '';
    try {
      const body = (await res.text()).slice(0, 500);
      detail = (JSON.parse(body) as { error?: string; message?: string }).error ?? body;
    } catch {
      // not JSON: the status says enough
    }
    throw new Error(`the engine answered ${res.status}${detail ? `: ${detail}` : ''}`);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            return;
          }
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
};

/** `…/engine/api/v1/stream?host=a&host=b&indicator=cpu` for comma-separated lists (blank: everything). */
export function liveUrl(base: string, hosts?: string, indicators?: string): string {
  const params = new URLSearchParams();
  const list = (s?: string) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
  list(hosts).forEach((h) => params.append('host', h));
  list(indicators).forEach((i) => params.append('indicator', i));
  const q = params.toString();
  return `${base.replace(/\/+$/, '')}/api/v1/stream${q ? `?${q}` : ''}`;
}

/** What one live query needs. */
export interface LiveOptions {
  url: string;
  refId: string;
  capacity: number;
  transport?: LiveTransport;
  now?: () => number;
  silenceMs?: number;
  reconnectMs?: { first: number; max: number };
}

/** The live query's Observable: it connects on subscribe and disconnects on unsubscribe. */
export function liveQuery(options: LiveOptions): Observable<DataQueryResponse> {
  const { url, refId } = options;
  const transport = options.transport ?? fetchTransport;
  const now = options.now ?? Date.now;
  const silenceMs = options.silenceMs ?? SILENCE_MS;
  const backoff = options.reconnectMs ?? RECONNECT_MS;
  const key = `healthentropy-live-${refId}`;
  return new Observable<DataQueryResponse>((subscriber) => {
    const frames = new LiveFrames(refId, options.capacity);
    const decoder = new DeltaDecoder();
    let stopped = false;
    let controller: AbortController | undefined;
    let wake: (() => void) | undefined;
    const emit = (error?: string) =>
      subscriber.next({
        data: frames.data(),
        key,
        state: LoadingState.Streaming,
        ...(error ? { errors: [{ refId, message: error }] } : {}),
      });

    /** One connection: resolves when it ends, throws why it failed. */
    const connect = async (): Promise<void> => {
      const c = new AbortController();
      controller = c;
      let silence: ReturnType<typeof setTimeout> | undefined;
      const arm = () => {
        clearTimeout(silence);
        silence = setTimeout(() => c.abort(new Error(`no data for ${silenceMs / 1000} s`)), silenceMs);
      };
      try {
        arm();
        const chunks = await transport(url, c.signal);
        const parser = new SseParser();
        for await (const chunk of chunks) {
          arm();
          for (const ev of parser.push(chunk)) {
            const r = decoder.receive(ev.data);
            if (r.status === 'applied') {
              frames.append(decoder.profile(), now());
              emit();
            } else if (r.status === 'error' || r.needKeyframe) {
              // A fresh connection starts with a keyframe; this one cannot be followed any more.
              throw new Error(r.error ?? `frame ${r.seq} cannot be applied (${r.status}); reconnecting for a keyframe`);
            }
          }
          if (stopped) {
            return;
          }
        }
        throw new Error('the engine closed the stream');
      } catch (e) {
        const reason = c.signal.aborted && c.signal.reason instanceof Error ? c.signal.reason : e;
        throw reason instanceof Error ? reason : new Error(String(reason));
      } finally {
        clearTimeout(silence);
        c.abort();
      }
    };

    void (async () => {
      let failures = 0;
      while (!stopped) {
        const seqBefore = decoder.seq;
        try {
          await connect();
        } catch (e) {
          if (stopped) {
            return;
          }
          failures = decoder.seq !== seqBefore ? 1 : failures + 1;
          const wait = Math.min(backoff.max, backoff.first * 2 ** (failures - 1)) * (0.75 + Math.random() / 4);
          emit(`Live stream ${url}: ${(e as Error).message}; reconnecting in ${Math.round(wait / 1000)} s`);
          await new Promise<void>((resume) => {
            wake = resume;
            setTimeout(resume, wait);
          });
        }
      }
    })();

    return () => {
      stopped = true;
      controller?.abort(new Error('unsubscribed'));
      wake?.();
    };
  });
}
