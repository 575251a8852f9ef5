import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { attempt, parseRetryAfter, retryDelay } from './delivery';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);

describe('Retry-After', () => {
  it.each<[string | null, number | undefined]>([
    [null, undefined],
    ['', undefined],
    ['0', 0],
    ['120', 120_000],
    [' 7 ', 7000],
    ['Thu, 03 Dec 2026 12:00:30 GMT', 30_000],
    ['Thursday, 03-Dec-26 12:01:00 GMT', 60_000], // the obsolete RFC 850 form
    ['Thu, 03 Dec 2026 11:00:00 GMT', 0], // in the past
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['99999999999999', undefined],
    ['Thu, 99 Foo 2026 99:99:99 GMT', undefined],
  ])('%j → %j ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });
});

describe('retryDelay', () => {
  const backoff = { initialMs: 1000, maxMs: 60_000 };

  it('doubles from initial, capped at max, jittered within the upper half', () => {
    for (const [failures, exp] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [7, 60_000],
      [1000, 60_000],
    ]) {
      expect(retryDelay(failures, backoff, () => 0)).toBe(exp / 2);
      expect(retryDelay(failures, backoff, () => 0.999999)).toBeCloseTo(exp, -1);
    }
  });

  it('honours a longer Retry-After, within maxRetryAfter; a shorter one does not shorten the backoff', () => {
    expect(retryDelay(1, backoff, () => 0, 30_000)).toBe(30_000);
    expect(retryDelay(5, backoff, () => 0, 0)).toBe(8000);
    expect(retryDelay(1, backoff, () => 0, 7_200_000, 3_600_000)).toBe(3_600_000);
  });
});

describe('attempt (real HTTP server)', () => {
  let server: Server;
  let url: string;
  let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void;
  const seen: Array<{ path: string; headers: IncomingMessage['headers']; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', headers: req.headers, body });
        handler(req, res, body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => (seen.length = 0));

  const send = (timeoutMs = 2000) =>
    attempt(url, { 'webhook-id': 'act_x', 'content-type': 'application/json' }, '{"a":1}', timeoutMs, () => NOW);

  it('2xx is delivered, with the headers and body as given', async () => {
    handler = (_q, res) => res.writeHead(204).end();
    expect(await send()).toEqual({ result: 'delivered', status: 204 });
    expect(seen[0]).toMatchObject({ path: '/hook', body: '{"a":1}', headers: { 'webhook-id': 'act_x' } });
  });

  it.each<[number, Record<string, string>, string, RegExp]>([
    [500, {}, 'http_5xx', /HTTP 500: boom/],
    [503, { 'retry-after': '3' }, 'http_5xx', /HTTP 503/],
    [429, { 'retry-after': '2' }, 'rate_limited', /HTTP 429/],
    [400, {}, 'http_4xx', /HTTP 400/],
    [401, {}, 'http_4xx', /HTTP 401/],
    [410, {}, 'gone', /410 Gone/],
  ])('HTTP %i is %s', async (status, headers, result, error) => {
    handler = (_q, res) => res.writeHead(status, headers).end('boom');
    const r = await send();
    expect(r).toMatchObject({ result, status, error: expect.stringMatching(error) });
    expect(r.retryAfterMs).toBe(headers['retry-after'] ? Number(headers['retry-after']) * 1000 : undefined);
  });

  it('never follows a redirect', async () => {
    handler = (req, res) =>
      req.url === '/hook' ? res.writeHead(307, { location: '/elsewhere' }).end() : res.writeHead(200).end();
    const r = await send();
    expect(r).toMatchObject({
      result: 'redirect',
      status: 307,
      error: expect.stringMatching(/redirect to \/elsewhere not followed/),
    });
    expect(seen.map((s) => s.path)).toEqual(['/hook']);
  });

  it('a receiver that does not answer in time is a timeout', async () => {
    handler = () => undefined; // never answers
    const r = await send(150);
    expect(r).toEqual({ result: 'timeout', status: null, error: 'no response within 150 ms' });
  });

  it('connection refused is a network error naming the cause', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await attempt(`http://127.0.0.1:${port}/x`, {}, '{}', 2000, () => NOW);
    expect(r).toMatchObject({ result: 'network', status: null, error: expect.stringMatching(/ECONNREFUSED/) });
  });
});
