/**
 * Issue 6, "the central runs the same policy and webhook as for local data", with real processes: an edge
 * engine (built CLI) fed by remote write pushes frames to a central engine (built CLI) whose resources name
 * the edge's hosts (`hosts.edge`), with utilization read by `utilization.query` from a real Prometheus that
 * scrapes a small exporter. Once the baselines are warm, one edge host turns erratic: the central sends a
 * signed `allocation.scale_up` for it (with `edge` in the body), nothing for the calm host nor for a resource
 * of another edge, and `/api/v1/resources` shows the decisions.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Received, TestReceiver } from '../../src/engine/actions/test-receiver';
import { KEY, Pusher, SECRET } from '../actions/harness';
import { ensureBuilt, getJson, promRange, sleep, startEngine, TestEngine, waitFor } from '../engine/harness';
import { freePort, startPrometheus, TestPrometheus } from '../helpers/processes';

jest.setTimeout(180_000);

const EDGE = 'edge-a';
const HOT = 'e-1';
const CALM = 'e-2';
const UTIL = 0.95;
const THETA = 0.15;

interface ResourceJson {
  name: string;
  allocation: { cpu: number };
  lastScaleUpAt: string | null;
  decision: { action: string; kind: string; host: string | null; hosts: number; evaluatedAt: string } | null;
}

let dir: string;
let utilServer: Server;
let prometheus: TestPrometheus;
const receiver = new TestReceiver(KEY);
const pusher = new Pusher([HOT, CALM], 200);
let central: TestEngine;
let edge: TestEngine;

const resources = async () =>
  new Map(
    (await getJson<{ resources: ResourceJson[] }>(`${central.url}/api/v1/resources`)).resources.map((r) => [r.name, r])
  );

/** One resource per line: `for: 1`, no cooldowns, cpu from 1 in steps of 1. */
const resource = (name: string, host: string, edgeName: string) =>
  `  - { name: ${name}, hosts: { host: "${host}", edge: "${edgeName}" }, utilization: { query: he_util, hostLabel: host }, cpu: { current: 1, min: 1, max: 1000000, step: 1 }, policy: { for: 1, theta: ${THETA}, uHigh: 0.8, cooldownUp: 0s, cooldownDown: 0s } }`;

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'he-edge-policy-'));
  writeFileSync(join(dir, 'token'), 'edge-token\n');
  writeFileSync(join(dir, 'webhook-secret'), SECRET);
  // Utilization as the platform would export it: busy on both hosts, so only entropy tells them apart.
  utilServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE he_util gauge\nhe_util{host="${HOT}"} ${UTIL}\nhe_util{host="${CALM}"} ${UTIL}\n`);
  });
  const utilPort = await freePort();
  await new Promise<void>((resolve) => utilServer.listen(utilPort, '127.0.0.1', resolve));
  prometheus = await startPrometheus({
    config: `
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: util
    static_configs: [{ targets: ['127.0.0.1:${utilPort}'] }]
`,
  });
  await receiver.start();
  const centralPort = await freePort();
  const edgePort = await freePort();
  central = await startEngine(
    `
interval: 1s
persistInterval: 1s
logLevel: warn
store: { path: '${join(dir, 'central.db')}' }
prometheus: { url: '${prometheus.url}', timeout: 2s }
central: { tokens: [{ file: '${join(dir, 'token')}' }], staleness: 10m }
webhook:
  url: ${receiver.url}
  secret: { file: '${join(dir, 'webhook-secret')}' }
  timeout: 2s
  backoff: { initial: 50ms, max: 500ms }
resources:
${resource('fleet', 'e-.*', EDGE)}
${resource('calm', CALM, EDGE)}
${resource('elsewhere', HOT, 'edge-b')}
`,
    centralPort,
    dir
  );
  pusher.start(`http://127.0.0.1:${edgePort}`);
  edge = await startEngine(
    `
edge: ${EDGE}
interval: 1s
persistInterval: 1s
logLevel: warn
store: { path: '${join(dir, 'edge.db')}' }
upstream: { url: '${central.url}', token: { file: '${join(dir, 'token')}' }, timeout: 2s, maxBackoff: 2s }
defaults: { window: 10, binning: fixed, bins: 10, lo: 0, hi: 1, baseline: { warmup: 5, alpha: 0.1 } }
indicators:
  - { name: cpu, selector: he_cpu, hostLabel: host }
`,
    edgePort,
    dir
  );
}, 150_000);

afterAll(async () => {
  pusher.stop();
  await edge?.stop('SIGKILL');
  await central?.stop('SIGKILL');
  await prometheus?.stop();
  await receiver.stop();
  await new Promise((r) => (utilServer ? utilServer.close(r) : r(undefined)));
  rmSync(dir, { recursive: true, force: true });
});

it("a central scales an edge's erratic host through its own policy and signed webhook", async () => {
  // Warm: Prometheus has the utilization, and the central judges both edge hosts against learned baselines.
  await waitFor('utilization in Prometheus', async () => {
    const end = Date.now();
    const got = await promRange(prometheus.url, 'he_util', end - 5000, end, 1000);
    return got.has(HOT) && got.has(CALM) ? true : undefined;
  });
  await waitFor(
    'both edge hosts judged as normal',
    async () => {
      const r = await resources();
      return r.get('fleet')?.decision?.kind === 'normal' &&
        r.get('fleet')?.decision?.hosts === 2 &&
        r.get('calm')?.decision?.kind === 'normal'
        ? true
        : undefined;
    },
    90_000
  );
  // Constant values: entropy at its baseline, so no action yet, however busy the hosts are.
  expect(receiver.received).toEqual([]);

  pusher.random.add(HOT);
  const first = await waitFor(
    'a scale-up for the erratic host',
    async () => receiver.received.find((r) => r.json?.resource === 'fleet'),
    30_000
  );
  // A few more evaluations, so that a wrong action for the calm host or the other edge would show.
  await sleep(4000);

  expect(first.signatureValid).toBe(true);
  expect(first.status).toBe(200);
  const body = first.json as Record<string, unknown> & { reason: Record<string, number | string> };
  expect(body).toMatchObject({
    id: first.id,
    type: 'allocation.scale_up',
    host: HOT,
    edge: EDGE,
    resource: 'fleet',
    change: { cpu: { from: 1, to: 2 } },
    source: 'engine',
    dryRun: false,
  });
  // The DESIGN.md keys, with `edge` right after `host`.
  expect(Object.keys(body)).toEqual([
    'id',
    'type',
    'createdAt',
    'host',
    'edge',
    'resource',
    'change',
    'reason',
    'source',
    'dryRun',
  ]);
  expect(body.reason.kind).toBe('rising_entropy');
  expect(body.reason.deviation as number).toBeGreaterThan(THETA);
  expect(body.reason.utilization).toBeCloseTo(UTIL, 9);

  // Every request is signed, for the fleet resource and the erratic host only, each step one up.
  const all: Received[] = receiver.received;
  expect(all.every((r) => r.signatureValid)).toBe(true);
  expect(all.map((r) => [r.json?.resource, r.json?.host, r.json?.edge, r.json?.type])).toEqual(
    all.map(() => ['fleet', HOT, EDGE, 'allocation.scale_up'])
  );
  const delivered = receiver.deliveredOnce();
  expect(delivered.map((r) => (r.json as { change: { cpu: { to: number } } }).change.cpu.to)).toEqual(
    delivered.map((_, i) => i + 2)
  );

  // The central's own view of the same decisions.
  const r = await resources();
  expect(r.get('fleet')).toMatchObject({
    lastScaleUpAt: expect.any(String),
    decision: { action: 'scale_up', kind: 'rising_entropy', host: HOT, hosts: 2 },
  });
  expect(r.get('fleet')!.allocation.cpu).toBeGreaterThanOrEqual(2);
  expect(r.get('calm')).toMatchObject({
    allocation: { cpu: 1 },
    lastScaleUpAt: null,
    decision: { action: 'none', kind: 'normal', host: CALM, hosts: 1 },
  });
  expect(r.get('elsewhere')).toMatchObject({
    allocation: { cpu: 1 },
    lastScaleUpAt: null,
    decision: { action: 'none', kind: 'no_data', hosts: 0 },
  });
});
