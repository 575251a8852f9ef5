import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from '../config';
import { Engine } from '../engine';
import { parseActionQuery } from './routes';
import { TestReceiver } from './test-receiver';

jest.setTimeout(30_000);

const KEY = Buffer.alloc(32, 5);
const SECRET = `whsec_${KEY.toString('base64')}`;

let dir: string;
let receiver: TestReceiver;
let engine: Engine;

function config(webhookUrl: string, withResources = true): string {
  return `
listen: 127.0.0.1:0
interval: 1h
staleness: 2h
store: { path: ${join(dir, 'state.db')} }
defaults: { window: 4 }
indicators:
  - { name: cpu, selector: cpu }
webhook: { url: '${webhookUrl}?token=abc', secret: { env: S }, backoff: { initial: 10ms, max: 50ms } }
${
  withResources
    ? `resources:
  - { name: db, hosts: { host: "db-.*" }, utilization: cpu, cpu: { current: 2, min: 1, max: 64, step: 1 }, policy: { cooldownUp: 0s } }
  - { name: web, hosts: { host: "web-.*" }, utilization: cpu, replicas: { current: 2, min: 1, max: 64, step: 1 }, policy: { cooldownUp: 0s } }`
    : ''
}
`;
}

async function startEngine(withResources = true): Promise<Engine> {
  const c = parseConfig(config(receiver.url, withResources), {}, { env: { S: SECRET } });
  const e = new Engine(c, pino({ level: 'silent' }));
  await e.start();
  return e;
}

const intent = (resource: string, n: number) => ({
  action: 'scale_up' as const,
  resource,
  dedupKey: `${resource}-${n}`,
  alertname: 'A',
  origin: 'grafana' as const,
  labels: {},
  startsAt: '2026-12-03T12:00:00Z',
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'he-routes-'));
  receiver = new TestReceiver(KEY);
  await receiver.start();
});
afterEach(async () => {
  await engine?.stop();
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function waitDelivered(n: number): Promise<void> {
  for (let i = 0; i < 500 && engine.actions!.counts().delivered < n; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('GET /api/v1/actions and /api/v1/resources', () => {
  it('lists actions with their delivery state, newest first, filtered and paged', async () => {
    engine = await startEngine();
    receiver.script = ({ json }) => (json?.resource === 'web' ? { status: 503 } : { status: 200 });
    for (let i = 0; i < 5; i++) {
      engine.actions!.applyAlerts([intent('db', i), intent('web', i)], Date.now());
    }
    await waitDelivered(5);
    const all = (await engine.server.inject('/api/v1/actions')).json();
    expect(all.actions).toHaveLength(10);
    expect(all.outbox).toEqual({ pending: 5, delivered: 5, dead: 0 });
    expect(all.webhook).toEqual({ url: `${receiver.url}?…`, enabled: true, disabledAt: null, disabledReason: null });
    expect(all.next).toBeNull();
    const seqs = all.actions.map((a: { seq: number }) => a.seq);
    expect(seqs).toEqual([...seqs].sort((x: number, y: number) => y - x));
    const delivered = (await engine.server.inject('/api/v1/actions?resource=db&state=delivered')).json().actions;
    expect(delivered).toHaveLength(5);
    expect(delivered[0]).toMatchObject({
      resource: 'db',
      state: 'delivered',
      attempts: 1,
      lastStatus: 200,
      lastError: null,
      nextAttemptAt: null,
      source: 'alert',
      dryRun: false,
      body: { resource: 'db', type: 'allocation.scale_up', source: 'alert' },
    });
    expect(delivered[0].deliveredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const pending = (await engine.server.inject('/api/v1/actions?resource=web')).json().actions;
    expect(pending.every((a: { state: string }) => a.state === 'pending')).toBe(true);
    // Only the oldest web action is being retried (in order per resource); it says why.
    const oldest = pending[pending.length - 1];
    expect(oldest.attempts).toBeGreaterThanOrEqual(1);
    expect(oldest).toMatchObject({ lastStatus: 503, lastError: 'HTTP 503' });
    expect(pending.slice(0, -1).every((a: { attempts: number }) => a.attempts === 0)).toBe(true);
    const page1 = (await engine.server.inject('/api/v1/actions?limit=4')).json();
    expect(page1.actions).toHaveLength(4);
    const page2 = (await engine.server.inject(`/api/v1/actions?limit=4&before=${page1.next}`)).json();
    expect(page2.actions[0].seq).toBe(page1.next - 1);
    expect((await engine.server.inject('/api/v1/actions?source=engine')).json().actions).toEqual([]);
  });

  it('shows each resource with its allocation, bounds and last decision', async () => {
    engine = await startEngine();
    engine.actions!.applyAlerts([intent('db', 1)], Date.now());
    const body = (await engine.server.inject('/api/v1/resources')).json();
    expect(body.resources.map((r: { name: string }) => r.name)).toEqual(['db', 'web']);
    expect(body.resources[0]).toMatchObject({
      name: 'db',
      hosts: 'db-.*',
      allocation: { cpu: 3 },
      bounds: { cpu: { min: 1, max: 64, step: 1 } },
      dryRun: false,
      decision: { action: 'none', kind: 'no_data', host: null, hosts: 0 },
    });
    expect(body.resources[0].lastScaleUpAt).toMatch(/^\d{4}-/);
  });

  it.each<[string, RegExp]>([
    ['state=gone', /state must be one of pending, delivered, dead/],
    ['limit=0', /limit must be an integer from 1 to 1000/],
    ['limit=1001', /limit must be an integer from 1 to 1000/],
    ['limit=ten', /limit must be an integer/],
    ['before=-1', /before must be an integer/],
    ['source=human', /source must be engine or alert/],
    ['resource=', /resource must be a resource name/],
    [`resource=${'x'.repeat(300)}`, /resource must be a resource name/],
    ['state=pending&state=dead', /state must be given once/],
    ['sort=asc', /unknown parameter "sort"/],
  ])('?%s is a 400 saying what is wrong', async (query, message) => {
    engine = await startEngine();
    const res = await engine.server.inject(`/api/v1/actions?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(message);
  });

  it('hostile query strings: 200 or 400, never a 5xx', async () => {
    engine = await startEngine();
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.oneof(fc.constantFrom('resource', 'state', 'limit', 'before', 'source'), fc.string({ maxLength: 10 })),
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 40 }),
            fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 })
          )
        ),
        async (params) => {
          const res = await engine.server.inject({ method: 'GET', url: '/api/v1/actions', query: params });
          expect([200, 400]).toContain(res.statusCode);
        }
      ),
      { numRuns: 200 }
    );
  });

  it('parses a good query', () => {
    expect(parseActionQuery({ resource: 'db', state: 'dead', limit: '7', before: '99', source: 'alert' })).toEqual({
      resource: 'db',
      state: 'dead',
      limit: 7,
      before: 99,
      source: 'alert',
    });
    expect(parseActionQuery({})).toEqual({ limit: 100 });
  });

  it('answers over a real socket, and /metrics carries the allocation families', async () => {
    engine = await startEngine();
    engine.actions!.applyAlerts([intent('db', 1)], Date.now());
    await waitDelivered(1);
    const res = await fetch(`http://${engine.address}/api/v1/actions?state=delivered`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { actions: unknown[] }).actions).toHaveLength(1);
    const metrics = await (await fetch(`http://${engine.address}/metrics`)).text();
    for (const family of [
      'health_entropy_decision',
      'health_entropy_allocation',
      'health_entropy_actions_outbox_depth',
      'health_entropy_actions_dead',
      'health_entropy_webhook_enabled',
      'health_entropy_webhook_deliveries_total',
      'health_entropy_webhook_failures_total',
      'health_entropy_actions_total',
    ]) {
      expect(metrics).toContain(`# TYPE ${family} `);
    }
    expect(metrics).toContain('health_entropy_webhook_deliveries_total{result="delivered"} 1\n');
    expect(metrics).toContain('health_entropy_allocation{resource="db",dimension="cpu"} 3\n');
  });

  it('without resources the routes say allocation is off', async () => {
    engine = await startEngine(false);
    for (const url of ['/api/v1/actions', '/api/v1/resources']) {
      const res = await engine.server.inject(url);
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toMatch(/allocation is off: no resources are configured/);
    }
    expect(engine.alertSink.applyAlerts([intent('db', 1)], 0)).toEqual([
      { status: 'unmatched', reason: 'no resources are configured (resources: in the config)' },
    ]);
    expect(engine.alertSource.activeAlerts()).toEqual([]);
  });
});
