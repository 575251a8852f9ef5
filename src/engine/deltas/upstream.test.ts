/**
 * Edge → central over real loopback sockets: an edge engine's pusher and a central engine (both in this
 * process), and small HTTP servers that fail, hang, refuse and answer garbage on demand.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { peekBinary } from '../../core';
import { seeded } from '../../core/testing';
import type { Engine } from '../engine';
import { stateProfile } from './profile';
import { engineFrom } from './testing';

const ENV = { EDGE_TOKEN: 'edge-secret' };
const BOUND = 0.01 + 0.001 / 2;

function edgeConfig(url: string, extra = ''): string {
  return `
listen: 127.0.0.1:0
interval: 1s
edge: site-a
upstream: { url: '${url}', token: { env: EDGE_TOKEN }, timeout: 300ms, maxBackoff: 8s${extra} }
stream: { enabled: false }
defaults: { window: 6, baseline: { warmup: 3 } }
indicators:
  - { name: cpu, selector: cpu }
  - { name: mem, selector: mem }
`;
}
const CENTRAL = 'listen: 127.0.0.1:0\ncentral: { tokens: [{ env: EDGE_TOKEN }] }\n';

async function listen(e: Engine): Promise<string> {
  await e.server.listen({ host: '127.0.0.1', port: 0 });
  return `http://${e.address}`;
}

/** Feeds one sample per host and indicator at step `i`, evaluates, and lets the pusher push. */
async function step(edge: Engine, i: number, r: () => number): Promise<void> {
  const t = 1_000_000 + i * 1000;
  for (const host of ['h1', 'h2', 'h3']) {
    for (const ind of edge.state.indicators.values()) {
      edge.state.ingest(ind, host, t, host === 'h3' ? 0.5 : r(), t);
    }
  }
  edge.state.evaluate(t);
  edge.deltas.afterEvaluation(t);
  await edge.deltas.upstream!.idle;
}

type Json = {
  edges: Array<{
    hosts: Array<{
      host: string;
      indicators: Record<string, { entropy: number; baseline: number | null; std: number | null }>;
    }>;
  }>;
};

async function expectCentralMatches(central: Engine, edge: Engine): Promise<number> {
  const { profile } = stateProfile(edge.state);
  const got = ((await central.server.inject('/api/v1/profiles?edge=site-a')).json() as Json).edges[0];
  const hosts = new Map(got.hosts.map((h) => [h.host, h.indicators]));
  let compared = 0;
  for (const [host, m] of profile) {
    for (const [ind, v] of m) {
      const g = hosts.get(host)![ind];
      expect(Math.abs(g.entropy - v.hn)).toBeLessThanOrEqual(BOUND + 1e-12);
      if (v.mean !== undefined) {
        expect(Math.abs(g.baseline! - v.mean)).toBeLessThanOrEqual(BOUND + 1e-12);
        expect(Math.abs(g.std! - v.std!)).toBeLessThanOrEqual(BOUND + 1e-12);
        compared++;
      } else {
        expect(g.baseline).toBeNull();
      }
    }
  }
  return compared;
}

/** An HTTP server whose answers the test decides; it records each frame's kind. */
class FakeCentral {
  readonly frames: Array<{ keyframe: boolean; seq: number; edge: string | undefined; auth: string | undefined }> = [];
  answer: (req: IncomingMessage, res: ServerResponse) => void = (_q, res) => res.end('{"status":"applied"}');
  readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const h = peekBinary(Buffer.concat(chunks));
      this.frames.push({
        keyframe: h.keyframe,
        seq: h.seq,
        edge: req.headers['x-health-entropy-edge'] as string,
        auth: req.headers.authorization,
      });
      this.answer(req, res);
    });
  });
  async start(): Promise<string> {
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((ok) => this.server.close(() => ok()));
  }
}

describe('edge → central over loopback', () => {
  const engines: Engine[] = [];
  const fakes: FakeCentral[] = [];
  afterEach(async () => {
    for (const e of engines.splice(0)) {
      await e.deltas.stop();
      await e.server.close();
    }
    for (const f of fakes.splice(0)) {
      await f.stop();
    }
  });
  const track = (e: Engine) => (engines.push(e), e);

  it("keeps the central's profile within ε + q/2 of the edge's, and resyncs by keyframe when the central restarts", async () => {
    let central = track(engineFrom(CENTRAL, ENV));
    const url = await listen(central);
    const port = Number(new URL(url).port);
    let now = 3_000_000;
    const edge = track(engineFrom(edgeConfig(url), ENV, () => now));
    const r = seeded(5);
    let withBaseline = 0;
    for (let i = 0; i < 40; i++) {
      now += 1000;
      await step(edge, i, r);
      if (i >= 6) {
        withBaseline = await expectCentralMatches(central, edge);
      }
    }
    expect(withBaseline).toBeGreaterThan(0);
    expect(edge.deltas.upstream!.status()).toMatchObject({ edge: 'site-a', up: true, lastAckSeq: 39, failures: 0 });
    // The central restarts on the same port with nothing. The edge's next delta either meets the closed
    // keep-alive connection (a failure: keyframe after the backoff) or the new central (409: keyframe at
    // once); one evaluation later the central follows again either way.
    await central.server.close();
    engines.splice(engines.indexOf(central), 1);
    central = track(engineFrom(CENTRAL, ENV));
    await central.server.listen({ host: '127.0.0.1', port });
    for (const i of [40, 41]) {
      now += 1000;
      await step(edge, i, r);
    }
    await expectCentralMatches(central, edge);
    const metrics = (await edge.server.inject('/metrics')).body;
    expect(metrics).toMatch(
      /^health_entropy_upstream_pushes_total\{kind="delta",result="(keyframe_requested|failed)"\} 1$/m
    );
    expect(metrics).toMatch(/^health_entropy_upstream_pushes_total\{kind="keyframe",result="applied"\} 2$/m);
    expect(metrics).toMatch(/^health_entropy_upstream_up 1$/m);
    expect((await central.server.inject('/api/v1/edges')).json().edges[0]).toMatchObject({
      edge: 'site-a',
      synced: true,
      keyframes: 1,
    });
  });

  it('answers a 409 with a keyframe of the same profile at once', async () => {
    const fake = new FakeCentral();
    fakes.push(fake);
    const edge = track(engineFrom(edgeConfig(await fake.start()), ENV));
    await step(edge, 0, seeded(8));
    let conflicts = 1;
    fake.answer = (_q, res) =>
      conflicts-- > 0
        ? res.writeHead(409).end('{"error":"send a keyframe","status":"waiting","needKeyframe":true}')
        : res.end('{"status":"applied","needKeyframe":false}');
    edge.deltas.afterEvaluation(10_000_000);
    await edge.deltas.upstream!.idle;
    expect(fake.frames.map((f) => [f.seq, f.keyframe])).toEqual([
      [0, true],
      [1, false],
      [2, true],
    ]);
    expect(edge.deltas.upstream!.status()).toMatchObject({ up: true, lastAckSeq: 2, failures: 0 });
  });

  it('backs off after a failure, sends nothing meanwhile, and sends a keyframe next', async () => {
    const fake = new FakeCentral();
    fakes.push(fake);
    const url = await fake.start();
    let now = 5_000_000;
    const edge = track(engineFrom(edgeConfig(url), ENV, () => now));
    const r = seeded(6);
    const at = async (i: number) => {
      now = 5_000_000 + i * 1000;
      await step(edge, i, r);
    };
    await at(0);
    await at(1);
    expect(fake.frames.map((f) => f.keyframe)).toEqual([true, false]);
    expect(fake.frames[0]).toMatchObject({ edge: 'site-a', auth: 'Bearer edge-secret' });
    fake.answer = (_q, res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>down</h1>');
    await at(2);
    const status = edge.deltas.upstream!.status();
    expect(status).toMatchObject({ up: false, failures: 1, lastError: 'central answered 503: <h1>down</h1>' });
    // Backoff of 0.5–1 interval: at most one evaluation is skipped.
    expect(status.nextAttemptMs! - now).toBeGreaterThanOrEqual(500);
    expect(status.nextAttemptMs! - now).toBeLessThanOrEqual(1000);
    fake.answer = (_q, res) => res.end('not even json');
    now += 400;
    edge.deltas.afterEvaluation(now); // within the backoff: skipped
    await edge.deltas.upstream!.idle;
    expect(fake.frames).toHaveLength(3);
    await at(4);
    expect(fake.frames.map((f) => f.keyframe)).toEqual([true, false, false, true]);
    expect(edge.deltas.upstream!.status()).toMatchObject({ up: true, failures: 0, lastAckSeq: 3 });
  });

  it('times out a central that never answers, and honours retry-after', async () => {
    const fake = new FakeCentral();
    fakes.push(fake);
    const url = await fake.start();
    let now = 7_000_000;
    const edge = track(engineFrom(edgeConfig(url), ENV, () => now));
    fake.answer = () => undefined; // hangs
    await step(edge, 0, seeded(1));
    expect(edge.deltas.upstream!.status().lastError).toMatch(/failed: no answer within 300 ms/);
    fake.answer = (_q, res) => res.writeHead(429, { 'retry-after': '30' }).end('{"error":"too many edges"}');
    now += 10_000;
    await step(edge, 10, seeded(2));
    const s = edge.deltas.upstream!.status();
    expect(s.lastError).toBe('central answered 429: too many edges');
    expect(s.nextAttemptMs! - now).toBeGreaterThanOrEqual(30_000);
    expect(fake.frames.every((f) => f.keyframe)).toBe(true);
  });

  it('reads at most 64 KiB of an answer, and asks for a keyframe when a 200 says needKeyframe', async () => {
    const fake = new FakeCentral();
    fakes.push(fake);
    const url = await fake.start();
    let now = 9_000_000;
    const edge = track(engineFrom(edgeConfig(url), ENV, () => now));
    fake.answer = (_q, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      // Far more than anyone should read; the edge stops after 64 KiB.
      for (let i = 0; i < 64 && res.write(chunk); i++) {
        // keep writing while the socket takes it
      }
      res.end();
    };
    await step(edge, 0, seeded(3));
    expect(edge.deltas.upstream!.status()).toMatchObject({ up: true, failures: 0 });
    fake.answer = (_q, res) => res.end('{"status":"stale","needKeyframe":true}');
    now += 1000;
    await step(edge, 1, seeded(3));
    now += 1000;
    await step(edge, 2, seeded(3));
    expect(fake.frames.map((f) => f.keyframe)).toEqual([true, false, true]);
  });

  it('leaves out hosts whose names cannot travel, and counts them', async () => {
    const fake = new FakeCentral();
    fakes.push(fake);
    const url = await fake.start();
    const edge = track(engineFrom(edgeConfig(url), ENV));
    const cpu = edge.state.indicators.get('cpu')!;
    for (let i = 0; i < 6; i++) {
      edge.state.ingest(cpu, 'ok', i, i / 6, i);
      edge.state.ingest(cpu, 'x'.repeat(300), i, i / 6, i);
      edge.state.ingest(cpu, 'lone \uD800', i, i / 6, i);
    }
    const { profile, unsendable } = stateProfile(edge.state);
    expect([...profile.keys()]).toEqual(['ok']);
    expect(unsendable).toBe(2);
    edge.deltas.afterEvaluation(10);
    await edge.deltas.upstream!.idle;
    expect(fake.frames).toHaveLength(1);
    expect((await edge.server.inject('/metrics')).body).toMatch(/^health_entropy_deltas_unsendable_series 2$/m);
    const status = (await edge.server.inject('/api/v1/upstream')).json();
    expect(status).toMatchObject({ edge: 'site-a', url: `${url}/api/v1/deltas`, up: true });
  });
});
