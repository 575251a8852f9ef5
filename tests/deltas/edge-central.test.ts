/**
 * Edge → central with real processes: two edge engines poll a real Prometheus (scraping a test exporter)
 * and push binary frames to one central engine, all built CLIs on loopback. The central's rebuilt profiles
 * match each edge's within ε + q/2; a SIGKILLed edge comes back with a new epoch and resyncs by keyframe; a
 * SIGKILLed central serves its stored baselines at once and resyncs when the edges push again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostProfile } from '../../src/engine/profiles';
import type { UpstreamStatus } from '../../src/engine/deltas/upstream';
import { freePort, startPrometheus, TestPrometheus } from '../helpers/processes';
import {
  ensureBuilt,
  getJson,
  promRange,
  sleep,
  startEngine,
  TestEngine,
  TestExporter,
  waitFor,
} from '../engine/harness';

jest.setTimeout(300_000);

const WINDOW = 10;
const DEADBAND = 0.01;
const QUANTUM = 0.001;
const BOUND = DEADBAND + QUANTUM / 2;
const EDGES = ['edge-a', 'edge-b'] as const;
type EdgeName = (typeof EDGES)[number];

interface EdgeJson {
  edge: string;
  synced: boolean;
  restored: boolean;
  epoch: number | null;
  seq: number | null;
  keyframes: number;
  hosts: Array<{
    host: string;
    indicators: Record<string, { entropy: number; baseline: number | null; std: number | null }>;
  }>;
}

let exporter: TestExporter;
let prometheus: TestPrometheus;
let dir: string;
const engines = new Map<string, TestEngine>();
const ports = new Map<string, number>();
const configs = new Map<string, string>();

function edgeConfig(name: EdgeName, centralPort: number): string {
  const prefix = name === 'edge-a' ? 'a' : 'b';
  return `
edge: ${name}
prometheus: { url: '${prometheus.url}', timeout: 2s }
interval: 1s
persistInterval: 1s
staleness: 1m
store: { path: '${join(dir, `${name}.db`)}' }
upstream: { url: 'http://127.0.0.1:${centralPort}', token: { file: '${join(dir, 'token')}' }, timeout: 2s, maxBackoff: 2s, deadband: ${DEADBAND}, quantum: ${QUANTUM} }
defaults: { hostLabel: host, window: ${WINDOW}, baseline: { warmup: 5, alpha: 0.1 } }
indicators:
  - { name: cpu, query: 'he_test_cpu{host=~"${prefix}-.*"}' }
  - { name: mem, query: 'he_test_mem{host=~"${prefix}-.*"}' }
`;
}

async function start(name: string): Promise<TestEngine> {
  const e = await startEngine(configs.get(name)!, ports.get(name)!, dir);
  engines.set(name, e);
  return e;
}

const central = () => engines.get('central')!;

async function centralEdge(name: EdgeName): Promise<EdgeJson> {
  return (await getJson<{ edges: EdgeJson[] }>(`${central().url}/api/v1/profiles?edge=${name}`)).edges[0];
}

/**
 * Compares the central's view of `name` with the edge's own profiles, at a moment when nothing moves: no
 * push in flight, the last push taken carried the last evaluation, every sample is evaluated, and neither
 * the edge nor its upstream status changed around the central's answer. Returns the series compared.
 */
async function expectInSync(name: EdgeName): Promise<{ series: number; withBaseline: number }> {
  const edge = engines.get(name)!;
  for (let attempt = 0; attempt < 100; attempt++) {
    const up1 = await getJson<UpstreamStatus>(`${edge.url}/api/v1/upstream`);
    const s1 = await getJson<{ hosts: HostProfile[] }>(`${edge.url}/api/v1/profiles`);
    const c = await centralEdge(name).catch(() => undefined);
    const s2 = await getJson<{ hosts: HostProfile[] }>(`${edge.url}/api/v1/profiles`);
    const up2 = await getJson<UpstreamStatus>(`${edge.url}/api/v1/upstream`);
    const evaluated = s1.hosts.every((h) =>
      Object.values(h.indicators).every((p) => p.lastSampleMs !== null && p.lastSampleMs <= (h.evaluatedAtMs ?? -1))
    );
    const still =
      c !== undefined &&
      c.synced &&
      !up1.inFlight &&
      !up2.inFlight &&
      up1.lastAckSeq === up2.lastAckSeq &&
      c.seq === up1.lastAckSeq &&
      c.epoch === up1.epoch &&
      JSON.stringify(s1) === JSON.stringify(s2) &&
      evaluated &&
      s1.hosts.every((h) => h.evaluatedAtMs === up1.lastAckEvalMs);
    if (!still) {
      await sleep(150);
      continue;
    }
    const got = new Map(c.hosts.map((h) => [h.host, h.indicators]));
    let series = 0;
    let withBaseline = 0;
    for (const h of s1.hosts) {
      for (const [ind, p] of Object.entries(h.indicators)) {
        if (p.entropy === null) {
          expect(got.get(h.host)?.[ind]).toBeUndefined();
          continue;
        }
        const g = got.get(h.host)![ind];
        expect({ host: h.host, ind, err: Math.abs(g.entropy - p.entropy) <= BOUND + 1e-12 }).toEqual({
          host: h.host,
          ind,
          err: true,
        });
        if (p.ready) {
          expect(Math.abs(g.baseline! - p.baseline!)).toBeLessThanOrEqual(BOUND + 1e-12);
          withBaseline++;
        } else {
          expect(g.baseline).toBeNull();
        }
        series++;
      }
    }
    expect(c.hosts.map((h) => h.host).sort()).toEqual(
      s1.hosts
        .filter((h) => Object.values(h.indicators).some((p) => p.entropy !== null))
        .map((h) => h.host)
        .sort()
    );
    return { series, withBaseline };
  }
  throw new Error(`${name}: never found a still moment to compare (${engines.get(name)!.output().slice(-2000)})`);
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'he-deltas-'));
  writeFileSync(join(dir, 'token'), 'edge-token\n');
  exporter = new TestExporter(['a-1', 'a-2', 'b-1', 'b-2']);
  await exporter.start();
  prometheus = await startPrometheus({
    config: `
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: exporter
    static_configs: [{ targets: ['127.0.0.1:${exporter.port}'] }]
`,
  });
  for (const name of ['central', ...EDGES]) {
    ports.set(name, await freePort());
  }
  configs.set(
    'central',
    `
interval: 1s
persistInterval: 1s
store: { path: '${join(dir, 'central.db')}' }
central: { tokens: [{ file: '${join(dir, 'token')}' }], staleness: 10m }
`
  );
  for (const name of EDGES) {
    configs.set(name, edgeConfig(name, ports.get('central')!));
  }
  await waitFor(
    'a window of samples in Prometheus',
    async () => {
      const end = Math.floor(Date.now() / 1000) * 1000;
      const got = await promRange(prometheus.url, 'he_test_cpu', end - WINDOW * 1000, end, 1000);
      return (got.get('b-2')?.length ?? 0) > WINDOW ? true : undefined;
    },
    60_000
  );
  await start('central');
  for (const name of EDGES) {
    await start(name);
  }
}, 180_000);

afterAll(async () => {
  for (const e of engines.values()) {
    e.child.kill('SIGCONT');
    await e.stop('SIGKILL');
  }
  await prometheus?.stop();
  await exporter?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('two edges and a central, real processes', () => {
  it("the central's profiles match each edge's within ε + q/2, baselines included", async () => {
    for (const name of EDGES) {
      await waitFor(`${name} with learned baselines on the central`, async () => {
        const e = await centralEdge(name);
        const ready = e.hosts.flatMap((h) => Object.values(h.indicators)).filter((i) => i.baseline !== null);
        return ready.length === 4 ? true : undefined;
      });
      const { series, withBaseline } = await expectInSync(name);
      expect(series).toBe(4);
      expect(withBaseline).toBe(4);
    }
    // The same numbers on /metrics, labelled by edge; the incident on a-1 shows there too.
    exporter.incident.add('a-1');
    await waitFor('the incident reaches the central', async () => {
      const e = await centralEdge('edge-a');
      const cpu = e.hosts.find((h) => h.host === 'a-1')!.indicators.cpu;
      return cpu.entropy > 0.5 ? true : undefined;
    });
    await expectInSync('edge-a');
    const metrics = await (await fetch(`${central().url}/metrics`)).text();
    for (const host of ['a-1', 'a-2']) {
      expect(metrics).toMatch(new RegExp(`^health_entropy\\{edge="edge-a",host="${host}",indicator="cpu"\\} `, 'm'));
    }
    expect(metrics).toMatch(/^health_entropy_baseline\{edge="edge-b",host="b-2",indicator="mem"\} /m);
    expect(metrics).toMatch(/^health_entropy_edge_synced\{edge="edge-b"\} 1$/m);
    expect(metrics).not.toMatch(/edge="edge-a",host="b-/);
  });

  it('a SIGKILLed edge comes back with a new epoch and resyncs by keyframe; the other edge is untouched', async () => {
    const before = await centralEdge('edge-a');
    const otherBefore = await centralEdge('edge-b');
    await engines.get('edge-a')!.stop('SIGKILL');
    await sleep(2000);
    // Meanwhile the central still holds edge-a's last profile, baselines and all.
    const held = await centralEdge('edge-a');
    expect(held.epoch).toBe(before.epoch);
    expect(held.hosts.every((h) => Object.values(h.indicators).every((i) => i.baseline !== null))).toBe(true);
    await start('edge-a');
    await waitFor('edge-a resynced under a new epoch', async () => {
      const e = await centralEdge('edge-a');
      return e.synced && e.epoch !== before.epoch ? e : undefined;
    });
    const after = await centralEdge('edge-a');
    expect(after.keyframes).toBeGreaterThanOrEqual(before.keyframes + 1);
    await expectInSync('edge-a');
    const other = await centralEdge('edge-b');
    expect(other.epoch).toBe(otherBefore.epoch);
    expect(other.seq!).toBeGreaterThan(otherBefore.seq!);
  });

  it('a SIGKILLed central serves its stored baselines at once, then the edges resync by keyframe', async () => {
    // Freeze the edges, so that what the central holds stops changing and reaches its store.
    for (const name of EDGES) {
      engines.get(name)!.child.kill('SIGSTOP');
    }
    await sleep(2500);
    const held = new Map<string, EdgeJson>();
    for (const name of EDGES) {
      held.set(name, await centralEdge(name));
    }
    await central().stop('SIGKILL');
    await start('central');
    for (const name of EDGES) {
      const restored = await centralEdge(name);
      expect(restored).toMatchObject({ synced: false, restored: true, keyframes: 0 });
      expect(restored.hosts).toEqual(held.get(name)!.hosts);
      expect(
        restored.hosts.every((h) => Object.values(h.indicators).every((i) => i.baseline !== null && i.std !== null))
      ).toBe(true);
    }
    for (const name of EDGES) {
      engines.get(name)!.child.kill('SIGCONT');
    }
    for (const name of EDGES) {
      await waitFor(`${name} resynced after the central restart`, async () => {
        const e = await centralEdge(name);
        return e.synced && !e.restored ? e : undefined;
      });
      const e = await centralEdge(name);
      // The same edge life (epoch), a new keyframe: the edge answered the restarted central's need.
      expect(e.epoch).toBe(held.get(name)!.epoch);
      expect(e.keyframes).toBeGreaterThanOrEqual(1);
      await expectInSync(name);
    }
  });
});
