import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from './config';
import { EngineState } from './state';
import { APPLICATION_ID, SCHEMA_VERSION, Store, StoreError } from './store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'he-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function state(): EngineState {
  const c = parseConfig(
    'defaults: { window: 4, baseline: { warmup: 2 } }\nindicators: [{ name: cpu, selector: up }, { name: mem, selector: mem }]',
    {},
    { env: {} }
  );
  return new EngineState({
    indicators: c.indicators,
    hostBaseline: c.hostBaseline,
    stalenessMs: 60_000,
    maxSeries: 100,
  });
}

function fill(s: EngineState): void {
  const [cpu, mem] = [...s.indicators.values()];
  for (let i = 0; i < 10; i++) {
    s.ingest(cpu, 'a', 1000 * i, (i % 4) / 4, 0);
    s.ingest(mem, 'a', 1000 * i, 0.5, 0);
    s.ingest(cpu, 'b "quoted"', 1000 * i, i === 9 ? NaN : 0.1 * i, 0);
    s.evaluate(1000 * i);
  }
}

describe('Store', () => {
  it('saves and restores the state exactly (windows, baselines, trends, host baselines)', () => {
    const s = state();
    fill(s);
    const path = join(dir, 'state.db');
    const store = Store.open(path);
    store.save({ ...s.snapshot(), savedAtMs: 42 });
    store.close();
    const reopened = Store.open(path);
    const snap = reopened.load();
    reopened.close();
    expect(snap.savedAtMs).toBe(42);
    const restored = state();
    expect(restored.restore(snap.series, snap.hosts, 0)).toEqual({ restored: 3, dropped: 0, relearning: 0 });
    expect(restored.snapshot()).toEqual(s.snapshot());
    // Same entropy now, and the same evaluation after the next sample.
    const cpu = restored.indicators.get('cpu')!;
    const live = s.hosts.get('a')!.series.get('cpu')!;
    const back = restored.hosts.get('a')!.series.get('cpu')!;
    expect(back.entropy).toBe(live.entropy);
    restored.ingest(cpu, 'a', 20_000, 0.9, 0);
    s.ingest(cpu, 'a', 20_000, 0.9, 0);
    expect(back.current).toEqual(live.current);
  });

  it('replaces the previous snapshot (dropped series do not come back)', () => {
    const s = state();
    fill(s);
    const store = Store.open(join(dir, 'state.db'));
    store.save({ ...s.snapshot(), savedAtMs: 1 });
    store.save({ series: [], hosts: [], savedAtMs: 2 });
    expect(store.load()).toEqual({ series: [], hosts: [], savedAtMs: 2, edges: [] });
    store.close();
  });

  it('drops series of indicators that are no longer configured', () => {
    const s = state();
    fill(s);
    const snap = s.snapshot();
    snap.series[0] = { ...snap.series[0], indicator: 'gone' };
    expect(state().restore(snap.series, snap.hosts, 0)).toEqual({ restored: 2, dropped: 1, relearning: 0 });
  });

  it('relearns, from the kept raw samples, a series whose options changed', () => {
    const s = state();
    fill(s);
    const snap = s.snapshot();
    const c = parseConfig(
      'defaults: { window: 4, bins: 4 }\nindicators: [{ name: cpu, selector: up }, { name: mem, selector: mem }]',
      {},
      { env: {} }
    );
    const changed = new EngineState({
      indicators: c.indicators,
      hostBaseline: c.hostBaseline,
      stalenessMs: 60_000,
      maxSeries: 100,
    });
    expect(changed.restore(snap.series, snap.hosts, 0)).toEqual({ restored: 3, dropped: 0, relearning: 3 });
    const back = changed.hosts.get('a')!.series.get('cpu')!;
    expect(back.snapshot().values).toEqual(s.hosts.get('a')!.series.get('cpu')!.snapshot().values);
    expect(back.pipeline.baseline.state().count).toBe(1); // learned afresh from the 4 kept samples (W = 4)
  });

  it('refuses a file that is not SQLite, and leaves it untouched', () => {
    const path = join(dir, 'state.db');
    writeFileSync(path, 'this is my shopping list\n'.repeat(100));
    expect(() => Store.open(path)).toThrow(
      new StoreError(
        `store.path ${path} is not a SQLite database or is corrupt; move it away to start afresh — it is left untouched`
      )
    );
    expect(readFileSync(path, 'utf8')).toBe('this is my shopping list\n'.repeat(100));
  });

  it('refuses the SQLite database of another application, and leaves it untouched', () => {
    const path = join(dir, 'grafana.db');
    const db = new Database(path);
    db.exec('CREATE TABLE dashboards (id INTEGER); INSERT INTO dashboards VALUES (1)');
    db.close();
    const before = readFileSync(path);
    expect(() => Store.open(path)).toThrow(/another application \(application_id 0\), not a Health Entropy store/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a store with a newer schema', () => {
    const path = join(dir, 'state.db');
    Store.open(path).close();
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => Store.open(path)).toThrow(
      new RegExp(`schema version 99, newer than this engine's ${SCHEMA_VERSION}; upgrade the engine`)
    );
  });

  /** A store exactly as the version-1 engine wrote it (its DDL and pragmas), with one series and one host. */
  function versionOneStore(path: string): void {
    const db = new Database(path);
    db.exec(`
      CREATE TABLE series (
        indicator TEXT NOT NULL, host TEXT NOT NULL, pipeline TEXT NOT NULL, options TEXT NOT NULL,
        times BLOB NOT NULL, vals BLOB NOT NULL, generation INTEGER NOT NULL,
        PRIMARY KEY (indicator, host));
      CREATE TABLE hosts (host TEXT PRIMARY KEY, baseline TEXT NOT NULL, generation INTEGER NOT NULL);
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
    db.prepare('INSERT INTO series VALUES (?, ?, ?, ?, ?, ?, 1)').run(
      'cpu',
      'a',
      JSON.stringify({ baseline: { count: 3, mean: 0.5, variance: 0.01, frozenRun: 0 }, trend: [] }),
      'opts',
      Buffer.from(new Float64Array([1000, 2000]).buffer),
      Buffer.from(new Float64Array([0.25, 0.5]).buffer)
    );
    db.prepare('INSERT INTO hosts VALUES (?, ?, 1)').run(
      'a',
      JSON.stringify({ count: 3, mean: 0.4, variance: 0, frozenRun: 0 })
    );
    db.exec("INSERT INTO meta VALUES ('generation', '1'), ('savedAtMs', '1234')");
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma('user_version = 1');
    db.close();
  }

  it('migrates a version-1 store to the current version, keeping every row', () => {
    const path = join(dir, 'state.db');
    versionOneStore(path);
    const store = Store.open(path);
    const snap = store.load();
    expect(snap.savedAtMs).toBe(1234);
    expect(snap.series).toEqual([
      expect.objectContaining({ indicator: 'cpu', host: 'a', times: [1000, 2000], values: [0.25, 0.5] }),
    ]);
    expect(snap.hosts).toEqual([{ host: 'a', baseline: { count: 3, mean: 0.4, variance: 0, frozenRun: 0 } }]);
    const tables = store.database
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => (r as { name: string }).name);
    expect(tables).toEqual(
      expect.arrayContaining(['actions', 'alert_intents', 'edge_series', 'hosts', 'meta', 'resources', 'series'])
    );
    expect(store.database.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(3);
    store.close();
    // Opening again is a no-op (no second migration).
    Store.open(path).close();
  });

  it('a migration that fails leaves the store at its old version, rows intact', () => {
    const path = join(dir, 'state.db');
    versionOneStore(path);
    const db = new Database(path);
    db.exec('CREATE TABLE actions (x INTEGER)'); // a table in the way: the migration's CREATE fails
    db.close();
    expect(() => Store.open(path)).toThrow(/cannot be used: table actions already exists/);
    const after = new Database(path);
    expect(after.pragma('user_version', { simple: true })).toBe(1);
    expect(after.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'resources'").get()).toEqual({ n: 0 });
    expect(after.prepare('SELECT count(*) AS n FROM series').get()).toEqual({ n: 1 });
    after.close();
  });

  it('a new store is created at the current version with every table', () => {
    const path = join(dir, 'state.db');
    const store = Store.open(path);
    expect(store.database.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(store.database.prepare('SELECT count(*) AS n FROM actions').get()).toEqual({ n: 0 });
    expect(store.database.prepare('SELECT count(*) AS n FROM edge_series').get()).toEqual({ n: 0 });
    store.close();
  });

  it('refuses a damaged file (SQLite header intact, pages garbled)', () => {
    const path = join(dir, 'state.db');
    const store = Store.open(path);
    const s = state();
    fill(s);
    store.save({ ...s.snapshot(), savedAtMs: 1 });
    store.close();
    const bytes = readFileSync(path);
    for (let i = 100; i < bytes.length; i++) {
      bytes[i] = (i * 7919) & 0xff;
    }
    writeFileSync(path, bytes);
    expect(() => Store.open(path)).toThrow(StoreError);
  });

  it('names a row whose state is damaged', () => {
    const path = join(dir, 'state.db');
    const store = Store.open(path);
    const s = state();
    fill(s);
    store.save({ ...s.snapshot(), savedAtMs: 1 });
    store.close();
    const db = new Database(path);
    db.prepare("UPDATE series SET pipeline = '{nope' WHERE host = 'a' AND indicator = 'cpu'").run();
    db.close();
    const again = Store.open(path);
    expect(() => again.load()).toThrow(/series cpu\/a in .* has a damaged state/);
    again.close();
  });

  it('creates the store in an empty file (e.g. made by touch)', () => {
    const path = join(dir, 'state.db');
    writeFileSync(path, '');
    const store = Store.open(path);
    expect(store.load().series).toEqual([]);
    store.close();
  });
});

describe('EngineState', () => {
  it('drops series not seen for the staleness period, and hosts left empty', () => {
    const s = state();
    const cpu = s.indicators.get('cpu')!;
    s.ingest(cpu, 'a', 1, 0.5, 0);
    s.ingest(cpu, 'b', 1, 0.5, 30_000);
    s.evaluate(60_000);
    expect([...s.hosts.keys()].sort()).toEqual(['a', 'b']);
    s.evaluate(60_001);
    expect([...s.hosts.keys()]).toEqual(['b']);
    expect(s.size).toBe(1);
  });

  it('stops creating series at maxSeries', () => {
    const c = parseConfig('indicators: [{ name: cpu, selector: up }]', {}, { env: {} });
    const s = new EngineState({ indicators: c.indicators, hostBaseline: {}, stalenessMs: 1000, maxSeries: 2 });
    expect(s.ingest(c.indicators[0], 'a', 1, 1, 0)).toBeUndefined();
    expect(s.ingest(c.indicators[0], 'b', 1, 1, 0)).toBeUndefined();
    expect(s.ingest(c.indicators[0], 'c', 1, 1, 0)).toBe('series_limit');
    expect(s.ingest(c.indicators[0], 'a', 2, 1, 0)).toBeUndefined();
  });
});
