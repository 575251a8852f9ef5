import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { freePortForTests } from './test-port';
import { Store } from '../store';
import { Deliverer } from './deliverer';
import { ActionMetrics } from './metrics';
import { NewAction, Outbox } from './outbox';
import { TestReceiver } from './test-receiver';
import { WebhookConfig } from './webhook-config';

jest.setTimeout(30_000);

const KEY = Buffer.alloc(32, 9);
const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) {
      return v;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(10);
  }
}

let dir: string;
let store: Store;
let outbox: Outbox;
let receiver: TestReceiver;
let deliverers: Deliverer[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'he-deliver-'));
  store = Store.open(join(dir, 'state.db'));
  outbox = new Outbox(store.database);
  receiver = new TestReceiver(KEY);
  deliverers = [];
});
afterEach(async () => {
  await Promise.all(deliverers.map((d) => d.stop()));
  await receiver.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function webhook(url: string, extra: Partial<WebhookConfig> = {}): WebhookConfig {
  return {
    url,
    key: KEY,
    timeoutMs: 2000,
    maxAgeMs: 60_000,
    backoff: { initialMs: 20, maxMs: 200 },
    maxRetryAfterMs: 5000,
    retentionMs: 86_400_000,
    ...extra,
  };
}

function metrics(d: () => Deliverer | undefined): ActionMetrics {
  return new ActionMetrics({
    decisions: () => [],
    allocations: () => [],
    counts: () => outbox.counts(),
    webhookEnabled: () => d()?.status.enabled ?? true,
  });
}

function start(url: string, extra: Partial<WebhookConfig> = {}): { d: Deliverer; m: ActionMetrics } {
  let d: Deliverer | undefined;
  const m = metrics(() => d);
  d = new Deliverer(webhook(url, extra), outbox, m, silent);
  deliverers.push(d);
  d.start();
  return { d, m };
}

function action(id: string, resource: string, createdAt = Date.now()): NewAction {
  const body = JSON.stringify({ id, resource, seq: id });
  return {
    id,
    resource,
    host: 'h',
    type: 'allocation.scale_up',
    source: 'engine',
    dryRun: false,
    reason: 'r',
    body,
    createdAt,
  };
}

/** Ids in the order the receiver first saw each, for one resource. */
function order(resource: string): string[] {
  const ids: string[] = [];
  for (const r of receiver.received) {
    if (r.json?.resource === resource && !ids.includes(r.id)) {
      ids.push(r.id);
    }
  }
  return ids;
}

describe('Deliverer (real HTTP receiver)', () => {
  it('refused, then 500, then 429 with Retry-After, then up: everything delivered, in order per resource', async () => {
    const port = await freePortForTests();
    outbox.commit([], [action('a1', 'A'), action('b1', 'B'), action('a2', 'A'), action('a3', 'A'), action('b2', 'B')]);
    const { m } = start(`http://127.0.0.1:${port}/actions`);
    // Nothing listens yet: connection refused, retried with backoff.
    await until('two refused attempts', () => (outbox.get('a1')!.attempts >= 2 ? true : undefined));
    expect(outbox.get('a1')).toMatchObject({
      state: 'pending',
      lastStatus: null,
      lastError: expect.stringMatching(/ECONNREFUSED/),
    });
    receiver.script = ({ n }) =>
      n < 2 ? { status: 500 } : n === 2 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 };
    await receiver.start(port);
    await until('all delivered', () => outbox.counts().pending === 0);

    expect(outbox.counts()).toEqual({ pending: 0, delivered: 5, dead: 0 });
    expect(receiver.deliveredOnce().length).toBe(5);
    expect(order('A')).toEqual(['a1', 'a2', 'a3']);
    expect(order('B')).toEqual(['b1', 'b2']);
    // A resource's next action is sent only once the previous one is delivered.
    for (const r of receiver.received) {
      const prev = { a2: 'a1', a3: 'a2', b2: 'b1' }[r.id];
      if (prev) {
        expect(outbox.get(prev)!.deliveredAt!).toBeLessThanOrEqual(r.at);
      }
    }
    // Every attempt is signed, and every retry of an action carries its id and the same body.
    expect(receiver.received.every((r) => r.signatureValid && r.json?.id === r.id)).toBe(true);
    const limited = receiver.received.find((r) => r.status === 429)!;
    const after = receiver.received.find((r) => r.id === limited.id && r.at > limited.at)!;
    expect(after.at - limited.at).toBeGreaterThanOrEqual(950);
    expect(m.deliveries.get({ result: 'network' })).toBeGreaterThanOrEqual(2);
    expect(m.deliveries.get({ result: 'http_5xx' })).toBe(2);
    expect(m.deliveries.get({ result: 'rate_limited' })).toBe(1);
    expect(m.deliveries.get({ result: 'delivered' })).toBe(5);
    expect(m.failures.get()).toBe(m.deliveries.get({ result: 'network' }) + 3);
    expect(m.latency.count()).toBe(5);
  });

  it('410 disables the endpoint and says so; actions wait; a restart delivers them', async () => {
    receiver.script = () => ({ status: 410, body: 'endpoint removed' });
    await receiver.start();
    outbox.commit([], [action('a1', 'A'), action('b1', 'B')]);
    const { d, m } = start(receiver.url);
    await until('disabled', () => !d.status.enabled);
    expect(d.status).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/answered 410 Gone at/) });
    const out: string[] = [];
    m.render(out);
    expect(out.join('')).toMatch(/^health_entropy_webhook_enabled 0$/m);
    const seen = receiver.received.length;
    await sleep(300);
    expect(receiver.received.length).toBe(seen); // nothing more is sent while disabled
    expect(outbox.counts().pending).toBe(2);
    expect(
      outbox
        .list({ limit: 10, state: 'pending' })
        .some((a) => /HTTP 410 Gone: endpoint removed/.test(a.lastError ?? ''))
    ).toBe(true);
    await d.stop();
    receiver.script = () => ({ status: 200 });
    const again = start(receiver.url);
    await until('delivered after restart', () => outbox.counts().pending === 0);
    expect(again.d.status.enabled).toBe(true);
  });

  it('a redirect is not followed: the action stays pending and says why', async () => {
    receiver.script = ({ n }) => (n < 2 ? { status: 302, headers: { location: '/stolen' } } : { status: 200 });
    await receiver.start();
    outbox.commit([], [action('a1', 'A')]);
    const { m } = start(receiver.url);
    await until('delivered', () => outbox.counts().pending === 0);
    expect(receiver.received.map((r) => r.path)).toEqual(['/actions', '/actions', '/actions']);
    expect(m.deliveries.get({ result: 'redirect' })).toBe(2);
    expect(outbox.get('a1')).toMatchObject({ state: 'delivered', attempts: 3 });
  });

  it('an action not delivered within maxAge is dead (kept, counted), and the next one of its resource proceeds', async () => {
    receiver.script = ({ id }) => (id === 'a1' ? { status: 503 } : { status: 200 });
    await receiver.start();
    outbox.commit([], [action('a1', 'A'), action('a2', 'A', Date.now() + 500)]);
    const { m } = start(receiver.url, { maxAgeMs: 1000 });
    await until('a2 delivered', () => outbox.get('a2')!.state === 'delivered');
    expect(outbox.get('a1')).toMatchObject({ state: 'dead', lastStatus: 503 });
    expect(m.dead.get()).toBe(1);
    const out: string[] = [];
    m.render(out);
    expect(out.join('')).toMatch(/^health_entropy_actions_dead 1$/m);
    expect(out.join('')).toMatch(/^health_entropy_actions_outbox_depth 0$/m);
  });

  it('a stop cuts an attempt off without counting it; the same id is sent again after the restart', async () => {
    receiver.script = ({ n }) => (n === 0 ? { status: 200, delayMs: 5000 } : { status: 200 });
    await receiver.start();
    outbox.commit([], [action('a1', 'A')]);
    const first = start(receiver.url);
    await until('first request received', () => receiver.received.length === 1);
    await first.d.stop(); // waits the grace period, then aborts
    expect(outbox.get('a1')).toMatchObject({ state: 'pending', attempts: 0 });
    expect(first.m.deliveries.get({ result: 'network' })).toBe(0);
    start(receiver.url);
    await until('delivered', () => outbox.counts().pending === 0);
    expect(receiver.received.map((r) => r.id)).toEqual(['a1', 'a1']);
    expect(receiver.received[0].body).toBe(receiver.received[1].body);
  });

  it('new actions are picked up when woken', async () => {
    await receiver.start();
    const { d } = start(receiver.url);
    await sleep(50);
    outbox.commit([], [action('late', 'A')]);
    d.wake();
    await until('delivered', () => outbox.counts().delivered === 1);
  });
});
