/**
 * A central's `POST /api/v1/deltas` through `fastify.inject`: frames of real encoders rebuild each edge's
 * profile, shown in `/metrics` (same names plus `edge`) and `/api/v1/profiles?edge=`; hostile and oversized
 * bodies get a 4xx and leave every edge as it was; the store keeps the profiles across a restart.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeltaEncoder, Profile } from '../../core';
import type { Engine } from '../engine';
import { Store } from '../store';
import { DELTA_CONTENT_TYPE, EDGE_HEADER } from './central';
import { engineFrom, profileOf } from './testing';

const CENTRAL = `
listen: 127.0.0.1:0
central: { tokens: [{ env: EDGE_TOKEN }, { env: OTHER_TOKEN }], maxEdges: 3, maxFrameBytes: 2KiB, sigmaMin: 0.05 }
`;
const ENV = { EDGE_TOKEN: 'edge-secret', OTHER_TOKEN: 'other-secret' };
const HEADERS = { 'content-type': DELTA_CONTENT_TYPE, authorization: 'Bearer edge-secret' };
const BOUND = 0.01 + 0.001 / 2;

function post(e: Engine, edge: string, body: Uint8Array | string, headers: Record<string, string> = HEADERS) {
  return e.server.inject({
    method: 'POST',
    url: '/api/v1/deltas',
    headers: { ...headers, [EDGE_HEADER]: edge },
    payload: Buffer.from(body),
  });
}

const P0 = profileOf({ 'db-1': { cpu: [0.5, 0.5, 0.02], memory: [0.3] }, 'web "2"': { cpu: [0.9, 0.8, 0.1] } });
const P1 = profileOf({ 'db-1': { cpu: [0.62, 0.51, 0.02], memory: [0.305] }, 'web "2"': { cpu: [0.9, 0.8, 0.1] } });

type EdgeJson = {
  edge: string;
  synced: boolean;
  restored: boolean;
  hosts: Array<{ host: string; indicators: Record<string, Record<string, number | null>> }>;
};

async function edgeProfiles(e: Engine, edge: string): Promise<EdgeJson> {
  const res = await e.server.inject(`/api/v1/profiles?edge=${encodeURIComponent(edge)}`);
  expect(res.statusCode).toBe(200);
  return res.json().edges[0];
}

function expectWithin(got: EdgeJson, want: Profile) {
  const hosts = new Map(got.hosts.map((h) => [h.host, h.indicators]));
  expect([...hosts.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [host, m] of want) {
    for (const [ind, v] of m) {
      const g = hosts.get(host)![ind];
      expect(Math.abs(g.entropy! - v.hn)).toBeLessThanOrEqual(BOUND + 1e-12);
      if (v.mean === undefined) {
        expect(g.baseline).toBeNull();
      } else {
        expect(Math.abs(g.baseline! - v.mean)).toBeLessThanOrEqual(BOUND + 1e-12);
        expect(Math.abs(g.std! - v.std!)).toBeLessThanOrEqual(BOUND + 1e-12);
        expect(g.deviation).toBeCloseTo(g.entropy! - g.baseline!, 12);
        expect(g.z).toBeCloseTo(g.deviation! / Math.max(g.std!, 0.05), 12);
      }
    }
  }
}

describe('central: POST /api/v1/deltas (fastify.inject)', () => {
  it('rebuilds each edge from keyframe and deltas; /metrics and /api/v1/profiles show it with an edge label', async () => {
    const central = engineFrom(CENTRAL, ENV);
    const a = new DeltaEncoder({ epoch: 1 });
    const b = new DeltaEncoder({ epoch: 2 });
    let res = await post(central, 'site-a', a.next(P0).binary);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'applied', seq: 0, needKeyframe: false });
    expect(
      (await post(central, 'site-b', b.next(P1).binary, { ...HEADERS, authorization: 'Bearer other-secret' }))
        .statusCode
    ).toBe(200);
    res = await post(central, 'site-a', a.next(P1).binary);
    expect(res.json()).toEqual({ status: 'applied', seq: 1, needKeyframe: false });
    expectWithin(await edgeProfiles(central, 'site-a'), P1);
    expectWithin(await edgeProfiles(central, 'site-b'), P1);

    const metrics = (await central.server.inject('/metrics')).body;
    expect(metrics).toMatch(/^health_entropy\{edge="site-a",host="db-1",indicator="cpu"\} 0\.62\d+$/m);
    expect(metrics).toMatch(/^health_entropy_baseline\{edge="site-b",host="web \\"2\\"",indicator="cpu"\} 0\.8\d*$/m);
    expect(metrics).toMatch(/^health_entropy_z\{edge="site-a",host="db-1",indicator="cpu"\} 2\.2\d+$/m);
    // No baseline on the edge → no baseline, deviation or z on the central.
    expect(metrics).not.toMatch(/health_entropy_(baseline|deviation|z)\{edge="site-a",host="db-1",indicator="memory"/);
    // One HELP/TYPE per family: edge samples sit inside the local family, never in a second one.
    expect(metrics.match(/^# TYPE health_entropy gauge$/gm)).toHaveLength(1);
    const family = metrics.split('# HELP health_entropy_bits')[0];
    expect(family).toMatch(/health_entropy\{edge="site-b"/);
    expect(metrics).toMatch(/^health_entropy_edges 2$/m);
    expect(metrics).toMatch(/^health_entropy_edge_synced\{edge="site-a"\} 1$/m);
    expect(metrics).toMatch(/^health_entropy_edge_series\{edge="site-b"\} 3$/m);
    expect(metrics).toMatch(/^health_entropy_deltas_received_total\{status="applied"\} 3$/m);

    const all = (await central.server.inject('/api/v1/profiles')).json();
    expect(all.hosts).toEqual([]);
    expect(all.edges.map((e: EdgeJson) => e.edge)).toEqual(['site-a', 'site-b']);
    const edges = (await central.server.inject('/api/v1/edges')).json().edges;
    expect(edges[0]).toMatchObject({
      edge: 'site-a',
      synced: true,
      restored: false,
      epoch: 1,
      seq: 1,
      keyframes: 1,
      hosts: 2,
      series: 3,
    });
    expect((await central.server.inject('/api/v1/profiles?edge=site-a&host=db-1')).json().edges[0].hosts).toHaveLength(
      1
    );
    expect((await central.server.inject('/api/v1/profiles?edge=nope')).statusCode).toBe(404);
    expect((await central.server.inject('/api/v1/profiles?edge=site-a&host=nope')).statusCode).toBe(404);
    expect((await central.server.inject('/api/v1/profiles?edge=')).statusCode).toBe(400);
  });

  it('answers a lost frame, a restarted edge and a fresh central with 409 needKeyframe, and duplicates with 200', async () => {
    const central = engineFrom(CENTRAL, ENV);
    const a = new DeltaEncoder({ epoch: 1 });
    const key = a.next(P0).binary;
    // A delta before any keyframe: nothing to apply it to.
    const early = new DeltaEncoder({ epoch: 9 });
    early.next(P0);
    let res = await post(central, 'site-a', early.next(P1).binary);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      status: 'waiting',
      needKeyframe: true,
      error: expect.stringMatching(/send a keyframe/),
    });
    expect((await post(central, 'site-a', key)).statusCode).toBe(200);
    expect((await post(central, 'site-a', key)).json()).toEqual({ status: 'duplicate', seq: 0, needKeyframe: false });
    a.next(P1); // lost on the way
    res = await post(central, 'site-a', a.next(P0).binary);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ status: 'gap', seq: 2, needKeyframe: true });
    // Still holds the last rebuilt profile, marked out of sync.
    const held = await edgeProfiles(central, 'site-a');
    expect(held.synced).toBe(false);
    expectWithin(held, P0);
    a.requestKeyframe();
    expect((await post(central, 'site-a', a.next(P1).binary)).json()).toEqual({
      status: 'applied',
      seq: 3,
      needKeyframe: false,
    });
    expect((await edgeProfiles(central, 'site-a')).synced).toBe(true);
  });

  it.each([
    ['no token', { 'content-type': DELTA_CONTENT_TYPE }, 401, /bearer token/],
    ['a wrong token', { ...HEADERS, authorization: 'Bearer edge-secreT' }, 401, /bearer token/],
    [
      'JSON',
      { ...HEADERS, 'content-type': 'application/json' },
      415,
      /content-type must be application\/vnd\.healthentropy\.delta/,
    ],
    ['no content type', { authorization: HEADERS.authorization }, 415, /content-type/],
  ])('refuses a request with %s', async (_what, headers, status, message) => {
    const central = engineFrom(CENTRAL, ENV);
    const res = await post(central, 'site-a', new DeltaEncoder().next(P0).binary, headers as Record<string, string>);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatch(message);
    expect(central.deltas.central!.edges.size).toBe(0);
  });

  it('refuses bad edge names, empty and oversized bodies, and edges beyond maxEdges', async () => {
    const central = engineFrom(CENTRAL, ENV);
    for (const name of ['', 'with space', 'x'.repeat(129), '-dash', 'é']) {
      const res = await post(central, name, new DeltaEncoder().next(P0).binary);
      expect({ name, status: res.statusCode }).toEqual({ name, status: 400 });
      expect(res.json().error).toMatch(/x-health-entropy-edge must name the edge/);
    }
    expect((await post(central, 'site-a', Buffer.alloc(0))).json()).toEqual({
      error: 'empty body: expected one binary delta frame',
      needKeyframe: true,
    });
    const big = await post(central, 'site-a', Buffer.alloc(3000, 1));
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toBe('the frame is larger than central.maxFrameBytes (2048 bytes)');
    for (const name of ['e1', 'e2', 'e3']) {
      expect((await post(central, name, new DeltaEncoder().next(P0).binary)).statusCode).toBe(200);
    }
    const fourth = await post(central, 'e4', new DeltaEncoder().next(P0).binary);
    expect(fourth.statusCode).toBe(429);
    expect(fourth.headers['retry-after']).toBe('60');
    expect(fourth.json().error).toMatch(/central\.maxEdges \(3\)/);
    // Refused requests never create an edge: a fourth one may not squat a slot by sending garbage.
    expect([...central.deltas.central!.edges.keys()]).toEqual(['e1', 'e2', 'e3']);
  });

  it('gives hostile bodies a 4xx, never a 5xx, and leaves every edge as it was (fast-check)', async () => {
    const central = engineFrom(CENTRAL, ENV);
    const a = new DeltaEncoder({ epoch: 1 });
    const b = new DeltaEncoder({ epoch: 2 });
    await post(central, 'site-a', a.next(P0).binary);
    await post(central, 'site-b', b.next(P1).binary);
    const next = a.next(P1).binary;
    const before = JSON.stringify((await central.server.inject('/api/v1/profiles')).json());
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          // Real frames with bytes flipped, cut short or extended.
          fc.tuple(fc.nat(next.length - 1), fc.integer({ min: 1, max: 255 }), fc.nat(40)).map(([i, x, cut]) => {
            const m = Uint8Array.from(next);
            m[i] ^= x;
            return m.subarray(0, Math.max(1, m.length - cut));
          }),
          fc.string({ maxLength: 200 }).map((s) => new TextEncoder().encode(s))
        ),
        fc.constantFrom('site-b', 'site-x'),
        async (body, edge) => {
          const res = await post(central, edge, body);
          expect(res.statusCode).toBeLessThan(500);
          expect(typeof res.json().error === 'string' || res.statusCode === 200).toBe(true);
        }
      ),
      { numRuns: 300 }
    );
    // site-a was never touched; site-b may have been told to wait for a keyframe but kept its profile.
    const after = (await central.server.inject('/api/v1/profiles')).json();
    const keep = (j: { edges: EdgeJson[] }, name: string) => j.edges.find((e) => e.edge === name)!.hosts;
    expect(keep(after, 'site-a')).toEqual(keep(JSON.parse(before), 'site-a'));
    expect(keep(after, 'site-b')).toEqual(keep(JSON.parse(before), 'site-b'));
    expect((await post(central, 'site-a', next)).json()).toEqual({ status: 'applied', seq: 1, needKeyframe: false });
    expect([...central.deltas.central!.edges.keys()].sort()).toEqual(['site-a', 'site-b']);
  });

  it('drops an edge silent for central.staleness', async () => {
    let now = 1_000_000;
    const central = engineFrom(CENTRAL.replace('sigmaMin: 0.05', 'sigmaMin: 0.05, staleness: 1m'), ENV, () => now);
    await post(central, 'site-a', new DeltaEncoder().next(P0).binary);
    now += 59_000;
    central.deltas.afterEvaluation(now);
    expect(central.deltas.central!.edges.size).toBe(1);
    now += 2000;
    central.deltas.afterEvaluation(now);
    expect(central.deltas.central!.edges.size).toBe(0);
    expect((await central.server.inject('/metrics')).body).not.toMatch(/edge="site-a"/);
  });
});

describe('central: a restart loses no edge baseline (store)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'he-central-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('persists rebuilt profiles, serves them after a restart until the edge resyncs by keyframe', async () => {
    const config = `${CENTRAL}store: { path: '${join(dir, 'central.db')}' }\n`;
    const first = engineFrom(config, ENV);
    const a = new DeltaEncoder({ epoch: 1 });
    await post(first, 'site-a', a.next(P0).binary);
    await post(first, 'site-a', a.next(P1).binary);
    const before = await edgeProfiles(first, 'site-a');
    await first.start();
    await first.stop(); // persists
    expect(Store.open(join(dir, 'central.db')).load().edges).toHaveLength(3);

    const second = engineFrom(config, ENV);
    await second.start();
    try {
      const restored = await edgeProfiles(second, 'site-a');
      expect(restored).toMatchObject({ synced: false, restored: true });
      expect(restored.hosts).toEqual(before.hosts);
      expect((await second.server.inject('/metrics')).body).toMatch(
        /^health_entropy_baseline\{edge="site-a",host="db-1",indicator="cpu"\} 0\.51/m
      );
      // The edge goes on with deltas; the restarted central asks for a keyframe, and then follows again.
      const delta = await second.server.inject({
        method: 'POST',
        url: '/api/v1/deltas',
        headers: { ...HEADERS, [EDGE_HEADER]: 'site-a' },
        payload: Buffer.from(a.next(P0).binary),
      });
      expect(delta.statusCode).toBe(409);
      a.requestKeyframe();
      const key = await second.server.inject({
        method: 'POST',
        url: '/api/v1/deltas',
        headers: { ...HEADERS, [EDGE_HEADER]: 'site-a' },
        payload: Buffer.from(a.next(P0).binary),
      });
      expect(key.json()).toEqual({ status: 'applied', seq: 3, needKeyframe: false });
      const synced = await edgeProfiles(second, 'site-a');
      expect(synced).toMatchObject({ synced: true, restored: false });
      expectWithin(synced, P0);
    } finally {
      await second.stop();
    }
  });
});
