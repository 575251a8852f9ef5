/**
 * The quorum inside the engine, against a small HTTP server speaking the Prometheus query API with series per
 * host × observer (the real Prometheus is in tests/quorum): polling, reports, assessments, policy input,
 * `/metrics` and `/api/v1/profiles` (inject and a real socket), and the store round trip.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from '../config';
import { Engine } from '../engine';
import { Store } from '../store';
import { Telemetry } from '../telemetry';
import { QuorumService } from './service';

const STEP = 1000;
const HOSTS = ['h1', 'h2', 'h3'];
const OBSERVERS = ['a', 'b', 'c'];
/** From this time on: h1 fails for c only; h2 is erratic for a and b; h3 fails for a and b. */
let incidentAt = Infinity;
let server: Server;
let url: string;

function noise(t: number, salt: number): number {
  const x = Math.sin(t / 1000 + salt * 12.9898) * 43758.5453;
  return x - Math.floor(x);
}

function value(metric: string, host: string, observer: string, t: number): number {
  const incident = t >= incidentAt;
  if (metric === 'probe') {
    const fail = incident && ((host === 'h1' && observer === 'c') || (host === 'h3' && observer !== 'c'));
    return fail ? 0 : 1;
  }
  if (incident && host === 'h2' && observer !== 'c') {
    return noise(t, observer.charCodeAt(0));
  }
  return (t / 1000) % 2 === 0 ? 0.05 : 0.15;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const metric = String(form.get('query'));
      const series = HOSTS.flatMap((host) => OBSERVERS.map((observer) => ({ host, observer })));
      let data;
      if (req.url === '/api/v1/query') {
        const t = Number(form.get('time')) * 1000;
        data = {
          resultType: 'vector',
          result: series.map(({ host, observer }) => ({
            metric: { instance: host, prober: observer },
            value: [t / 1000, String(value(metric, host, observer, t))],
          })),
        };
      } else {
        const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(form.get(k)) * 1000);
        data = {
          resultType: 'matrix',
          result: series.map(({ host, observer }) => {
            const values: Array<[number, string]> = [];
            for (let t = start; t <= end; t += step) {
              values.push([t / 1000, String(value(metric, host, observer, t))]);
            }
            return { metric: { instance: host, prober: observer }, values };
          }),
        };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  incidentAt = Infinity;
});

const config = (extra = '') =>
  parseConfig(
    `prometheus: { url: '${url}', timeout: 2s }
listen: 127.0.0.1:0
interval: 1s
persistInterval: 1h
defaults: { window: 5, baseline: { warmup: 3 } }
quorum:
  observerLabel: prober
  checks: probe
  staleness: 3s
  knownFor: 10s
  unpredictable: { zQuorum: 3, for: 2s }
  flag: { entropyLevel: 0.5, for: 4s }
  indicators: [{ name: cpu, query: cpu }]
${extra}`,
    {},
    { env: {} }
  );

function service(): QuorumService {
  const c = config();
  return new QuorumService(c.quorum!, { ...c, prometheus: c.prometheus! }, new Telemetry(), pino({ level: 'silent' }));
}

async function step(q: QuorumService, evalMs: number) {
  await q.poll(evalMs, evalMs);
  return new Map(q.evaluate(evalMs, evalMs).map((a) => [a.host, a]));
}

describe('QuorumService', () => {
  it('polls per observer, assesses every host, and gives the policy its input', async () => {
    const q = service();
    incidentAt = 110_000;
    let last = await step(q, 100_000); // backfill: windows of 5 fill at once
    expect([...last.values()].map((a) => [a.host, a.state, a.active])).toEqual([
      ['h1', 'healthy', 3],
      ['h2', 'healthy', 3],
      ['h3', 'healthy', 3],
    ]);
    expect(q.series.size).toBe(9);
    const states: string[] = [];
    for (let t = 101_000; t <= 118_000; t += STEP) {
      last = await step(q, t);
      states.push(last.get('h2')!.state);
    }
    // h2: erratic for a and b from 110 s; each view is unpredictable once its z ≥ 3, and counts `for` (2 s)
    // later; suspect once both count, flagged once both had Hn ≥ 0.5 for 4 s.
    const h2 = last.get('h2')!;
    const [a, b] = h2.views;
    const hotFrom = Math.max(a.unpredictableSince!, b.unpredictableSince!);
    expect(hotFrom).toBeGreaterThanOrEqual(110_000);
    expect(h2).toMatchObject({ state: 'suspect', since: hotFrom + 2000, unpredictable: ['a', 'b'], flagged: true });
    expect(h2.flaggedSince).toBe(Math.max(a.highSince!, b.highSince!) + 4000);
    expect(states.indexOf('suspect')).toBe((hotFrom + 2000 - 101_000) / STEP);
    expect(h2.views[2]).toMatchObject({ observer: 'c', unpredictable: [], countsUnpredictable: false });
    expect(h2.reason).toMatch(/^suspect: unpredictable for at least 2s by a, b .*: a: cpu Hn \d\.\d{3} z \d+\.\d{2}/);
    expect(last.get('h1')).toMatchObject({ state: 'healthy', failing: ['c'] });
    expect(last.get('h1')!.reason).toMatch(/checks fail for c only, below the quorum/);
    expect(last.get('h3')).toMatchObject({ state: 'unhealthy', failing: ['a', 'b'], since: 110_000 });

    expect(q.forbidsScaleDown('h3')).toBe(true);
    expect(q.forbidsScaleDown('h2')).toBe(false);
    expect(q.forbidsScaleDown('nope')).toBe(false);
    expect(q.activeAlerts().map((x) => [x.kind, x.host, x.since, x.labels])).toEqual([
      ['early_warning', 'h2', h2.since, { source: 'quorum', quorum_state: 'suspect' }],
      ['quorum_flagged', 'h2', h2.flaggedSince, { source: 'quorum', quorum_state: 'suspect' }],
      ['quorum_unhealthy', 'h3', 110_000, { source: 'quorum', quorum_state: 'unhealthy' }],
    ]);
    expect(q.activeAlerts()[0].reason).toBe(h2.reason);
  });

  it('an observer that stops reporting goes stale, then unknown when too few remain', async () => {
    const q = service();
    await step(q, 100_000);
    const only = async (t: number, observers: string[]) => {
      // Feed samples for some observers only, as a Prometheus whose other scrape jobs stopped would.
      for (const observer of observers) {
        for (const ind of [q.config.checks!, ...q.config.indicators]) {
          q.series.ingest(ind, { instance: 'h1', prober: observer }, t, ind === q.config.checks ? 1 : 0.05, t);
        }
      }
      return q.evaluate(t, t).find((a) => a.host === 'h1')!;
    };
    expect((await only(103_000, ['a', 'b'])).state).toBe('healthy'); // c last seen at 100 s: stale after 3 s
    expect(await only(104_000, ['a', 'b'])).toMatchObject({ state: 'healthy', active: 2, known: 3 });
    expect(await only(108_000, ['a'])).toMatchObject({ state: 'unknown', active: 1, known: 3, quorum: 2 });
    expect(await only(115_000, ['a'])).toMatchObject({ state: 'healthy', active: 1, known: 1, quorum: 1 });
  });

  it('skips series without the observer label, and continues exactly from its snapshot', async () => {
    const q = service();
    expect(q.series.ingest(q.config.indicators[0], { instance: 'h1' }, 1, 0.5, 1)).toBe('no_observer_label');
    expect(q.series.ingest(q.config.checks!, { prober: 'a' }, 1, 1, 1)).toBe('no_host_label');
    expect(q.series.ingest(q.config.checks!, { instance: 'h', prober: 'a' }, 1, NaN, 1)).toBe('invalid');
    incidentAt = 103_000;
    for (let t = 100_000; t <= 106_000; t += STEP) {
      await step(q, t);
    }
    const snap = q.snapshot();
    const copy = service();
    copy.restore(JSON.parse(JSON.stringify(snap.series)), JSON.stringify(snap.memory), 106_500);
    for (let t = 107_000; t <= 110_000; t += STEP) {
      const [a, b] = [await step(q, t), await step(copy, t)];
      expect([...b.values()]).toEqual([...a.values()]);
    }
    const broken = service();
    broken.restore(snap.series, '{"version": 9}', 106_500); // logged and started afresh, not thrown
    expect(broken.series.size).toBe(9);
    const garbled = service();
    garbled.restore(snap.series, '{"assessedTo": "soon", "tracker"', 106_500);
    expect(garbled.series.size).toBe(9);
    expect([...(await step(garbled, 107_000)).keys()]).toEqual(['h1', 'h2', 'h3']); // afresh, and working
    // Rows with a key that is not [host, observer], or of an indicator no longer configured, are dropped.
    const odd = service();
    const bad = [{ ...snap.series[0], host: 'h1' }, { ...snap.series[1], indicator: 'quorum:gone' }, snap.series[2]];
    odd.restore(bad, undefined, 106_500);
    expect(odd.series.size).toBe(1);
  });
});

describe('the engine with a quorum', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'he-quorum-engine-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exports the quorum on /metrics and /api/v1/profiles (inject and a real socket), and persists it', async () => {
    incidentAt = 0; // h1 fails for c only, h2 erratic for a and b, h3 fails for a and b: from the start
    const c = config(`store: { path: '${join(dir, 'state.db')}' }\nindicators: [{ name: cpu, query: cpu }]`);
    const e = new Engine(c, pino({ level: 'silent' }));
    await e.start();
    try {
      const metrics = await (await fetch(`http://${e.address}/metrics`)).text();
      expect(metrics).toContain('# TYPE health_entropy_quorum_state gauge\n');
      expect(metrics).toMatch(/^health_entropy_quorum_state\{host="h1"\} 0$/m);
      expect(metrics).toMatch(/^health_entropy_quorum_state\{host="h3"\} 2$/m);
      expect(metrics).toMatch(/^health_entropy_quorum_observers\{host="h1",kind="failing"\} 1$/m);
      expect(metrics).toMatch(/^health_entropy_quorum_observers\{host="h3",kind="active"\} 3$/m);
      expect(metrics).toMatch(/^health_entropy_quorum_size\{host="h2"\} 2$/m);
      expect(metrics).toMatch(/^health_entropy_quorum_flagged\{host="h2"\} 0$/m);
      expect(metrics).toMatch(/^health_entropy_quorum_series 9$/m);
      // The host-level indicator (no observer label kept by the query) is keyed by host as before.
      expect(metrics).toMatch(/^health_entropy\{host="h1",indicator="cpu"\}/m);

      const all = (await e.server.inject('/api/v1/profiles')).json();
      expect(all.hosts.map((h: { host: string }) => h.host)).toEqual(['h1', 'h2', 'h3']);
      const one = (await e.server.inject('/api/v1/profiles?host=h3')).json().hosts[0];
      expect(one.quorum).toMatchObject({ state: 'unhealthy', code: 2, failing: ['a', 'b'], quorum: 2, known: 3 });
      expect(one.quorum.observers.map((o: { observer: string; checkOk: boolean }) => [o.observer, o.checkOk])).toEqual([
        ['a', false],
        ['b', false],
        ['c', true],
      ]);
      expect(Object.keys(one.quorum.observers[0].indicators)).toEqual(['cpu']);
      expect(one.indicators.cpu).toBeDefined();
      expect(e.quorum!.forbidsScaleDown('h3')).toBe(true);
      expect((await e.server.inject('/api/v1/profiles?host=zz')).statusCode).toBe(404);
    } finally {
      await e.stop();
    }
    const store = Store.open(join(dir, 'state.db'));
    const rows = store.load().series.filter((s) => s.indicator === 'quorum:cpu');
    const memory = JSON.parse(store.getMeta('quorum')!).tracker;
    store.close();
    expect(rows.map((r) => JSON.parse(r.host)).sort()).toEqual(HOSTS.flatMap((h) => OBSERVERS.map((o) => [h, o])));
    expect(memory.hosts.map((h: { host: string }) => h.host).sort()).toEqual(HOSTS);

    // Restarted: the quorum's memory comes back, so h3 has been unhealthy since before the restart.
    const before = memory.hosts.find((h: { host: string }) => h.host === 'h3').since;
    const again = new Engine(c, pino({ level: 'silent' }));
    await again.start();
    try {
      expect(again.quorum!.assessment('h3')).toMatchObject({ state: 'unhealthy', since: before });
    } finally {
      await again.stop();
    }
  });
});
