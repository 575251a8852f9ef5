/**
 * Failure handling of the poll source against a small HTTP server speaking the Prometheus query API (the real
 * Prometheus is exercised in tests/engine; here the point is to make it fail on demand).
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import pino from 'pino';
import { parseConfig } from './config';
import { PollSource } from './poll';
import { PrometheusClient } from './prometheus';
import { EngineState } from './state';
import { Telemetry } from './telemetry';

const STEP = 1000;
let server: Server;
let url: string;
let mode: 'ok' | 'fail' | 'hang' | 'garbage' = 'ok';
const requests: string[] = [];

/** value(t) = (t / 1000) % 4 / 4 for two hosts. */
function value(tMs: number): string {
  return String(((tMs / 1000) % 4) / 4);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      requests.push(`${req.url} ${form.get('start') ?? form.get('time')}`);
      if (mode === 'hang') {
        return; // never answers: the client's timeout must fire
      }
      if (mode === 'fail') {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'error', error: 'overloaded' }));
        return;
      }
      if (mode === 'garbage') {
        res.writeHead(200);
        res.end('<html>proxy error</html>');
        return;
      }
      const hosts = ['a', 'b'];
      let data;
      if (req.url === '/api/v1/query') {
        const t = Number(form.get('time')) * 1000;
        data = {
          resultType: 'vector',
          result: hosts.map((h) => ({ metric: { instance: h }, value: [t / 1000, value(t)] })),
        };
      } else {
        const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(form.get(k)) * 1000);
        const values: Array<[number, string]> = [];
        for (let t = start; t <= end; t += step) {
          values.push([t / 1000, value(t)]);
        }
        data = { resultType: 'matrix', result: hosts.map((h) => ({ metric: { instance: h }, values })) };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function setup() {
  const c = parseConfig(
    `prometheus: { url: '${url}', timeout: 300ms }\ninterval: 1s\ndefaults: { window: 5 }\nindicators: [{ name: cpu, query: x }]`,
    {},
    { env: {} }
  );
  const state = new EngineState({ indicators: c.indicators, hostBaseline: {}, stalenessMs: 60_000, maxSeries: 10 });
  const telemetry = new Telemetry();
  const poll = new PollSource(
    c.indicators,
    new PrometheusClient(c.prometheus!),
    state,
    telemetry,
    pino({ level: 'silent' }),
    { intervalMs: STEP, maxBackoffMs: 4000 }
  );
  return { state, telemetry, poll };
}

describe('PollSource', () => {
  beforeEach(() => {
    mode = 'ok';
    requests.length = 0;
  });

  it('backfills a window at start, then asks one instant per step', async () => {
    const { state, telemetry, poll } = setup();
    await poll.poll(100_000, 100_000);
    expect(requests).toEqual(['/api/v1/query_range 96']);
    await poll.poll(101_000, 101_000);
    expect(requests[1]).toBe('/api/v1/query 101');
    const s = state.hosts.get('a')!.series.get('cpu')!;
    expect(s.newestT).toBe(101_000);
    expect(s.pipeline.estimator.stats.admitted).toBe(6);
    expect(telemetry.sourceUp.get({ indicator: 'cpu' })).toBe(1);
  });

  it.each(['fail', 'hang', 'garbage'] as const)(
    'survives a Prometheus that is %s, backs off, and backfills the gap once it answers',
    async (failure) => {
      const { state, telemetry, poll } = setup();
      await poll.poll(100_000, 100_000);
      mode = failure;
      await poll.poll(101_000, 101_000);
      expect(telemetry.sourceUp.get({ indicator: 'cpu' })).toBe(0);
      // While backing off (at most one interval after the first failure) no request is made.
      const before = requests.length;
      await poll.poll(101_000, 101_000);
      expect(requests.length).toBeLessThanOrEqual(before + 1);
      mode = 'ok';
      await poll.poll(105_000, 200_000); // far past any backoff
      expect(telemetry.sourceUp.get({ indicator: 'cpu' })).toBe(1);
      expect(requests[requests.length - 1]).toBe('/api/v1/query_range 101');
      const s = state.hosts.get('a')!.series.get('cpu')!;
      expect(s.newestT).toBe(105_000);
      expect(s.pipeline.estimator.stats.admitted).toBe(10); // 96..105, nothing lost
      expect(telemetry.pollDuration.count({ indicator: 'cpu', result: 'error' })).toBeGreaterThanOrEqual(1);
    }
  );

  it('skips series without the host label, counting them', async () => {
    const c = parseConfig(
      `prometheus: { url: '${url}' }\ndefaults: { hostLabel: node }\nindicators: [{ name: cpu, query: x }]`,
      {},
      { env: {} }
    );
    const state = new EngineState({ indicators: c.indicators, hostBaseline: {}, stalenessMs: 60_000, maxSeries: 10 });
    const telemetry = new Telemetry();
    const poll = new PollSource(
      c.indicators,
      new PrometheusClient(c.prometheus!),
      state,
      telemetry,
      pino({ level: 'silent' }),
      { intervalMs: STEP, maxBackoffMs: 4000 }
    );
    await poll.poll(100_000, 100_000);
    expect(state.size).toBe(0);
    expect(telemetry.skipped.get({ source: 'poll', reason: 'no_host_label' })).toBe(120);
  });
});
