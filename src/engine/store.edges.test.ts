/** The store's schema 2 (issue 6): a central's rebuilt edge profiles, and the migration from schema 1. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPLICATION_ID, EdgeSeriesRow, SCHEMA_VERSION, Store } from './store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'he-store-edges-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ROWS: EdgeSeriesRow[] = [
  { edge: 'site-1', host: 'db-1', indicator: 'cpu', hn: 0.512, mean: 0.5, std: 0.021, updatedMs: 1000 },
  { edge: 'site-1', host: 'db-1', indicator: 'memory', hn: 0.3, updatedMs: 1000 },
  { edge: 'site-2', host: 'db-1', indicator: 'cpu', hn: 0, mean: 0, std: 0, updatedMs: 2000 },
];

describe('Store: edge profiles (schema 3)', () => {
  it('round-trips edge rows, with and without a baseline, and replaces them per snapshot', () => {
    const path = join(dir, 'state.db');
    const store = Store.open(path);
    store.save({ series: [], hosts: [], savedAtMs: 5, edges: ROWS });
    store.close();
    const again = Store.open(path);
    expect(again.load().edges).toEqual(ROWS);
    again.save({ series: [], hosts: [], savedAtMs: 6, edges: ROWS.slice(2) });
    expect(again.load().edges).toEqual(ROWS.slice(2));
    again.close();
  });

  it('migrates a schema-1 file in place: its rows are kept and the edge table appears', () => {
    const path = join(dir, 'v1.db');
    const db = new Database(path);
    // Exactly what a schema-1 engine created.
    db.exec(`
      CREATE TABLE series (indicator TEXT NOT NULL, host TEXT NOT NULL, pipeline TEXT NOT NULL, options TEXT NOT NULL,
        times BLOB NOT NULL, vals BLOB NOT NULL, generation INTEGER NOT NULL, PRIMARY KEY (indicator, host));
      CREATE TABLE hosts (host TEXT PRIMARY KEY, baseline TEXT NOT NULL, generation INTEGER NOT NULL);
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO hosts VALUES ('a', '{"count":3,"mean":0.5,"variance":0.01,"frozenRun":0}', 1);
      INSERT INTO meta VALUES ('generation', '1'), ('savedAtMs', '77');`);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma('user_version = 1');
    db.close();
    const store = Store.open(path);
    const snap = store.load();
    expect(snap.hosts).toEqual([{ host: 'a', baseline: { count: 3, mean: 0.5, variance: 0.01, frozenRun: 0 } }]);
    expect(snap.savedAtMs).toBe(77);
    expect(snap.edges).toEqual([]);
    store.save({ ...snap, edges: ROWS, savedAtMs: 78 });
    store.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });

  it.each([
    ['a NULL std beside a mean', "UPDATE edge_series SET std = NULL WHERE indicator = 'cpu' AND edge = 'site-1'"],
    ['a text value', "UPDATE edge_series SET hn = 'x' WHERE indicator = 'memory'"],
    ['an infinite mean', "UPDATE edge_series SET mean = 9e999 WHERE edge = 'site-2'"],
  ])('names a damaged edge row (%s)', (_what, sql) => {
    const path = join(dir, 'state.db');
    const store = Store.open(path);
    store.save({ series: [], hosts: [], savedAtMs: 5, edges: ROWS });
    store.close();
    const db = new Database(path);
    db.prepare(sql).run();
    db.close();
    const again = Store.open(path);
    expect(() => again.load()).toThrow(/edge series site-\d\/db-1\/\w+ in .* is damaged/);
    again.close();
  });
});
