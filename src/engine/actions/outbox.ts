/**
 * The durable side of allocation: per-resource policy state and allocation, the actions outbox, and the alert
 * intents already handled, in the engine's SQLite store (tables in `schema.ts`).
 *
 * Everything a decision changes is written by {@link Outbox.commit} in one transaction, so a crash leaves
 * either the decision with its action or neither. Delivery state moves `pending → delivered | dead`, one
 * row update per attempt; an action is never deleted before it is delivered.
 */
import type Database from 'better-sqlite3';
import type { DimensionName, PolicyState } from '../../core';
import { ActionRow, policyFromJson, policyToJson, toRecord } from './rows';

/** Where an action is in its delivery. */
export type ActionState = 'pending' | 'delivered' | 'dead';
export const ACTION_STATES: readonly ActionState[] = ['pending', 'delivered', 'dead'];

/** An action to write. */
export interface NewAction {
  id: string;
  resource: string;
  host: string | null;
  type: 'allocation.scale_up' | 'allocation.scale_down';
  source: 'engine' | 'alert';
  dryRun: boolean;
  /** The decision's sentence (for the API and logs; the body carries the numbers). */
  reason: string;
  /** The JSON body, exactly as it is sent. */
  body: string;
  createdAt: number;
}

/** An action with its delivery state. */
export interface ActionRecord extends NewAction {
  seq: number;
  state: ActionState;
  attempts: number;
  nextAttemptAt: number;
  lastAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: number | null;
}

/** What is kept per resource between evaluations and restarts. */
export interface ResourceRow {
  name: string;
  policy: PolicyState;
  /** Current value per dimension (after the actions taken so far). */
  allocation: Partial<Record<DimensionName, number>>;
  /** The config's `current` values when this row was written: a changed config value wins over the stored one. */
  configured: Partial<Record<DimensionName, number>>;
  /** Active policy alerts → when each became active (ms). */
  alerts: Record<string, number>;
  updatedAt: number;
}

/** An alert intent already handled (its outcome), keyed by its dedup key. */
export interface IntentRow {
  dedupKey: string;
  status: string;
  actionId: string | null;
  reason: string;
  recordedAt: number;
}

/** Filters of {@link Outbox.list}. */
export interface ActionFilter {
  resource?: string;
  state?: ActionState;
  source?: 'engine' | 'alert';
  /** Only actions with `seq < before` (the page cursor). */
  before?: number;
  limit: number;
}

/** The allocation tables of one open store. */
export class Outbox {
  private readonly insertAction: Database.Statement;
  private readonly upsertResource: Database.Statement;
  private readonly upsertIntent: Database.Statement;
  private readonly headsQuery: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insertAction = db.prepare(
      `INSERT INTO actions (id, resource, host, type, source, dry_run, reason, body, created_at, state, next_attempt_at)
       VALUES (@id, @resource, @host, @type, @source, @dryRun, @reason, @body, @createdAt, 'pending', @createdAt)`
    );
    this.upsertResource = db.prepare(
      `INSERT OR REPLACE INTO resources (name, policy, allocation, configured, alerts, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)`
    );
    this.upsertIntent = db.prepare(
      `INSERT OR REPLACE INTO alert_intents (dedup_key, status, action_id, reason, recorded_at) VALUES (?, ?, ?, ?, ?)`
    );
    // The oldest pending action of each resource: only it may be sent, so a resource's actions arrive in order.
    this.headsQuery = db.prepare(
      `SELECT a.* FROM actions a
       JOIN (SELECT resource, min(seq) AS seq FROM actions WHERE state = 'pending' GROUP BY resource) h
         ON a.seq = h.seq ORDER BY a.seq`
    );
  }

  /** Every stored resource row; a damaged row throws naming the resource. */
  loadResources(): Map<string, ResourceRow> {
    const out = new Map<string, ResourceRow>();
    for (const row of this.db.prepare('SELECT * FROM resources').iterate()) {
      const r = row as {
        name: string;
        policy: string;
        allocation: string;
        configured: string;
        alerts: string;
        updated_at: number;
      };
      const what = `resource ${r.name} in the store`;
      try {
        out.set(r.name, {
          name: r.name,
          policy: policyFromJson(r.policy, what),
          allocation: JSON.parse(r.allocation) as ResourceRow['allocation'],
          configured: JSON.parse(r.configured) as ResourceRow['configured'],
          alerts: JSON.parse(r.alerts) as ResourceRow['alerts'],
          updatedAt: r.updated_at,
        });
      } catch (e) {
        throw new Error(`${what} is damaged: ${(e as Error).message}`);
      }
    }
    return out;
  }

  /** Writes resource rows, new actions and alert intents in one transaction (all or nothing). */
  commit(resources: ResourceRow[], actions: NewAction[], intents: IntentRow[] = []): void {
    this.db.transaction(() => {
      for (const r of resources) {
        this.upsertResource.run(
          r.name,
          policyToJson(r.policy),
          JSON.stringify(r.allocation),
          JSON.stringify(r.configured),
          JSON.stringify(r.alerts),
          r.updatedAt
        );
      }
      for (const a of actions) {
        this.insertAction.run({ ...a, dryRun: a.dryRun ? 1 : 0 });
      }
      for (const i of intents) {
        this.upsertIntent.run(i.dedupKey, i.status, i.actionId, i.reason, i.recordedAt);
      }
    })();
  }

  /** The oldest pending action of each resource, oldest first. */
  heads(): ActionRecord[] {
    return (this.headsQuery.all() as ActionRow[]).map(toRecord);
  }

  /** One action by id. */
  get(id: string): ActionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM actions WHERE id = ?').get(id) as ActionRow | undefined;
    return row && toRecord(row);
  }

  /** A 2xx was received: the action is done. */
  markDelivered(id: string, now: number, status: number): void {
    this.db
      .prepare(
        `UPDATE actions SET state = 'delivered', attempts = attempts + 1, last_attempt_at = ?, last_status = ?,
           last_error = NULL, delivered_at = ? WHERE id = ? AND state = 'pending'`
      )
      .run(now, status, now, id);
  }

  /** An attempt failed: count it and schedule the next one. `status` is null for network errors. */
  markFailed(id: string, now: number, nextAttemptAt: number, status: number | null, error: string): void {
    this.db
      .prepare(
        `UPDATE actions SET attempts = attempts + 1, last_attempt_at = ?, last_status = ?, last_error = ?,
           next_attempt_at = ? WHERE id = ? AND state = 'pending'`
      )
      .run(now, status, error.slice(0, 500), nextAttemptAt, id);
  }

  /** Marks pending actions created at or before `createdBefore` as dead; returns them. */
  expire(createdBefore: number): ActionRecord[] {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare("SELECT * FROM actions WHERE state = 'pending' AND created_at <= ? ORDER BY seq")
        .all(createdBefore) as ActionRow[];
      this.db
        .prepare("UPDATE actions SET state = 'dead' WHERE state = 'pending' AND created_at <= ?")
        .run(createdBefore);
      return rows.map((r) => ({ ...toRecord(r), state: 'dead' as const }));
    })();
  }

  /** Newest first, filtered, at most `limit`. */
  list(f: ActionFilter): ActionRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const [col, v] of [
      ['resource', f.resource],
      ['state', f.state],
      ['source', f.source],
    ] as const) {
      if (v !== undefined) {
        where.push(`${col} = ?`);
        args.push(v);
      }
    }
    if (f.before !== undefined) {
      where.push('seq < ?');
      args.push(f.before);
    }
    const sql = `SELECT * FROM actions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, f.limit) as ActionRow[]).map(toRecord);
  }

  /** Actions per state. */
  counts(): Record<ActionState, number> {
    const out: Record<ActionState, number> = { pending: 0, delivered: 0, dead: 0 };
    for (const r of this.db.prepare('SELECT state, count(*) AS n FROM actions GROUP BY state').all()) {
      const row = r as { state: ActionState; n: number };
      out[row.state] = row.n;
    }
    return out;
  }

  /** The outcome already recorded for an alert intent. */
  findIntent(dedupKey: string): IntentRow | undefined {
    const r = this.db.prepare('SELECT * FROM alert_intents WHERE dedup_key = ?').get(dedupKey) as
      { dedup_key: string; status: string; action_id: string | null; reason: string; recorded_at: number } | undefined;
    return (
      r && {
        dedupKey: r.dedup_key,
        status: r.status,
        actionId: r.action_id,
        reason: r.reason,
        recordedAt: r.recorded_at,
      }
    );
  }

  /** Removes delivered actions and alert intents older than `before`; dead actions are kept. */
  prune(before: number): number {
    return this.db.transaction(() => {
      const a = this.db.prepare("DELETE FROM actions WHERE state = 'delivered' AND delivered_at < ?").run(before);
      this.db.prepare('DELETE FROM alert_intents WHERE recorded_at < ?').run(before);
      return a.changes;
    })();
  }
}
