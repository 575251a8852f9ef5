/**
 * The allocation tables of the store (schema version 2): per-resource policy state and allocation, the
 * actions outbox, and alert intents already handled. `store.ts` applies this as the migration from version 1.
 */

/** SQL that upgrades a version-1 store (and completes a new one). */
export const ACTIONS_SCHEMA_V2 = `
  CREATE TABLE resources (
    name TEXT PRIMARY KEY,
    -- PolicyState, the current allocation per dimension, the configured 'current' values it started from,
    -- and the active policy alerts with the time each became active: all JSON.
    policy TEXT NOT NULL, allocation TEXT NOT NULL, configured TEXT NOT NULL, alerts TEXT NOT NULL,
    updated_at INTEGER NOT NULL);
  CREATE TABLE actions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    resource TEXT NOT NULL,
    host TEXT,
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    dry_run INTEGER NOT NULL,
    reason TEXT NOT NULL,
    -- The exact JSON body: every attempt sends the same bytes (only webhook-timestamp and the signature change).
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_attempt_at INTEGER,
    last_status INTEGER,
    last_error TEXT,
    delivered_at INTEGER);
  CREATE INDEX actions_by_state ON actions (state, resource, seq);
  CREATE INDEX actions_by_resource ON actions (resource, seq);
  CREATE TABLE alert_intents (
    dedup_key TEXT PRIMARY KEY,
    status TEXT NOT NULL, action_id TEXT, reason TEXT NOT NULL, recorded_at INTEGER NOT NULL);
`;
