import fc from 'fast-check';
import net from 'node:net';
import pino from 'pino';
import { SeriesPipeline } from '../core';
import { AlertMetrics } from './alerts/metrics';
import { AlertReceiver } from './alerts/receiver';
import { parseConfig } from './config';
import { Engine } from './engine';
import { ExpositionWriter, renderState } from './exposition';
import { encodeWriteRequest, EncodeSeries, snappy } from './remote-write/encoder';
import { buildServer } from './server';
import { EngineState } from './state';
import { Telemetry } from './telemetry';

const CONFIG = `
listen: 127.0.0.1:0
interval: 1s
remoteWrite: { maxBodyBytes: 64KiB, maxDecompressedBytes: 256KiB, bearerToken: { env: RW_TOKEN } }
defaults: { window: 5, baseline: { warmup: 3 } }
indicators:
  - { name: load, selector: 'node_load1{job="node"}' }
  - { name: lat, selector: 'probe_seconds', hostLabel: target, weight: 2, binning: adaptive }
`;
const TOKEN = 'secret-token';
const HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  authorization: `Bearer ${TOKEN}`,
};

function engine(): Engine {
  const config = parseConfig(CONFIG, {}, { env: { RW_TOKEN: TOKEN } });
  return new Engine(config, pino({ level: 'silent' }));
}

function write(e: Engine, series: EncodeSeries[] | Buffer, headers: Record<string, string> = HEADERS) {
  const body = Buffer.isBuffer(series) ? series : snappy(encodeWriteRequest(series));
  return e.server.inject({ method: 'POST', url: '/api/v1/write', headers, payload: body });
}

const load = (instance: string, samples: Array<[number, number | 'stale']>): EncodeSeries => ({
  labels: [
    ['__name__', 'node_load1'],
    ['instance', instance],
    ['job', 'node'],
  ],
  samples,
});
const ramp = (n: number, t0 = 1000): Array<[number, number]> =>
  Array.from({ length: n }, (_, i) => [t0 + i * 1000, (i % 3) / 3]);

describe('engine HTTP routes (fastify.inject)', () => {
  it('answers health, readiness, unknown routes with JSON', async () => {
    const e = engine();
    expect((await e.server.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await e.server.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().error).toMatch(/restoring state/);
    const missing = await e.server.inject('/nope?x=1');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'no route GET /nope' });
  });

  it('accepts remote write and computes what src/core computes', async () => {
    const e = engine();
    const res = await write(e, [load('a:9100', ramp(8)), load('b:9100', ramp(3))]);
    expect(res.statusCode).toBe(204);
    const ref = new SeriesPipeline({ entropy: { window: 5 }, baseline: { warmup: 3 } });
    ramp(8).forEach(([t, v]) => ref.push(t, v));
    const p = (await e.server.inject('/api/v1/profiles?host=a:9100')).json().hosts[0].indicators.load;
    expect(p.entropy).toBeCloseTo(ref.current!.entropy, 12);
    expect(p.baseline).toBeCloseTo(ref.current!.baseline, 12);
    expect(p.z).toBeCloseTo(ref.current!.z, 12);
    expect(p.lastSampleMs).toBe(8000);
    const b = (await e.server.inject('/api/v1/profiles?host=b:9100')).json().hosts[0].indicators.load;
    expect(b.entropy).toBeNull(); // window of 5 not full yet
    expect(e.telemetry.ingested.get({ source: 'remote_write' })).toBe(11);
  });

  it('renders /metrics in the text format with only defined values', async () => {
    const e = engine();
    await write(e, [load('a:9100', ramp(8)), load('b"\\\n', ramp(2))]);
    e.state.evaluate(9000);
    const res = await e.server.inject('/metrics');
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = res.body;
    expect(text).toMatch(/^# HELP health_entropy Normalized/m);
    expect(text).toMatch(/^# TYPE health_entropy gauge$/m);
    expect(text).toMatch(/^health_entropy\{host="a:9100",indicator="load"\} 0\.\d+$/m);
    expect(text).toMatch(/^health_entropy_bits\{host="a:9100",indicator="load"\} /m);
    expect(text).toMatch(/^health_entropy_z\{host="a:9100",indicator="load"\} /m);
    expect(text).toMatch(/^health_entropy_host\{host="a:9100"\} /m);
    expect(text).toMatch(/^health_entropy_samples_ingested_total\{source="remote_write"\} 10$/m);
    expect(text).toMatch(/^health_entropy_series 2$/m);
    // The hostile host name is escaped, and its undefined entropy is absent rather than NaN.
    expect(text).not.toMatch(/host="b/);
    expect(text).not.toMatch(/ NaN$/m);
    // No detector configured: no detector families.
    expect(text).not.toMatch(/health_entropy_surprisal/);
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(
        /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*",?)*\})? -?[0-9.e+-]+$|^[^ ]+ (NaN|[+-]Inf)$/
      );
    }
  });

  it('honours stale markers: the series leaves the outputs and comes back with new samples', async () => {
    const e = engine();
    await write(e, [load('a:9100', ramp(8))]);
    await write(e, [load('a:9100', [[9000, 'stale']])]);
    expect((await e.server.inject('/metrics')).body).not.toMatch(/health_entropy\{host="a:9100"/);
    expect(e.telemetry.skipped.get({ source: 'remote_write', reason: 'stale_marker' })).toBe(1);
    await write(e, [load('a:9100', [[10_000, 0.5]])]);
    expect((await e.server.inject('/metrics')).body).toMatch(/health_entropy\{host="a:9100",indicator="load"\}/);
  });

  it('refuses samples stamped far in the future, so that a skewed clock cannot freeze a series', async () => {
    const e = engine();
    const now = Date.now();
    await write(e, [load('a', [[now + 3_600_000, 0.5]])]);
    expect(e.telemetry.skipped.get({ source: 'remote_write', reason: 'too_far_in_future' })).toBe(1);
    await write(e, [load('a', [[now, 0.5]])]);
    expect(e.telemetry.ingested.get({ source: 'remote_write' })).toBe(1);
  });

  it('matches by selector and host label, counting what it skips', async () => {
    const e = engine();
    await write(e, [
      {
        labels: [
          ['__name__', 'node_load1'],
          ['instance', 'x'],
          ['job', 'other'],
        ],
        samples: [[1, 1]],
      },
      {
        labels: [
          ['__name__', 'probe_seconds'],
          ['instance', 'x'],
        ],
        samples: [[1, 1]],
      },
      {
        labels: [
          ['__name__', 'probe_seconds'],
          ['target', 'web'],
        ],
        samples: [
          [1, 1],
          [1, 2],
          [0, 3],
          [2, NaN],
        ],
      },
    ]);
    const skipped = (reason: string) => e.telemetry.skipped.get({ source: 'remote_write', reason });
    expect(skipped('unmatched')).toBe(1);
    expect(skipped('no_host_label')).toBe(1);
    expect(skipped('duplicate')).toBe(1);
    expect(skipped('out_of_order')).toBe(1);
    expect(skipped('invalid')).toBe(1);
    expect([...e.state.hosts.keys()]).toEqual(['web']);
  });

  it.each([
    ['no token', { ...HEADERS, authorization: '' }, 401, /bearer token/],
    ['wrong token', { ...HEADERS, authorization: 'Bearer nope' }, 401, /bearer token/],
    ['wrong content type', { ...HEADERS, 'content-type': 'application/json' }, 415, /application\/x-protobuf/],
    [
      'remote write 2.0',
      { ...HEADERS, 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' },
      415,
      /1\.0/,
    ],
    ['no encoding', { ...HEADERS, 'content-encoding': '' }, 415, /snappy/],
    ['gzip encoding', { ...HEADERS, 'content-encoding': 'gzip' }, 415, /snappy/],
  ])('refuses %s', async (_name, headers, status, message) => {
    const res = await write(engine(), [load('a', ramp(2))], headers as Record<string, string>);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatch(message);
  });

  it.each([
    ['an empty body', Buffer.alloc(0), 400, /empty body/],
    ['bytes that are not snappy', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2]), 400, /snappy/],
    ['truncated snappy', snappy(encodeWriteRequest([load('a', ramp(50))])).subarray(0, 20), 400, /snappy/],
    ['snappy of garbage', snappy(Buffer.from([0x0a, 0xff, 0xff, 0x03])), 400, /WriteRequest: length/],
    ['a label-less series', snappy(Buffer.from([0x0a, 0x00])), 400, /no labels/],
    ['a body above maxBodyBytes', Buffer.alloc(65 * 1024, 1), 413, /too large/i],
    [
      'a declared size above maxDecompressedBytes',
      Buffer.from([0x80, 0x80, 0x80, 0x80, 0x01, 0x00]),
      413,
      /maxDecompressedBytes/,
    ],
  ])('answers %s with a 4xx JSON error', async (_name, body, status, message) => {
    const res = await write(engine(), body);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatch(message);
  });

  it('answers hostile bodies with 4xx, leaving other series untouched', async () => {
    const e = engine();
    await write(e, [load('a:9100', ramp(8))]);
    const existing = () => JSON.stringify(e.state.hosts.get('a:9100')!.series.get('load')!.snapshot());
    const before = existing();
    const hostile = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
      fc.uint8Array({ maxLength: 2000 }).map((b) => snappy(Buffer.from(b))),
      fc
        .tuple(
          fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 3 }),
          fc.nat(),
          fc.integer({ min: 0, max: 255 })
        )
        .map(([labels, at, byte]) => {
          const raw = encodeWriteRequest([
            { labels: [['__name__', 'node_load1'], ...labels], samples: [[1, 2]] },
            { labels: [], samples: [] },
          ]);
          raw[at % raw.length] = byte;
          return snappy(raw);
        })
    );
    await fc.assert(
      fc.asyncProperty(hostile, async (body) => {
        const res = await write(e, body);
        // Random bytes can happen to be a valid (e.g. empty) request: then 204; never a 5xx.
        if (res.statusCode !== 204) {
          expect(res.statusCode).toBeGreaterThanOrEqual(400);
          expect(res.statusCode).toBeLessThan(500);
          expect(typeof res.json().error).toBe('string');
        }
      }),
      { numRuns: 300 }
    );
    expect(existing()).toBe(before);
    expect(e.telemetry.remoteWriteRequests.get({ code: '400' })).toBeGreaterThan(100);
    // 300 requests through fastify: seconds on a busy 2-core machine, so more than Jest's default 5 s.
  }, 60_000);

  it('answers bad profile queries with 4xx', async () => {
    const e = engine();
    expect((await e.server.inject('/api/v1/profiles')).json()).toEqual({ hosts: [] });
    const missing = await e.server.inject('/api/v1/profiles?host=ghost');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatch(/no host "ghost"/);
    const twice = await e.server.inject('/api/v1/profiles?host=a&host=b');
    expect(twice.statusCode).toBe(400);
    const empty = await e.server.inject('/api/v1/profiles?host=');
    expect(empty.statusCode).toBe(400);
  });
});

describe('engine over a real socket', () => {
  it('starts and stops idempotently, and serves /readyz and /metrics', async () => {
    const e = engine();
    await Promise.all([e.start(), e.start()]);
    const base = `http://${e.address}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const body = snappy(encodeWriteRequest([load('a:9100', ramp(6))]));
    const res = await fetch(`${base}/api/v1/write`, { method: 'POST', headers: HEADERS, body: new Uint8Array(body) });
    expect(res.status).toBe(204);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(
      /^health_entropy\{host="a:9100",indicator="load"\} /m
    );
    await Promise.all([e.stop(), e.stop()]);
    await e.stop();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('does not hand a scrape buffer to the next scrape while it is still being sent', async () => {
    // The server alone, over a state nothing else touches (no engine timers), so the bodies are predictable.
    const c = parseConfig(CONFIG, {}, { env: { RW_TOKEN: TOKEN } });
    const state = new EngineState({ ...c, indicators: c.indicators, maxSeries: 100_000 });
    const telemetry = new Telemetry();
    const app = buildServer({
      state,
      telemetry,
      logger: pino({ level: 'silent' }),
      isReady: () => true,
      readiness: () => 'ready',
      remoteWrite: { enabled: false, maxBodyBytes: 1, handle: () => ({ status: 500 }) },
      alerts: {
        enabled: false,
        maxBodyBytes: 1,
        receiver: new AlertReceiver(
          c.alerts.auth,
          () => undefined,
          new AlertMetrics(telemetry),
          pino({ level: 'silent' })
        ),
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as net.AddressInfo;
    const [ind] = state.indicators.values();
    // Long host names make a body far larger than what the loopback socket buffers absorb (~21 MB).
    const hosts = Array.from({ length: 20_000 }, (_, i) => `host-${i}-${'x'.repeat(200)}`);
    const fill = (t0: number, shift: number) => {
      for (const h of hosts) {
        for (let k = 0; k < 6; k++) {
          state.ingest(ind, h, t0 + k * 1000, ((k + shift) % 3) / 3 + shift, 0);
        }
      }
    };
    fill(0, 0);
    const w = new ExpositionWriter();
    renderState(state, w);
    const expected = w.bytes().toString('utf8');
    const entropyPart = (text: string) => text.slice(0, text.indexOf('# HELP health_entropy_samples_ingested_total'));
    // A client that asks and then does not read: most of the response stays queued in the server's socket.
    const slow = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    slow.on('data', (chunk: Buffer) => chunks.push(chunk));
    slow.pause();
    slow.write('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    while (telemetry.renderDuration.get() === undefined) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    fill(10_000, 0.25); // other values: a reused buffer would show them in the first body
    const second = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(entropyPart(second)).not.toBe(expected);
    const ended = new Promise((r) => slow.on('end', r));
    slow.resume();
    await ended;
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    expect(body.length).toBeGreaterThan(20e6);
    expect(entropyPart(body)).toBe(expected);
    await app.close();
  }, 60_000);
});
