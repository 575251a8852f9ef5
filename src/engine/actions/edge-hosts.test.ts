/**
 * The decision loop over a central's edge hosts: profiles of real `DeltaEncoder`s taken by the central's real
 * `CentralReceiver`, read through its `RemoteProfileSource`, aggregated (`EdgeHostTracker`) and decided
 * (`evaluateResource`). Aggregates are checked against the weighted means of the *true* profile (a weighted
 * mean keeps the codec's bound `ε + q/2`), trends against `leastSquaresSlope` over the same aggregates.
 */
import { DeltaEncoder, leastSquaresSlope, Profile } from '../../core';
import { DELTA_CONTENT_TYPE, EDGE_HEADER } from '../deltas/central';
import { engineFrom, profileOf } from '../deltas/testing';
import type { Engine } from '../engine';
import { utilizationReadings } from './actions';
import { edgeHostKey, EdgeHostTracker } from './edge-hosts';
import { evaluateResource, reconcile, ResourceRuntime } from './loop';
import type { ActionBody } from './payload';

const T = Date.UTC(2026, 11, 3, 12);
const BOUND = 0.01 + 0.001 / 2;
const SIGMA_MIN = 0.05;
const ENV = { S: `whsec_${Buffer.alloc(32, 1).toString('base64')}` };
const CENTRAL = `
store: { path: /x.db }
prometheus: { url: http://prom:9090 }
central: { sigmaMin: ${SIGMA_MIN}, trendWindow: 4 }
indicators:
  - { name: cpu, selector: cpu, weight: 3 }
  - { name: gc, selector: gc, weight: 0 }
webhook: { url: http://h/a, secret: { env: S } }
resources:
  - { name: eu-db, hosts: { host: "db-.*", edge: "eu-.*" }, utilization: { query: util }, cpu: { current: 4, min: 2, max: 8, step: 2 }, policy: { for: 1 } }
  - { name: alerts-only, hosts: { host: "db-.*", edge: ".*" }, cpu: { current: 4, min: 2, max: 8, step: 2 }, policy: { for: 1 } }
  - { name: local-db, hosts: { host: "db-.*" }, utilization: cpu, cpu: { current: 4, min: 2, max: 8, step: 2 }, policy: { for: 1 } }
`;

/** A central engine (not started) and a way to push an edge's next profile to it. */
function setup() {
  const engine: Engine = engineFrom(CENTRAL, ENV);
  const encoders = new Map<string, DeltaEncoder>();
  const push = (edge: string, p: Profile, deliver = true) => {
    let enc = encoders.get(edge);
    if (!enc) {
      enc = new DeltaEncoder({ epoch: encoders.size + 1 });
      encoders.set(edge, enc);
    }
    const frame = enc.next(p).binary;
    if (deliver) {
      const headers = { 'content-type': DELTA_CONTENT_TYPE, [EDGE_HEADER]: edge };
      return engine.deltas.central!.handle(headers, Buffer.from(frame)).status;
    }
    return 0;
  };
  const tracker = new EdgeHostTracker(
    (name) => new Map(engine.config.indicators.map((i) => [i.name, i.weight])).get(name) ?? 1,
    SIGMA_MIN,
    4
  );
  const runtime = (name: string): ResourceRuntime => {
    const config = engine.config.resources.find((r) => r.name === name)!;
    return { config, row: reconcile(config, undefined, T) };
  };
  return { engine, push, tracker, runtime, source: engine.deltas.remoteProfiles! };
}

/** The naive aggregate of a true profile's host: weights cpu 3, gc 0, anything else 1. */
function naive(p: Profile, host: string) {
  const w = (n: string) => (n === 'cpu' ? 3 : n === 'gc' ? 0 : 1);
  const m = [...p.get(host)!].filter(([n]) => w(n) > 0);
  const total = m.reduce((s, [n]) => s + w(n), 0);
  const mean = (f: (v: { hn: number; mean?: number; std?: number }) => number) =>
    m.reduce((s, [n, v]) => s + w(n) * f(v), 0) / total;
  return { entropy: mean((v) => v.hn), baseline: mean((v) => v.mean!), std: mean((v) => v.std!) };
}

const calm = (hn: number) =>
  profileOf({
    'db-1': { cpu: [hn, 0.5, 0.02], memory: [0.3, 0.3, 0.01], gc: [0.9, 0.1, 0.01] },
    'web-1': { cpu: [0.4, 0.4, 0.02] },
  });

describe('edge hosts: aggregate of rebuilt indicators (EdgeHostTracker)', () => {
  it('is the weighted mean of Hn and μ (central weights, 1 for unknown, 0 left out), within ε + q/2', () => {
    const { push, tracker, source } = setup();
    const p = calm(0.7);
    expect(push('eu-1', p)).toBe(200);
    const [db] = tracker.update(source.remoteHosts(), T).filter((h) => h.host === 'db-1');
    const want = naive(p, 'db-1');
    expect(db).toMatchObject({ edge: 'eu-1', synced: true });
    expect(Math.abs(db.entropy - want.entropy)).toBeLessThanOrEqual(BOUND + 1e-12);
    expect(Math.abs(db.baseline - want.baseline)).toBeLessThanOrEqual(BOUND + 1e-12);
    expect(db.deviation).toBeCloseTo(db.entropy - db.baseline, 12);
    // σ̄ = (3·0.02 + 0.01)/4 = 0.0175 is below sigmaMin, so z divides by 0.05.
    expect(db.z).toBeCloseTo(db.deviation / SIGMA_MIN, 12);
    expect(Number.isNaN(db.trend)).toBe(true); // one point
  });

  it('has no baseline while one weighted indicator has none, and no entropy without a weighted one', () => {
    const { push, tracker, source } = setup();
    push('eu-1', profileOf({ 'db-1': { cpu: [0.7, 0.5, 0.02], memory: [0.3] }, 'db-2': { gc: [0.5, 0.5, 0.1] } }));
    const hosts = new Map(tracker.update(source.remoteHosts(), T).map((h) => [h.host, h]));
    expect(hosts.get('db-1')!.entropy).toBeCloseTo((3 * 0.7 + 0.3) / 4, 2);
    expect([hosts.get('db-1')!.baseline, hosts.get('db-1')!.deviation, hosts.get('db-1')!.z].every(Number.isNaN)).toBe(
      true
    );
    expect(Number.isNaN(hosts.get('db-2')!.entropy)).toBe(true);
  });

  it('trends as the least-squares slope of the aggregates over the last trendWindow evaluations', () => {
    const { push, tracker, source } = setup();
    const seen: Array<[number, number]> = [];
    for (let i = 0; i < 7; i++) {
      push('eu-1', calm(0.5 + 0.03 * i + (i % 2) * 0.02));
      const db = tracker.update(source.remoteHosts(), T + i * 15_000).find((h) => h.host === 'db-1')!;
      seen.push([T + i * 15_000, db.entropy]);
      const last = seen.slice(-4);
      const want = leastSquaresSlope(
        last.map((x) => x[0]),
        last.map((x) => x[1])
      );
      if (i === 0) {
        expect(Number.isNaN(db.trend)).toBe(true);
      } else {
        expect(db.trend).toBeCloseTo(want, 12);
      }
    }
    expect(seen[6][1] - seen[0][1]).toBeGreaterThan(0.1);
    expect(tracker.size).toBe(2);
  });

  it('keeps the trend of an edge out of sync unchanged, and forgets hosts no longer listed', () => {
    const { push, tracker, source } = setup();
    push('eu-1', calm(0.5));
    tracker.update(source.remoteHosts(), T);
    push('eu-1', calm(0.6));
    const before = tracker.update(source.remoteHosts(), T + 15_000).find((h) => h.host === 'db-1')!.trend;
    push('eu-1', calm(0.9), false); // lost on the way
    expect(push('eu-1', calm(0.95))).toBe(409); // a gap: the central now waits for a keyframe
    const frozen = tracker.update(source.remoteHosts(), T + 30_000).find((h) => h.host === 'db-1')!;
    expect(frozen.synced).toBe(false);
    expect(frozen.trend).toBe(before);
    expect(tracker.update([], T + 45_000)).toEqual([]);
    expect(tracker.size).toBe(0);
  });
});

describe('the decision loop over edge hosts', () => {
  /** Two edges with a db-1 each; eu-1's turns erratic. */
  function incident() {
    const s = setup();
    s.push('eu-1', calm(0.5));
    s.push('us-1', calm(0.5));
    s.tracker.update(s.source.remoteHosts(), T - 15_000);
    s.push('eu-1', calm(0.95));
    s.push('us-1', calm(0.52));
    return { ...s, hosts: s.tracker.update(s.source.remoteHosts(), T) };
  }

  it('scales an edge resource up from its most deviating host, naming host and edge in the webhook body', () => {
    const { hosts, runtime, engine } = incident();
    const rt = runtime('eu-db');
    rt.utilization = new Map([
      [edgeHostKey('eu-1', 'db-1'), 0.9],
      ['db-1', 0.1], // a series without an edge label: a fallback for any edge's db-1
    ]);
    const step = evaluateResource(rt, engine.state, T, T + 5, undefined, hosts);
    expect(step.hosts).toBe(1); // us-1 does not match edge "eu-.*"; web-1 does not match "db-.*"
    expect(step.decision).toMatchObject({ action: 'scale_up', kind: 'rising_entropy' });
    expect(step).toMatchObject({ host: 'db-1', edge: 'eu-1' });
    const body = JSON.parse(step.action!.body) as ActionBody;
    expect(Object.keys(body)).toEqual([
      'id',
      'type',
      'createdAt',
      'host',
      'edge',
      'resource',
      'change',
      'reason',
      'source',
      'dryRun',
    ]);
    expect(body).toMatchObject({ host: 'db-1', edge: 'eu-1', resource: 'eu-db', change: { cpu: { from: 4, to: 6 } } });
    const db = hosts.find((h) => h.edge === 'eu-1' && h.host === 'db-1')!;
    expect(body.reason).toMatchObject({ entropy: db.entropy, deviation: db.deviation, z: db.z, utilization: 0.9 });
    expect(body.reason.trend).toBeCloseTo(db.trend, 12);
    expect(db.trend).toBeGreaterThan(0);
  });

  it('reads the host-only series when the edge has none, and never scales without utilization', () => {
    const { hosts, runtime, engine } = incident();
    const rt = runtime('eu-db');
    rt.utilization = new Map([['db-1', 0.1]]);
    const low = evaluateResource(rt, engine.state, T, T, undefined, hosts);
    expect(low.decision.action).toBe('none');
    expect(low.decision.alerts).toContain('early_warning');
    expect(JSON.stringify(low.decision)).not.toContain('scale_up');
    // No utilization at all (no query configured): the resource still warns.
    const alertsOnly = evaluateResource(runtime('alerts-only'), engine.state, T, T, undefined, hosts);
    expect(alertsOnly.hosts).toBe(2); // db-1 of both edges
    expect(alertsOnly).toMatchObject({ host: 'db-1', edge: 'eu-1' });
    expect(alertsOnly.decision.action).toBe('none');
    expect(alertsOnly.decision.alerts).toContain('early_warning');
  });

  it('leaves out hosts of an edge out of sync, and says so in the reason', () => {
    const { push, tracker, source, runtime, engine } = incident();
    push('eu-1', calm(0.95), false);
    expect(push('eu-1', calm(0.97))).toBe(409);
    const hosts = tracker.update(source.remoteHosts(), T + 15_000);
    const step = evaluateResource(runtime('alerts-only'), engine.state, T + 15_000, T, undefined, hosts);
    expect(step.hosts).toBe(1);
    expect(step).toMatchObject({ host: 'db-1', edge: 'us-1' });
    expect(step.decision.reason).toMatch(/\(1 host\(s\) of edges not synced left out\)$/);
  });

  it('keeps local resources on local hosts and edge resources off them', () => {
    const { engine, hosts, runtime } = incident();
    const local = evaluateResource(runtime('local-db'), engine.state, T, T, undefined, hosts);
    expect(local).toMatchObject({ hosts: 0, host: null });
    expect(local.decision.kind).toBe('no_data');
  });

  it('scales an edge resource down on collapsed entropy, unless the quorum vetoes that host name', () => {
    const { push, tracker, source, runtime, engine } = setup();
    push('eu-1', calm(0.5));
    tracker.update(source.remoteHosts(), T - 15_000);
    push('eu-1', calm(0.2));
    const hosts = tracker.update(source.remoteHosts(), T);
    const rt = runtime('eu-db');
    rt.utilization = new Map([['db-1', 0.1]]);
    const down = evaluateResource(rt, engine.state, T, T, undefined, hosts);
    expect(down.decision).toMatchObject({ action: 'scale_down', kind: 'collapsed_entropy' });
    expect(down).toMatchObject({ host: 'db-1', edge: 'eu-1' });
    const vetoed = evaluateResource(
      rt,
      engine.state,
      T,
      T,
      (h) => (h === 'db-1' ? 'quorum unhealthy' : undefined),
      hosts
    );
    expect(vetoed.decision.action).toBe('none');
    expect(vetoed.decision.reason).toContain('db-1: quorum unhealthy');
  });
});

describe('utilizationReadings (a utilization.query result)', () => {
  const series = (labels: Record<string, string>, v: number) => ({ labels, samples: [[T, v] as [number, number]] });

  it('keys by host, or by (edge, host) with an edge label; leaves out unlabelled and non-finite series', () => {
    const r = utilizationReadings(
      [
        series({ node: 'db-1' }, 0.4),
        series({ node: 'db-1', edge: 'eu-1' }, 0.9),
        series({ instance: 'db-2' }, 0.5),
        series({ node: 'db-3' }, NaN),
      ],
      'node'
    );
    expect([...r]).toEqual([
      ['db-1', 0.4],
      [edgeHostKey('eu-1', 'db-1'), 0.9],
    ]);
  });

  it('refuses two series for one host, naming it', () => {
    expect(() => utilizationReadings([series({ node: 'db-1' }, 1), series({ node: 'db-1' }, 2)], 'node')).toThrow(
      /two series for node="db-1"; it must return one per host/
    );
  });
});
