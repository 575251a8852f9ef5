/**
 * `GET /api/v1/stream`: through `fastify.inject` (the hub's close ends the response) and over real sockets:
 * keyframe first, filtered, rebuilt within ε + q/2; a client that does not read is dropped while the others
 * go on; a reconnect starts with a keyframe; auth, bad filters and the client limit are 4xx.
 */
import { ClientRequest, get, IncomingMessage } from 'node:http';
import { DeltaDecoder, SseEvent, SseParser } from '../../core';
import { seeded } from '../../core/testing';
import type { Engine } from '../engine';
import { stateProfile } from './profile';
import { engineFrom } from './testing';

const ENV = { STREAM_TOKEN: 'stream-secret' };
const BOUND = 0.01 + 0.001 / 2;

function config(stream: string): string {
  return `
listen: 127.0.0.1:0
interval: 1s
stream: { ${stream} }
defaults: { window: 6, baseline: { warmup: 3 } }
indicators:
  - { name: cpu, selector: cpu }
  - { name: mem, selector: mem }
`;
}

/** One evaluation with a sample per host and indicator; `wide` hosts have long names (big frames). */
function step(e: Engine, i: number, r: () => number, hosts = ['h1', 'h2', 'h3']): void {
  const t = 1_000_000 + i * 1000;
  for (const host of hosts) {
    for (const ind of e.state.indicators.values()) {
      e.state.ingest(ind, host, t, r(), t);
    }
  }
  e.state.evaluate(t);
  e.deltas.afterEvaluation(t);
}

/** A live-stream reader over a real socket (node:http, which undoes the chunked encoding), decoding what it gets. */
class Reader {
  readonly parser = new SseParser();
  readonly decoder = new DeltaDecoder();
  readonly events: SseEvent[] = [];
  readonly request: ClientRequest;
  response: IncomingMessage | undefined;
  closed = false;
  private waiters: Array<() => void> = [];

  constructor(address: string, path: string, headers: Record<string, string> = {}) {
    this.request = get(`http://${address}${path}`, { headers }, (res) => {
      this.response = res;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        for (const e of this.parser.push(chunk)) {
          this.events.push(e);
          expect(this.decoder.receive(e.data).status).toBe('applied');
        }
        this.wake();
      });
      res.on('close', () => {
        this.closed = true;
        this.wake();
      });
    });
    this.request.on('error', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(address: string, path: string, headers: Record<string, string> = {}): Reader {
    return new Reader(address, path, headers);
  }

  private wake(): void {
    this.waiters.splice(0).forEach((w) => w());
  }

  /** Stops reading: Node stops reading the socket, then the kernel buffers fill. */
  pause(): void {
    this.response?.pause();
  }

  resume(): void {
    this.response?.resume();
  }

  destroy(): void {
    this.request.destroy();
  }

  async until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what} (${this.events.length} events, closed: ${this.closed})`);
      }
      await new Promise<void>((ok) => {
        this.waiters.push(ok);
        setTimeout(ok, 100);
      });
    }
  }
}

describe('live stream: GET /api/v1/stream', () => {
  const engines: Engine[] = [];
  afterEach(async () => {
    for (const e of engines.splice(0)) {
      await e.deltas.stop();
      await e.server.close();
    }
  });
  const started = async (yaml: string) => {
    const e = engineFrom(yaml, ENV);
    engines.push(e);
    await e.server.listen({ host: '127.0.0.1', port: 0 });
    return e;
  };

  it('inject: SSE headers, a keyframe first, then one delta event per evaluation, filtered', async () => {
    const e = engineFrom(config('heartbeat: 1h'), ENV);
    const r = seeded(1);
    for (let i = 0; i < 8; i++) {
      step(e, i, r);
    }
    const pending = e.server.inject('/api/v1/stream?host=h1&host=h3&indicator=cpu');
    await new Promise((ok) => setTimeout(ok, 50));
    for (let i = 8; i < 12; i++) {
      step(e, i, r);
    }
    e.deltas.stream!.close();
    const res = await pending;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache, no-transform');
    const events = new SseParser().push(res.body);
    expect(events).toHaveLength(5);
    expect(events[0].data).toMatch(/^K seq=0 /);
    expect(events.slice(1).every((ev) => ev.data.startsWith('D '))).toBe(true);
    expect(events.map((ev) => ev.id.split('.')[1])).toEqual(['0', '1', '2', '3', '4']);
    expect(res.body.startsWith('retry: 2000\n\n')).toBe(true);
    const decoder = new DeltaDecoder();
    events.forEach((ev) => expect(decoder.receive(ev.data).status).toBe('applied'));
    const got = decoder.profile();
    expect([...got.keys()].sort()).toEqual(['h1', 'h3']);
    const truth = stateProfile(e.state).profile;
    for (const host of ['h1', 'h3']) {
      expect([...got.get(host)!.keys()]).toEqual(['cpu']);
      expect(Math.abs(got.get(host)!.get('cpu')!.hn - truth.get(host)!.get('cpu')!.hn)).toBeLessThanOrEqual(
        BOUND + 1e-12
      );
    }
  });

  it.each([
    ['an unknown parameter', '/api/v1/stream?hosts=a', 400, /unknown query parameter "hosts"/],
    ['an empty host', '/api/v1/stream?host=', 400, /non-empty name/],
    ['a huge indicator', `/api/v1/stream?indicator=${'i'.repeat(300)}`, 400, /at most 256/],
    [
      'too many hosts',
      `/api/v1/stream?${Array.from({ length: 1001 }, (_, i) => `host=h${i}`).join('&')}`,
      400,
      /at most 1000/,
    ],
  ])('refuses %s (400)', async (_what, url, status, message) => {
    const e = engineFrom(config(''), ENV);
    const res = await e.server.inject(url);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatch(message);
    e.deltas.stream!.close();
  });

  it('asks for the bearer token when one is configured, refuses clients past maxClients, and 404s when disabled', async () => {
    const e = await started(config('bearerToken: { env: STREAM_TOKEN }, maxClients: 1'));
    expect((await e.server.inject('/api/v1/stream')).statusCode).toBe(401);
    expect(
      (await e.server.inject({ url: '/api/v1/stream', headers: { authorization: 'Bearer nope' } })).json()
    ).toEqual({
      error: 'missing or wrong bearer token (stream.bearerToken is configured)',
    });
    const first = Reader.open(e.address, '/api/v1/stream', { authorization: 'Bearer stream-secret' });
    await first.until('the keyframe', () => first.events.length === 1);
    const res = await fetch(`http://${e.address}/api/v1/stream`, {
      headers: { authorization: 'Bearer stream-secret' },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('10');
    expect(((await res.json()) as { error: string }).error).toMatch(/stream\.maxClients \(1\)/);
    first.destroy();
    const off = engineFrom(config('enabled: false'), ENV);
    expect((await off.server.inject('/api/v1/stream')).json()).toEqual({
      error: 'the live stream is disabled (stream.enabled: false)',
    });
  });

  it('over sockets: heartbeats, every client its own encoder, a reconnect starts with a keyframe', async () => {
    const e = await started(config('heartbeat: 200ms'));
    const r = seeded(2);
    for (let i = 0; i < 8; i++) {
      step(e, i, r);
    }
    const a = Reader.open(e.address, '/api/v1/stream');
    await a.until('a keyframe', () => a.events.length === 1);
    for (let i = 8; i < 14; i++) {
      step(e, i, r);
    }
    const b = Reader.open(e.address, '/api/v1/stream?indicator=mem');
    await b.until('b keyframe', () => b.events.length === 1);
    step(e, 14, r);
    await a.until('a frames', () => a.events.length === 8);
    await b.until('b frames', () => b.events.length === 2);
    expect(b.events[0].data).toMatch(/^K seq=0/);
    expect(a.events[0].id.split('.')[0]).not.toBe(b.events[0].id.split('.')[0]); // own encoder, own epoch
    const truth = stateProfile(e.state).profile;
    for (const [host, m] of truth) {
      for (const [ind, v] of m) {
        expect(Math.abs(a.decoder.profile().get(host)!.get(ind)!.hn - v.hn)).toBeLessThanOrEqual(BOUND + 1e-12);
      }
    }
    expect([...b.decoder.profile().get('h1')!.keys()]).toEqual(['mem']);
    // Heartbeat comments arrive between frames and dispatch nothing.
    const before = a.events.length;
    await new Promise((ok) => setTimeout(ok, 500));
    expect(a.events.length).toBe(before);
    expect((await e.server.inject('/metrics')).body).toMatch(/^health_entropy_stream_bytes_total \d+$/m);
    // Reconnect: a fresh encoder, so a keyframe first.
    a.destroy();
    const again = Reader.open(e.address, '/api/v1/stream');
    await again.until('keyframe after reconnect', () => again.events.length === 1);
    expect(again.events[0].data).toMatch(/^K seq=0/);
    b.destroy();
    again.destroy();
  });

  it('drops a client that does not read (unsent bytes past maxBufferBytes) and keeps serving one that does', async () => {
    const e = await started(config('maxBufferBytes: 64KiB, keyframeEvery: 1, heartbeat: 1h'));
    const r = seeded(3);
    // Long host names make every (key)frame about 20 KB of text.
    const hosts = Array.from({ length: 100 }, (_, i) => `host-${String(i).padStart(3, '0')}-${'x'.repeat(150)}`);
    for (let i = 0; i < 7; i++) {
      step(e, i, r, hosts);
    }
    const slow = Reader.open(e.address, '/api/v1/stream');
    await slow.until('the slow client connected', () => slow.events.length === 1);
    slow.pause(); // stops reading: the kernel buffers fill, then Node's
    const fast = Reader.open(e.address, '/api/v1/stream');
    await fast.until('the fast client connected', () => fast.events.length === 1);
    let i = 7;
    while (e.deltas.stream!.size === 2 && i < 3000) {
      step(e, i++, r, hosts);
      // Let the sockets move; the fast reader keeps up.
      await new Promise((ok) => setImmediate(ok));
    }
    expect(e.deltas.stream!.size).toBe(1);
    expect(i).toBeLessThan(3000);
    expect((await e.server.inject('/metrics')).body).toMatch(
      /^health_entropy_stream_dropped_total\{reason="slow"\} 1$/m
    );
    await fast.until('the fast client has every frame', () => fast.events.length === i - 6, 30_000);
    slow.resume();
    await slow.until('the slow client sees its stream end', () => slow.closed, 30_000);
    fast.destroy();
  }, 60_000);

  it('ends every stream on stop, so the server can close', async () => {
    const e = await started(config(''));
    const a = Reader.open(e.address, '/api/v1/stream');
    await a.until('keyframe', () => a.events.length === 1);
    await e.deltas.stop();
    await a.until('the end of the stream', () => a.closed);
    await e.server.close();
    engines.splice(0);
  });
});
