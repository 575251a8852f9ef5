/**
 * Rows of the allocation tables ↔ the outbox's types: column names, booleans as 0/1, and the policy state,
 * whose "never" (−Infinity) JSON cannot hold.
 */
import type { PolicyState } from '../../core';
import type { ActionRecord, ActionState, NewAction } from './outbox';

/** An `actions` row as SQLite returns it. */
export interface ActionRow {
  seq: number;
  id: string;
  resource: string;
  host: string | null;
  type: NewAction['type'];
  source: NewAction['source'];
  dry_run: number;
  reason: string;
  body: string;
  created_at: number;
  state: ActionState;
  attempts: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
}

/** A row as the outbox's callers see it. */
export function toRecord(r: ActionRow): ActionRecord {
  return {
    seq: r.seq,
    id: r.id,
    resource: r.resource,
    host: r.host,
    type: r.type,
    source: r.source,
    dryRun: r.dry_run === 1,
    reason: r.reason,
    body: r.body,
    createdAt: r.created_at,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastAttemptAt: r.last_attempt_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
  };
}

/** JSON has no −Infinity ("never scaled"): it is stored as null. */
export function policyToJson(p: PolicyState): string {
  return JSON.stringify({ ...p, lastUpAt: finiteOrNull(p.lastUpAt), lastDownAt: finiteOrNull(p.lastDownAt) });
}
const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

/** Reads a stored policy state; throws naming `what` when it is damaged. */
export function policyFromJson(text: string, what: string): PolicyState {
  const p = JSON.parse(text) as Record<string, unknown>;
  const time = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : -Infinity);
  if (typeof p.streakKind !== 'string' || typeof p.streak !== 'number') {
    throw new Error(`${what} has a damaged policy state`);
  }
  return {
    streakKind: p.streakKind as PolicyState['streakKind'],
    streak: p.streak,
    lastUpAt: time(p.lastUpAt),
    lastDownAt: time(p.lastDownAt),
  };
}
