import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AlertIntent } from '../alert-contract';
import { EngineConfig, parseConfig } from '../config';
import { PrometheusClient } from '../prometheus';
import { EngineState } from '../state';
import { Store } from '../store';
import { Actions } from './actions';

const T = Date.UTC(2026, 11, 3, 12);
const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;

let dir: string;
let store: Store;
let config: EngineConfig;
let state: EngineState;
let clock: number;
let actions: Actions[];

function yaml(policy: string, extra = ''): string {
  return `
store: { path: /x.db }
prometheus: { url: http://127.0.0.1:1 }
defaults: { window: 4, baseline: { warmup: 2 } }
indicators:
  - { name: cpu, selector: cpu }
  - { name: util, selector: util, weight: 0 }
webhook: { url: 'http://127.0.0.1:1/never', secret: { env: S } }
resources:
  - { name: db, hosts: { host: "db-.*" }, utilization: util, cpu: { current: 4, min: 2, max: 8, step: 2 }, policy: ${policy} }
  - { name: web, hosts: { host: "web-.*" }, utilization: util, replicas: { current: 2, min: 1, max: 3, step: 1 ${extra} }, policy: ${policy} }
  - { name: cache, hosts: { host: "(db|cache)-1" }, utilization: util, memory: { current: 1, min: 1, max: 4, step: 1 }, policy: { for: 1 } }
`;
}

function setup(policy = '{ for: 1, cooldownUp: 5m, cooldownDown: 30m }', extra = '') {
  config = parseConfig(yaml(policy, extra), {}, { env: { S: SECRET } });
  state = new EngineState({
    indicators: config.indicators,
    hostBaseline: config.hostBaseline,
    stalenessMs: 3_600_000,
    maxSeries: 100,
  });
}

function open(prometheus?: PrometheusClient, scaleDownBlockedBy?: (host: string) => string | undefined): Actions {
  const a = new Actions({
    resources: config.resources,
    webhook: config.webhook!,
    state,
    logger: pino({ level: 'silent' }),
    prometheus,
    now: () => clock,
    scaleDownBlockedBy,
  });
  a.open(store.database);
  actions.push(a);
  return a;
}

/** Puts a host into the state with a chosen deviation and utilization. */
function host(name: string, deviation: number, util: number): void {
  state.ingest(state.indicators.get('util')!, name, clock, util, clock);
  state.hosts.get(name)!.last = {
    t: clock,
    score: 0.5 + deviation,
    max: 0.9,
    maxIndicator: 'cpu',
    count: 1,
    baseline: { mean: 0.5, std: 0.05, deviation, z: deviation / 0.05, ready: true, frozen: false },
  };
}

const intent = (p: Partial<AlertIntent>): AlertIntent => ({
  action: 'scale_up',
  resource: 'db',
  dedupKey: `key-${Math.random()}`,
  alertname: 'HighLoad',
  origin: 'alertmanager',
  labels: {},
  summary: 'load is high',
  startsAt: '2026-12-03T11:59:00Z',
  ...p,
});

/** Rows as another connection sees them: what is committed. */
function committed(sql: string): unknown[] {
  const db = new Database(store.path, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'he-actions-'));
  store = Store.open(join(dir, 'state.db'));
  clock = T;
  actions = [];
  setup();
});
afterEach(async () => {
  await Promise.all(actions.map((a) => a.stop()));
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('decision loop', () => {
  it('commits every resource’s state and the actions of one evaluation together', async () => {
    const a = open();
    host('db-1', 0.4, 0.9); // db: scale up; also cache (db-1 matches it): scale up memory
    host('web-1', 0.01, 0.5); // web: nothing
    await a.evaluate(T);
    const rows = committed('SELECT name, allocation, policy FROM resources ORDER BY name') as Array<{
      name: string;
      allocation: string;
    }>;
    expect(rows.map((r) => [r.name, JSON.parse(r.allocation)])).toEqual([
      ['cache', { memory: 2 }],
      ['db', { cpu: 6 }],
      ['web', { replicas: 2 }],
    ]);
    const stored = committed('SELECT resource, type, state, source, host FROM actions ORDER BY resource');
    expect(stored).toEqual([
      { resource: 'cache', type: 'allocation.scale_up', state: 'pending', source: 'engine', host: 'db-1' },
      { resource: 'db', type: 'allocation.scale_up', state: 'pending', source: 'engine', host: 'db-1' },
    ]);
    expect(a.metrics.created.get({ source: 'engine', type: 'allocation.scale_up', dry_run: 'false' })).toBe(2);
    const out: string[] = [];
    a.metrics.render(out);
    const text = out.join('');
    expect(text).toContain(
      'health_entropy_decision{resource="db",host="db-1",action="scale_up",kind="rising_entropy",dry_run="false"} 1\n'
    );
    expect(text).toContain(
      'health_entropy_decision{resource="web",host="web-1",action="none",kind="normal",dry_run="false"} 0\n'
    );
    expect(text).toContain('health_entropy_decision_alert{resource="db",host="db-1",alert="early_warning"} 1\n');
    expect(text).toContain('health_entropy_allocation{resource="db",dimension="cpu"} 6\n');
    expect(text).toMatch(/^health_entropy_actions_outbox_depth 2$/m);
  });

  it('a failed commit changes nothing, on disk or in memory, and is counted', async () => {
    const a = open();
    host('db-1', 0.4, 0.9);
    store.database.exec('DROP TABLE actions'); // the action insert fails inside the transaction
    await a.evaluate(T);
    expect(committed('SELECT name FROM resources')).toEqual([]);
    expect(a.resources.find((r) => r.config.name === 'db')!.row.allocation).toEqual({ cpu: 4 });
    expect(a.metrics.decisionErrors.get()).toBe(1);
  });

  it('after a restart it continues from the committed allocation and cooldowns', async () => {
    const a = open();
    host('db-1', 0.4, 0.9);
    await a.evaluate(T);
    await a.stop();
    clock = T + 60_000;
    const b = open();
    expect(b.resources.find((r) => r.config.name === 'db')!.row.allocation).toEqual({ cpu: 6 });
    await b.evaluate(clock);
    const db = b.resources.find((r) => r.config.name === 'db')!;
    expect(db.last!.decision).toMatchObject({ action: 'none', blocked: 'cooldown' });
    clock = T + 5 * 60_000;
    await b.evaluate(clock);
    expect(db.last!.decision.change).toEqual({ cpu: { from: 6, to: 8 } });
  });

  it('reads the current allocation from PromQL; a failing query keeps the stored value', async () => {
    setup('{ for: 1 }', '');
    config.resources[1].queries = { replicas: 'kube_replicas{app="web"}' };
    let answer: unknown = {
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: {}, value: [T / 1000, '3'] }] },
    };
    const prom: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
    });
    await new Promise<void>((r) => prom.listen(0, '127.0.0.1', r));
    const client = new PrometheusClient({
      url: `http://127.0.0.1:${(prom.address() as AddressInfo).port}`,
      timeoutMs: 2000,
    });
    try {
      const a = open(client);
      host('web-1', 0.4, 0.9);
      await a.evaluate(T);
      const web = a.resources.find((r) => r.config.name === 'web')!;
      // The platform says 3 (the max): scale-up is "at max", whatever was stored.
      expect(web.last!.decision).toMatchObject({ action: 'none', blocked: 'at_max' });
      expect(web.row.allocation).toEqual({ replicas: 3 });
      answer = { status: 'success', data: { resultType: 'vector', result: [] } };
      await a.evaluate(T + 15_000);
      expect(web.row.allocation).toEqual({ replicas: 3 });
    } finally {
      prom.closeAllConnections();
      await new Promise((r) => prom.close(r));
    }
  });
});

describe('alert sink', () => {
  it('records an intent as an action before returning, and a repeat of it as a duplicate', () => {
    const a = open();
    const i = intent({ dedupKey: 'g1/fp1/2026-12-03T11:59:00Z/firing' });
    const [first] = a.applyAlerts([i], T);
    expect(first).toMatchObject({
      status: 'recorded',
      dryRun: false,
      reason: expect.stringMatching(/alert HighLoad \(alertmanager\) asks to scale up: load is high; cpu 4 → 6/),
    });
    const id = (first as { actionId: string }).actionId;
    expect(committed(`SELECT id, source, type FROM actions`)).toEqual([
      { id, source: 'alert', type: 'allocation.scale_up' },
    ]);
    expect(committed(`SELECT dedup_key, status, action_id FROM alert_intents`)).toEqual([
      { dedup_key: i.dedupKey, status: 'recorded', action_id: id },
    ]);
    const body = JSON.parse((committed('SELECT body FROM actions')[0] as { body: string }).body);
    expect(body).toMatchObject({
      source: 'alert',
      resource: 'db',
      change: { cpu: { from: 4, to: 6 } },
      reason: { kind: 'alert' },
    });
    // Alertmanager re-sends the same alert (repeat_interval), or a batch holds it twice: one action.
    const again = a.applyAlerts([i, { ...i }], T + 1000);
    expect(again).toEqual([
      { status: 'duplicate', actionId: id, reason: expect.stringMatching(/already recorded as action/) },
      { status: 'duplicate', actionId: id, reason: expect.stringMatching(/already recorded as action/) },
    ]);
    expect(committed('SELECT count(*) AS n FROM actions')).toEqual([{ n: 1 }]);
  });

  it('applies the cooldown shared with the decision loop, and bounds; a blocked intent is judged afresh later', async () => {
    const a = open();
    host('db-1', 0.4, 0.9);
    await a.evaluate(T); // the loop scales db up at T
    const i = intent({ dedupKey: 'k1' });
    expect(a.applyAlerts([i], T + 60_000)[0]).toEqual({
      status: 'blocked',
      reason: 'db: scale-up cooldown until 2026-12-03T12:05:00.000Z',
    });
    expect(committed("SELECT status FROM alert_intents WHERE dedup_key = 'k1'")).toEqual([{ status: 'blocked' }]);
    expect(a.applyAlerts([i], T + 5 * 60_000)[0]).toMatchObject({
      status: 'recorded',
      reason: expect.stringMatching(/cpu 6 → 8/),
    });
    expect(a.applyAlerts([intent({ dedupKey: 'k2' })], T + 20 * 60_000)[0]).toEqual({
      status: 'blocked',
      reason: 'db: already at max: no action',
    });
    expect(a.applyAlerts([intent({ action: 'scale_down', dedupKey: 'k3' })], T + 10 * 60_000)[0]).toMatchObject({
      status: 'blocked',
      reason: expect.stringMatching(/scale-down cooldown until 2026-12-03T12:35:00.000Z/),
    });
  });

  it('finds the resource by host; says why when it cannot', () => {
    const a = open();
    expect(a.applyAlerts([intent({ resource: undefined, host: 'web-7' })], T)[0]).toMatchObject({ status: 'recorded' });
    expect(a.applyAlerts([intent({ resource: undefined, host: 'db-1' })], T).map((o) => o.reason)).toEqual([
      'host "db-1" is covered by several resources (db, cache): add a resource label',
    ]);
    expect(a.applyAlerts([intent({ resource: undefined, host: 'mail-1' })], T)[0]).toEqual({
      status: 'unmatched',
      reason: 'no resource covers host "mail-1"',
    });
    expect(a.applyAlerts([intent({ resource: 'dbx' })], T)[0]).toEqual({
      status: 'unmatched',
      reason: 'no resource named "dbx" (configured: db, web, cache)',
    });
    expect(a.applyAlerts([intent({ resource: undefined })], T)[0]).toEqual({
      status: 'unmatched',
      reason: 'the alert has neither a resource nor a host label',
    });
  });

  it('a scale-down asked for a vetoed host (quorum unhealthy), or for a resource covering one, is blocked', () => {
    const a = open(undefined, (h) => (h === 'web-2' ? 'checks fail for a quorum of observers' : undefined));
    host('web-1', 0, 0.1);
    host('web-2', 0, 0.1);
    const byHost = a.applyAlerts([intent({ action: 'scale_down', resource: undefined, host: 'web-2' })], T)[0];
    expect(byHost).toEqual({
      status: 'blocked',
      reason: 'web: scale-down forbidden: web-2: checks fail for a quorum of observers',
    });
    const byResource = a.applyAlerts([intent({ action: 'scale_down', resource: 'web' })], T)[0];
    expect(byResource).toMatchObject({ status: 'blocked', reason: expect.stringMatching(/forbidden: web-2/) });
    // Another host of the resource is not vetoed; a scale-up is never vetoed.
    expect(a.applyAlerts([intent({ action: 'scale_down', resource: undefined, host: 'web-1' })], T)[0]).toMatchObject({
      status: 'recorded',
    });
    expect(a.applyAlerts([intent({ resource: 'web', dedupKey: 'up' })], T + 3_600_000)[0]).toMatchObject({
      status: 'recorded',
    });
    expect(committed("SELECT count(*) AS n FROM actions WHERE type = 'allocation.scale_down'")).toEqual([{ n: 1 }]);
  });

  it('a dry-run resource records the action as a dry run and keeps its allocation', () => {
    setup('{ for: 1, dryRun: true }');
    const a = open();
    expect(a.applyAlerts([intent({})], T)[0]).toMatchObject({
      status: 'recorded',
      dryRun: true,
      reason: expect.stringMatching(/\(dry run\)$/),
    });
    expect(a.resources.find((r) => r.config.name === 'db')!.row.allocation).toEqual({ cpu: 4 });
    expect(committed('SELECT dry_run FROM actions')).toEqual([{ dry_run: 1 }]);
  });

  it('later intents of a batch see the earlier ones (one step per cooldown)', () => {
    const a = open();
    const out = a.applyAlerts([intent({ dedupKey: 'a' }), intent({ dedupKey: 'b' })], T);
    expect(out.map((o) => o.status)).toEqual(['recorded', 'blocked']);
  });

  it('throws (so the receiver answers 5xx and the sender retries) when the outcome cannot be recorded', () => {
    const a = open();
    store.database.exec('DROP TABLE alert_intents');
    expect(() => a.applyAlerts([intent({})], T)).toThrow(/alert_intents/);
    expect(a.resources.find((r) => r.config.name === 'db')!.row.allocation).toEqual({ cpu: 4 });
  });
});

describe('engine alert source', () => {
  it('lists the policy alerts of the last decisions with the time each became active', async () => {
    const a = open();
    expect(a.activeAlerts()).toEqual([]);
    host('web-1', 0.4, 0.2);
    await a.evaluate(T);
    await a.evaluate(T + 15_000);
    expect(a.activeAlerts()).toEqual([
      {
        kind: 'early_warning',
        host: 'web-1',
        resource: 'web',
        since: T,
        reason: expect.stringMatching(/early warning only/),
      },
    ]);
  });
});
