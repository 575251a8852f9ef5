import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INITIAL_POLICY_STATE } from '../../core';
import { Store } from '../store';
import { NewAction, Outbox, ResourceRow } from './outbox';

let dir: string;
let store: Store;
let outbox: Outbox;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'he-outbox-'));
  store = Store.open(join(dir, 'state.db'));
  outbox = new Outbox(store.database);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function action(id: string, resource: string, createdAt: number, extra: Partial<NewAction> = {}): NewAction {
  return {
    id,
    resource,
    host: 'h1',
    type: 'allocation.scale_up',
    source: 'engine',
    dryRun: false,
    reason: `reason of ${id}`,
    body: JSON.stringify({ id }),
    createdAt,
    ...extra,
  };
}

const row = (name: string, extra: Partial<ResourceRow> = {}): ResourceRow => ({
  name,
  policy: INITIAL_POLICY_STATE,
  allocation: { cpu: 4 },
  configured: { cpu: 4 },
  alerts: {},
  updatedAt: 1,
  ...extra,
});

describe('Outbox', () => {
  it('round-trips resource rows, with −Infinity ("never") kept', () => {
    outbox.commit(
      [
        row('db', {
          policy: { streakKind: 'rising_entropy', streak: 2, lastUpAt: 5000, lastDownAt: -Infinity },
          alerts: { early_warning: 7 },
        }),
      ],
      []
    );
    expect(outbox.loadResources().get('db')).toEqual(
      row('db', {
        policy: { streakKind: 'rising_entropy', streak: 2, lastUpAt: 5000, lastDownAt: -Infinity },
        alerts: { early_warning: 7 },
      })
    );
  });

  it('commit is all or nothing: a failing action insert leaves the resource row as it was', () => {
    outbox.commit([row('db')], [action('a1', 'db', 1)]);
    expect(() =>
      outbox.commit([row('db', { allocation: { cpu: 6 } })], [action('a2', 'db', 2), action('a1', 'db', 3)])
    ).toThrow(/UNIQUE/);
    expect(outbox.loadResources().get('db')?.allocation).toEqual({ cpu: 4 });
    expect(outbox.list({ limit: 10 }).map((a) => a.id)).toEqual(['a1']);
  });

  it('heads are the oldest pending action of each resource; delivered and dead ones make way', () => {
    outbox.commit([], [action('a1', 'A', 1), action('b1', 'B', 2), action('a2', 'A', 3), action('b2', 'B', 4)]);
    expect(outbox.heads().map((a) => a.id)).toEqual(['a1', 'b1']);
    outbox.markDelivered('a1', 10, 200);
    expect(outbox.heads().map((a) => a.id)).toEqual(['b1', 'a2']);
    outbox.markFailed('b1', 11, 500, 503, 'HTTP 503');
    expect(outbox.get('b1')).toMatchObject({
      state: 'pending',
      attempts: 1,
      nextAttemptAt: 500,
      lastStatus: 503,
      lastError: 'HTTP 503',
    });
    expect(outbox.expire(2).map((a) => a.id)).toEqual(['b1']);
    expect(outbox.heads().map((a) => a.id)).toEqual(['a2', 'b2']);
    expect(outbox.counts()).toEqual({ pending: 2, delivered: 1, dead: 1 });
  });

  it('a final state is final: delivered or dead actions are not moved by late results', () => {
    outbox.commit([], [action('a1', 'A', 1), action('a2', 'A', 1)]);
    outbox.markDelivered('a1', 10, 200);
    outbox.markFailed('a1', 11, 20, 500, 'late');
    outbox.markDelivered('a1', 12, 201);
    expect(outbox.get('a1')).toMatchObject({
      state: 'delivered',
      attempts: 1,
      lastStatus: 200,
      deliveredAt: 10,
      lastError: null,
    });
    outbox.expire(5);
    outbox.markDelivered('a2', 13, 200);
    expect(outbox.get('a2')).toMatchObject({ state: 'dead', deliveredAt: null });
  });

  it('lists newest first, filtered, in bounded pages with a cursor', () => {
    const many = Array.from({ length: 25 }, (_, i) =>
      action(`x${i}`, i % 2 ? 'A' : 'B', i, { source: i % 5 === 0 ? 'alert' : 'engine' })
    );
    outbox.commit([], many);
    outbox.markDelivered('x1', 100, 200);
    const page1 = outbox.list({ limit: 10 });
    expect(page1.map((a) => a.id)).toEqual(['x24', 'x23', 'x22', 'x21', 'x20', 'x19', 'x18', 'x17', 'x16', 'x15']);
    const page2 = outbox.list({ limit: 10, before: page1[9].seq });
    expect(page2[0].id).toBe('x14');
    expect(outbox.list({ limit: 100, resource: 'A', state: 'delivered' }).map((a) => a.id)).toEqual(['x1']);
    expect(outbox.list({ limit: 100, source: 'alert' }).map((a) => a.id)).toEqual(['x20', 'x15', 'x10', 'x5', 'x0']);
    expect(outbox.list({ limit: 100, resource: "A' OR 1=1 --" })).toEqual([]);
  });

  it('prunes delivered actions and old alert intents, keeps pending and dead ones', () => {
    outbox.commit(
      [],
      [action('old', 'A', 1), action('dead', 'B', 1), action('pending', 'C', 1)],
      [{ dedupKey: 'k', status: 'recorded', actionId: 'old', reason: 'r', recordedAt: 1 }]
    );
    outbox.markDelivered('old', 10, 200);
    outbox.expire(1);
    outbox.commit([], [action('pending2', 'C', 50)]);
    expect(outbox.prune(20)).toBe(1);
    expect(outbox.list({ limit: 10 }).map((a) => `${a.id}:${a.state}`)).toEqual([
      'pending2:pending',
      'pending:dead',
      'dead:dead',
    ]);
    expect(outbox.findIntent('k')).toBeUndefined();
  });

  it('survives reopening: everything committed is there', () => {
    outbox.commit(
      [row('db')],
      [action('a1', 'db', 1)],
      [{ dedupKey: 'k', status: 'recorded', actionId: 'a1', reason: 'r', recordedAt: 1 }]
    );
    store.close();
    store = Store.open(join(dir, 'state.db'));
    const again = new Outbox(store.database);
    expect(again.get('a1')).toMatchObject({ state: 'pending', body: '{"id":"a1"}', dryRun: false, source: 'engine' });
    expect(again.findIntent('k')).toEqual({
      dedupKey: 'k',
      status: 'recorded',
      actionId: 'a1',
      reason: 'r',
      recordedAt: 1,
    });
    expect(again.loadResources().has('db')).toBe(true);
  });

  it('names a damaged resource row', () => {
    outbox.commit([row('db')], []);
    store.database.prepare('UPDATE resources SET policy = \'{"x":1}\'').run();
    expect(() => outbox.loadResources()).toThrow(/resource db in the store is damaged/);
  });
});
