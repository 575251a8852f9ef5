/**
 * The state store: one SQLite file (better-sqlite3, WAL) holding each series' learned baseline, trend and
 * window samples, and each host's baseline, so that a restart resumes where the engine stopped.
 *
 * The file is marked with an `application_id` and a schema version (`user_version`). A file that is not
 * SQLite, belongs to another application, or has a newer schema is refused with a sentence that says what to
 * do; it is never overwritten. A snapshot is written in chunks, and a crash mid-write still leaves every row
 * a valid state (see {@link Store.begin}).
 */
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { ACTIONS_SCHEMA_V2 } from './actions/schema';
import { SeriesSnapshot } from './series';
import { HostSnapshot } from './state';

/** "HEnt": marks a Health Entropy store. */
export const APPLICATION_ID = 0x48456e74;
/**
 * Current schema; bump with a migration in {@link MIGRATIONS}. 1: series, hosts, meta. 2 (issue 5): the
 * allocation tables (`actions/schema.ts`). 3 (issue 6): `edge_series`, the profiles a central rebuilt from
 * its edges.
 */
export const SCHEMA_VERSION = 3;

/** The profiles a central rebuilt from its edges, kept so that a central restart loses no baseline. */
const EDGE_SERIES_V3 = `
  CREATE TABLE IF NOT EXISTS edge_series (
    edge TEXT NOT NULL, host TEXT NOT NULL, indicator TEXT NOT NULL, hn REAL NOT NULL, mean REAL, std REAL,
    updated_ms INTEGER NOT NULL, generation INTEGER NOT NULL,
    PRIMARY KEY (edge, host, indicator));`;

/** `MIGRATIONS[v]` upgrades a store from version `v − 1` to `v`, in one transaction with the version bump. */
const MIGRATIONS: Record<number, string> = { 2: ACTIONS_SCHEMA_V2, 3: EDGE_SERIES_V3 };

/** The store file cannot be used; the message names the path and the fix. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** What a snapshot holds. */
export interface StoreSnapshot {
  series: SeriesSnapshot[];
  hosts: HostSnapshot[];
  /** When it was written (ms since the epoch). */
  savedAtMs: number;
  /** A central's rebuilt edge profiles (empty on other engines). */
  edges?: EdgeSeriesRow[];
}

/** One series of one edge as a central last rebuilt it: `Hn` and, once learned there, the edge's `μ`/`σ`. */
export interface EdgeSeriesRow {
  edge: string;
  host: string;
  indicator: string;
  hn: number;
  mean?: number;
  std?: number;
  /** When the central last accepted a frame of this edge (ms). */
  updatedMs: number;
}

function f64Blob(values: number[]): Buffer {
  return Buffer.from(new Float64Array(values).buffer);
}

function fromBlob(blob: unknown, what: string): number[] {
  if (!Buffer.isBuffer(blob) || blob.length % 8 !== 0) {
    throw new StoreError(`${what} is not a list of float64 samples`);
  }
  const copy = Buffer.from(blob);
  return Array.from(new Float64Array(copy.buffer, copy.byteOffset, copy.length / 8));
}

/** An open store. */
export class Store {
  private constructor(
    readonly path: string,
    private readonly db: Database.Database
  ) {}

  /** Opens (or creates) the store at `path`; throws {@link StoreError} for a file it must not touch. */
  static open(path: string): Store {
    const fresh = !existsSync(path) || statSync(path).size === 0;
    let db: Database.Database;
    try {
      db = new Database(path);
    } catch (e) {
      throw new StoreError(`store.path ${path} cannot be opened: ${(e as Error).message}`);
    }
    try {
      const appId = db.pragma('application_id', { simple: true }) as number;
      const version = db.pragma('user_version', { simple: true }) as number;
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
      if (!fresh || tables.n > 0) {
        if (appId !== APPLICATION_ID) {
          throw new StoreError(
            `store.path ${path} is a SQLite database of another application (application_id ${appId}), not a Health Entropy store; ` +
              'point store.path at a new file — this one is left untouched'
          );
        }
        if (version > SCHEMA_VERSION) {
          throw new StoreError(
            `store.path ${path} has schema version ${version}, newer than this engine's ${SCHEMA_VERSION}; upgrade the engine`
          );
        }
        const check = db.pragma('quick_check', { simple: true });
        if (check !== 'ok') {
          throw new StoreError(
            `store.path ${path} is corrupt (${String(check).slice(0, 200)}); move it away to start afresh — it is left untouched`
          );
        }
      }
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode survives a process crash (SIGKILL); only an OS crash can lose the last commit.
      db.pragma('synchronous = NORMAL');
      db.exec(`
        CREATE TABLE IF NOT EXISTS series (
          indicator TEXT NOT NULL, host TEXT NOT NULL, pipeline TEXT NOT NULL, options TEXT NOT NULL,
          times BLOB NOT NULL, vals BLOB NOT NULL, generation INTEGER NOT NULL,
          PRIMARY KEY (indicator, host));
        CREATE TABLE IF NOT EXISTS hosts (host TEXT PRIMARY KEY, baseline TEXT NOT NULL, generation INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      for (let v = Math.max(version, 1) + 1; v <= SCHEMA_VERSION; v++) {
        db.transaction(() => {
          db.exec(MIGRATIONS[v]);
          db.pragma(`user_version = ${v}`);
        })();
      }
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (e) {
      db.close();
      if (e instanceof StoreError) {
        throw e;
      }
      const code = (e as { code?: string }).code;
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
        throw new StoreError(
          `store.path ${path} is not a SQLite database or is corrupt; move it away to start afresh — it is left untouched`
        );
      }
      throw new StoreError(`store.path ${path} cannot be used: ${(e as Error).message}`);
    }
    return new Store(path, db);
  }

  /** The open database, for the allocation tables (`src/engine/actions/outbox.ts`); the store keeps ownership. */
  get database(): Database.Database {
    return this.db;
  }

  /**
   * Starts a new snapshot generation. A snapshot is written in chunks (so a large state does not block the
   * event loop for seconds): rows are upserted with the new generation, and {@link finish} then deletes the
   * rows older generations left (series that are gone). A crash in between leaves each row a valid state of
   * its series, some one snapshot older: nothing is half-written.
   */
  begin(): number {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'generation'").get() as
      { value: string } | undefined;
    return (row ? Number(row.value) : 0) + 1;
  }

  /** Upserts a chunk of series rows, in one transaction. */
  writeSeries(generation: number, series: SeriesSnapshot[]): void {
    const upsert = this.db.prepare(
      'INSERT OR REPLACE INTO series (indicator, host, pipeline, options, times, vals, generation) VALUES (?, ?, ?, ?, ?, ?, ?)'
    );
    this.db.transaction(() => {
      for (const s of series) {
        upsert.run(
          s.indicator,
          s.host,
          JSON.stringify(s.pipeline),
          s.options,
          f64Blob(s.times),
          f64Blob(s.values),
          generation
        );
      }
    })();
  }

  /** Upserts host rows, in one transaction. */
  writeHosts(generation: number, hosts: HostSnapshot[]): void {
    const upsert = this.db.prepare('INSERT OR REPLACE INTO hosts (host, baseline, generation) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const h of hosts) {
        upsert.run(h.host, JSON.stringify(h.baseline), generation);
      }
    })();
  }

  /** Upserts a chunk of edge series rows (a central's), in one transaction. */
  writeEdges(generation: number, rows: EdgeSeriesRow[]): void {
    const upsert = this.db.prepare(
      'INSERT OR REPLACE INTO edge_series (edge, host, indicator, hn, mean, std, updated_ms, generation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
    );
    this.db.transaction(() => {
      for (const r of rows) {
        upsert.run(r.edge, r.host, r.indicator, r.hn, r.mean ?? null, r.std ?? null, r.updatedMs, generation);
      }
    })();
  }

  /** Completes a generation: drops rows it did not write, records the time. */
  finish(generation: number, savedAtMs: number): void {
    const db = this.db;
    db.transaction(() => {
      db.prepare('DELETE FROM series WHERE generation < ?').run(generation);
      db.prepare('DELETE FROM hosts WHERE generation < ?').run(generation);
      db.prepare('DELETE FROM edge_series WHERE generation < ?').run(generation);
      const meta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
      meta.run('generation', String(generation));
      meta.run('savedAtMs', String(savedAtMs));
    })();
  }

  /**
   * Writes a named JSON document beside the snapshot (the quorum's memory); `meta` rows are not tied to a
   * generation, so the latest write is what {@link getMeta} reads.
   */
  putMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(`doc:${key}`, value);
  }

  /** The document {@link putMeta} wrote under `key`, if any. */
  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(`doc:${key}`) as
      { value: string } | undefined;
    return row?.value;
  }

  /** Writes a whole snapshot at once (tests, and small states). */
  save(snap: StoreSnapshot): void {
    const generation = this.begin();
    this.writeSeries(generation, snap.series);
    this.writeHosts(generation, snap.hosts);
    this.writeEdges(generation, snap.edges ?? []);
    this.finish(generation, snap.savedAtMs);
  }

  /** Reads the stored snapshot (empty for a new store); a damaged row is a {@link StoreError} naming it. */
  load(): StoreSnapshot {
    const series: SeriesSnapshot[] = [];
    for (const row of this.db.prepare('SELECT indicator, host, pipeline, options, times, vals FROM series').iterate()) {
      const r = row as {
        indicator: string;
        host: string;
        pipeline: string;
        options: string;
        times: Buffer;
        vals: Buffer;
      };
      const what = `series ${r.indicator}/${r.host} in ${this.path}`;
      let pipeline: SeriesSnapshot['pipeline'];
      try {
        pipeline = JSON.parse(r.pipeline) as SeriesSnapshot['pipeline'];
      } catch {
        throw new StoreError(`${what} has a damaged state (not JSON)`);
      }
      series.push({
        indicator: r.indicator,
        host: r.host,
        pipeline,
        options: r.options,
        times: fromBlob(r.times, what),
        values: fromBlob(r.vals, what),
      });
    }
    const hosts: HostSnapshot[] = [];
    for (const row of this.db.prepare('SELECT host, baseline FROM hosts').iterate()) {
      const r = row as { host: string; baseline: string };
      try {
        hosts.push({ host: r.host, baseline: JSON.parse(r.baseline) as HostSnapshot['baseline'] });
      } catch {
        throw new StoreError(`host ${r.host} in ${this.path} has a damaged baseline (not JSON)`);
      }
    }
    const saved = this.db.prepare("SELECT value FROM meta WHERE key = 'savedAtMs'").get() as
      { value: string } | undefined;
    const edges: EdgeSeriesRow[] = [];
    const edgeRows = 'SELECT edge, host, indicator, hn, mean, std, updated_ms FROM edge_series';
    for (const row of this.db.prepare(edgeRows).iterate()) {
      const r = row as Record<string, unknown>;
      const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
      if (
        !finite(r.hn) ||
        !finite(r.updated_ms) ||
        (r.mean === null) !== (r.std === null) ||
        (r.mean !== null && !(finite(r.mean) && finite(r.std)))
      ) {
        throw new StoreError(
          `edge series ${String(r.edge)}/${String(r.host)}/${String(r.indicator)} in ${this.path} is damaged`
        );
      }
      edges.push({
        edge: String(r.edge),
        host: String(r.host),
        indicator: String(r.indicator),
        hn: r.hn as number,
        ...(r.mean === null ? {} : { mean: r.mean as number, std: r.std as number }),
        updatedMs: r.updated_ms as number,
      });
    }
    return { series, hosts, savedAtMs: saved ? Number(saved.value) : NaN, edges };
  }

  /** Closes the database (checkpointing the WAL). Idempotent. */
  close(): void {
    if (this.db.open) {
      this.db.close();
    }
  }
}
