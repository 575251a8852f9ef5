/**
 * Live mode against a stream fed by a real DeltaEncoder, framed as the engine frames it (formatSseEvent):
 * Streaming responses of bounded frames within ε + q/2 of the truth, reconnects with a keyframe after a gap,
 * a failure or silence, and the connection closed on unsubscribe.
 */
import { DataFrame, DataQueryRequest, DataQueryResponse, dateTime, LoadingState } from '@grafana/data';
import { setTemplateSrv } from '@grafana/runtime';
import { Subscription } from 'rxjs';
import { DeltaEncoder, formatSseEvent, Profile, SSE_HEARTBEAT } from '../core';
import { instanceSettings, StandInTemplateSrv } from '../testing/standIns';
import { DataSource } from './datasource';
import { liveQuery, LiveTransport, liveUrl } from './live';
import { EntropyDataSourceOptions, EntropyQuery } from './types';

const BOUND = 0.01 + 0.001 / 2;

/** One connection's chunks, pushed by the test; ends when the client aborts. */
class Connection {
  private queue: string[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  closed = false;

  constructor(
    readonly url: string,
    readonly signal: AbortSignal
  ) {
    signal.addEventListener('abort', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  push(chunk: string): void {
    this.queue.push(chunk);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *chunks(): AsyncGenerator<string> {
    for (;;) {
      while (this.queue.length > 0 && !this.closed) {
        yield this.queue.shift()!;
      }
      if (this.closed || this.ended) {
        return;
      }
      await new Promise<void>((ok) => (this.wake = ok));
    }
  }
}

/** A transport the test drives: each connect is recorded; `refuse` makes the next connects fail. */
class Feed {
  readonly connections: Connection[] = [];
  refuse: string | undefined;
  readonly transport: LiveTransport = async (url, signal) => {
    if (this.refuse) {
      throw new Error(this.refuse);
    }
    const c = new Connection(url, signal);
    this.connections.push(c);
    return c.chunks();
  };
  get last(): Connection {
    return this.connections[this.connections.length - 1];
  }
}

function profile(i: number): Profile {
  return new Map([
    [
      'db-1',
      new Map([
        ['cpu', { hn: 0.5 + 0.3 * Math.sin(i), mean: 0.5, std: 0.01 }],
        ['mem', { hn: 0.2 + 0.001 * i }],
      ]),
    ],
    ['web 2', new Map([['cpu', { hn: 0.9 - 0.02 * (i % 7) }]])],
  ]);
}

const tick = () => new Promise((ok) => setTimeout(ok, 0));
const until = async (what: string, check: () => boolean) => {
  const deadline = Date.now() + 10_000;
  while (!check() && Date.now() < deadline) {
    await new Promise((ok) => setTimeout(ok, 2));
  }
  if (!check()) {
    throw new Error(`timed out waiting for ${what}`);
  }
};

function last(frames: DataFrame[], host: string, indicator: string, field = 'entropy'): number | null | undefined {
  const f = frames.find((x) => x.fields[1].labels?.host === host && x.fields[1].labels?.indicator === indicator);
  const values = f?.fields.find((x) => x.name === field)?.values;
  return values?.[values.length - 1];
}

function follow(feed: Feed, capacity = 5, extra: Partial<Parameters<typeof liveQuery>[0]> = {}) {
  const got: DataQueryResponse[] = [];
  const sub: Subscription = liveQuery({
    url: 'http://x/engine/api/v1/stream',
    refId: 'L',
    capacity,
    transport: feed.transport,
    reconnectMs: { first: 5, max: 20 },
    ...extra,
  }).subscribe((r) => got.push(r));
  return { got, sub };
}

describe('live query (liveQuery over a real encoder)', () => {
  it('emits Streaming responses of bounded frames, within ε + q/2, however the bytes are chunked', async () => {
    const feed = new Feed();
    const { got, sub } = follow(feed);
    await until('connect', () => feed.connections.length === 1);
    const encoder = new DeltaEncoder({ epoch: 4 });
    for (let i = 0; i < 12; i++) {
      const e = encoder.next(profile(i));
      const wire = SSE_HEARTBEAT + formatSseEvent(e.text, `4.${e.frame.seq}`);
      // Split each event at an arbitrary point: the parser must not care.
      const cut = (i * 7) % wire.length;
      feed.last.push(wire.slice(0, cut));
      feed.last.push(wire.slice(cut));
      await until(`frame ${i}`, () => got.length === i + 1);
      const data = got[i].data as DataFrame[];
      expect(got[i]).toMatchObject({ state: LoadingState.Streaming, key: 'healthentropy-live-L' });
      expect(got[i].errors).toBeUndefined();
      for (const [host, m] of profile(i)) {
        for (const [ind, v] of m) {
          expect(Math.abs((last(data, host, ind) as number) - v.hn)).toBeLessThanOrEqual(BOUND + 1e-12);
        }
      }
      // Bounded: never more rows than the capacity.
      expect(data.every((f) => f.length === Math.min(i + 1, 5))).toBe(true);
    }
    const frames = got[got.length - 1].data as DataFrame[];
    expect(frames.map((f) => `${f.name} ${f.fields[1].labels?.indicator}`)).toEqual([
      'db-1 cpu',
      'db-1 mem',
      'web 2 cpu',
    ]);
    expect(frames[0].fields.map((f) => f.name)).toEqual(['Time', 'entropy', 'baseline', 'z']);
    expect(Math.abs((last(frames, 'db-1', 'cpu', 'baseline') as number) - 0.5)).toBeLessThanOrEqual(BOUND);
    const z = last(frames, 'db-1', 'cpu', 'z') as number;
    const hn = last(frames, 'db-1', 'cpu') as number;
    const mean = last(frames, 'db-1', 'cpu', 'baseline') as number;
    expect(z).toBeCloseTo((hn - mean) / 0.02, 9); // σ 0.01 < σmin 0.02
    expect(last(frames, 'db-1', 'mem', 'baseline')).toBeNull();
    sub.unsubscribe();
  });

  it('closes the connection on unsubscribe', async () => {
    const feed = new Feed();
    const { sub } = follow(feed);
    await until('connect', () => feed.connections.length === 1);
    expect(feed.last.signal.aborted).toBe(false);
    sub.unsubscribe();
    expect(feed.last.signal.aborted).toBe(true);
    await tick();
    expect(feed.last.closed).toBe(true);
    await new Promise((ok) => setTimeout(ok, 50));
    expect(feed.connections).toHaveLength(1); // no reconnect after unsubscribe
  });

  it('reconnects after a gap and is whole again from the new keyframe', async () => {
    const feed = new Feed();
    const { got, sub } = follow(feed);
    await until('connect', () => feed.connections.length === 1);
    const first = new DeltaEncoder({ epoch: 1 });
    feed.last.push(formatSseEvent(first.next(profile(0)).text));
    first.next(profile(1)); // lost
    feed.last.push(formatSseEvent(first.next(profile(2)).text));
    await until('the reconnect', () => feed.connections.length === 2);
    expect(feed.connections[0].signal.aborted).toBe(true);
    expect(got[got.length - 1].errors?.[0].message).toMatch(
      /cannot be applied \(gap\); reconnecting for a keyframe; reconnecting in \d+ s$/
    );
    // The engine gives every connection its own encoder: a keyframe first.
    const second = new DeltaEncoder({ epoch: 2 });
    feed.last.push(formatSseEvent(second.next(profile(3)).text));
    await until('the keyframe', () =>
      got.some(
        (r) =>
          !r.errors &&
          r.data.length > 0 &&
          Math.abs((last(r.data, 'web 2', 'cpu') as number) - profile(3).get('web 2')!.get('cpu')!.hn) < 1e-9
      )
    );
    sub.unsubscribe();
  });

  it('reconnects with a backoff after a refusal, a garbled event, an ended stream or silence, and says why', async () => {
    const feed = new Feed();
    feed.refuse = 'the engine answered 401: missing or wrong bearer token (stream.bearerToken is configured)';
    const { got, sub } = follow(feed, 5, { silenceMs: 60 });
    await until('the refusal is reported', () => got.length > 0);
    expect(got[0]).toMatchObject({ state: LoadingState.Streaming, data: [] });
    expect(got[0].errors![0].message).toMatch(
      /^Live stream http:\/\/x\/engine\/api\/v1\/stream: the engine answered 401: missing or wrong bearer token/
    );
    feed.refuse = undefined;
    await until('connect', () => feed.connections.length === 1);
    feed.last.push('data: K seq=0 epoch=1 q=banana\n\n');
    await until('reconnect after garbage', () => feed.connections.length === 2);
    expect(got[got.length - 1].errors![0].message).toMatch(/q/);
    feed.last.end();
    await until('reconnect after the end', () => feed.connections.length === 3);
    expect(got[got.length - 1].errors![0].message).toMatch(/the engine closed the stream/);
    // Silence: no byte for silenceMs.
    await until('reconnect after silence', () => feed.connections.length === 4);
    expect(feed.connections[2].signal.aborted).toBe(true);
    expect(got.some((r) => /no data for 0\.06 s/.test(r.errors?.[0].message ?? ''))).toBe(true);
    sub.unsubscribe();
  });

  it('builds the stream URL from comma-separated filters', () => {
    expect(liveUrl('/api/datasources/proxy/uid/e/engine/', ' db-1, web 2 ,,', 'cpu')).toBe(
      '/api/datasources/proxy/uid/e/engine/api/v1/stream?host=db-1&host=web+2&indicator=cpu'
    );
    expect(liveUrl('/p/engine', '', undefined)).toBe('/p/engine/api/v1/stream');
  });
});

describe('DataSource.query with live targets', () => {
  const request = (targets: Array<Partial<EntropyQuery>>): DataQueryRequest<EntropyQuery> => {
    const range = { from: dateTime(0), to: dateTime(1000) };
    return {
      requestId: 'r',
      interval: '15s',
      intervalMs: 15_000,
      range: { ...range, raw: range },
      scopedVars: {},
      targets: targets as EntropyQuery[],
      timezone: 'utc',
      app: 'dashboard',
      startTime: 0,
    };
  };

  it('connects through the engine proxy route with the filters, variables as lists', async () => {
    setTemplateSrv(new StandInTemplateSrv({ host: ['db-1', 'db-2'] }));
    const ds = new DataSource(
      instanceSettings<EntropyDataSourceOptions>('entropy', 'healthentropy-entropy-datasource', 'E', {
        engineUrl: 'http://engine:9464',
      })
    );
    const feed = new Feed();
    ds.liveTransport = feed.transport;
    const got: DataQueryResponse[] = [];
    const sub = ds
      .query(request([{ refId: 'A', output: 'live', liveHosts: '$host', liveIndicators: 'cpu' }]))
      .subscribe((r) => got.push(r));
    await until('connect', () => feed.connections.length === 1);
    expect(feed.last.url).toBe(
      '/api/datasources/proxy/uid/entropy/engine/api/v1/stream?host=db-1&host=db-2&indicator=cpu'
    );
    feed.last.push(formatSseEvent(new DeltaEncoder().next(profile(0)).text));
    await until('a response', () => got.length === 1);
    expect(got[0].state).toBe(LoadingState.Streaming);
    sub.unsubscribe();
    expect(feed.last.signal.aborted).toBe(true);
  });

  it.each([
    ['no engine URL', { output: 'live' }, {}, /live mode needs the engine URL/],
    [
      'capacity 0',
      { output: 'live', liveCapacity: 0 },
      { engineUrl: 'http://e' },
      /rows kept must be an integer from 1 to 100000, got 0/,
    ],
    [
      'a huge host list',
      { output: 'live', liveHosts: 'x'.repeat(20_000) },
      { engineUrl: 'http://e' },
      /hosts must be a comma-separated list/,
    ],
    [
      'hosts not text',
      { output: 'live', liveHosts: 42 },
      { engineUrl: 'http://e' },
      /hosts must be a comma-separated list/,
    ],
  ])(
    'answers a live query with %s by an error naming it, and connects to nothing',
    async (_what, target, jsonData, message) => {
      const ds = new DataSource(
        instanceSettings<EntropyDataSourceOptions>('entropy', 'healthentropy-entropy-datasource', 'E', jsonData)
      );
      const feed = new Feed();
      ds.liveTransport = feed.transport;
      const got: DataQueryResponse[] = [];
      ds.query(request([{ refId: 'B', ...target } as Partial<EntropyQuery>])).subscribe((r) => got.push(r));
      await tick();
      expect(got).toHaveLength(1);
      expect(got[0].state).toBe(LoadingState.Error);
      expect(got[0].errors![0].message).toMatch(/^Query B: /);
      expect(got[0].errors![0].message).toMatch(message);
      expect(feed.connections).toHaveLength(0);
    }
  );
});
