import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import pino from 'pino';
import type { EngineAlert } from '../alert-contract';
import { Telemetry } from '../telemetry';
import { AlertMetrics } from './metrics';
import { alertLabels, AlertPusher, PostableAlert } from './pusher';

/** A small HTTP server standing in for Alertmanager's POST /api/v2/alerts: records bodies, fails on demand. */
class AlertSinkServer {
  readonly bodies: PostableAlert[][] = [];
  readonly headers: Array<Record<string, unknown>> = [];
  status = 200;
  private server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      if (this.status === 200 && req.url === '/am/api/v2/alerts' && req.method === 'POST') {
        this.bodies.push(JSON.parse(text));
        this.headers.push(req.headers);
      }
      res.writeHead(this.status, { 'content-type': 'application/json' });
      res.end(this.status === 200 ? '' : '{"message":"boom"}');
    });
  });
  port = 0;
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

const RESEND = 60_000;
let clock = 1_800_000_000_000;
let active: EngineAlert[] = [];
const source = { activeAlerts: () => active };

function pusher(port: number, telemetry = new Telemetry()) {
  const metrics = new AlertMetrics(telemetry);
  const p = new AlertPusher(
    {
      url: `http://127.0.0.1:${port}/am`,
      headers: { authorization: 'Bearer am' },
      resendIntervalMs: RESEND,
      timeoutMs: 2000,
      externalURL: 'http://engine:9464',
    },
    () => [source],
    metrics,
    pino({ level: 'silent' }),
    () => clock
  );
  return { p, metrics };
}

const early: EngineAlert = {
  kind: 'early_warning',
  host: 'app-1:9100',
  resource: 'web',
  since: clock - 30_000,
  reason: 'entropy of cpu 0.31 above baseline (z 4.2)',
  labels: { indicator: 'cpu', healthentropy_action: 'scale_up', alertname: 'Spoof', 'bad-name': 'x' },
};

describe('alertLabels', () => {
  it.each<[string, EngineAlert, Record<string, string>]>([
    [
      'early warning',
      early,
      {
        alertname: 'HealthEntropyEarlyWarning',
        kind: 'early_warning',
        severity: 'warning',
        host: 'app-1:9100',
        resource: 'web',
        indicator: 'cpu',
      },
    ],
    [
      'saturation',
      { kind: 'saturation', host: 'h', since: 0, reason: 'r' },
      { alertname: 'HealthEntropySaturation', kind: 'saturation', severity: 'critical', host: 'h' },
    ],
    [
      'a quorum kind with its own severity',
      { kind: 'quorum_unhealthy', host: 'h', since: 0, reason: 'r', labels: { severity: 'critical' } },
      { alertname: 'HealthEntropyQuorumUnhealthy', kind: 'quorum_unhealthy', severity: 'critical', host: 'h' },
    ],
  ])('%s (never healthentropy_action: that would route back to the engine)', (_name, alert, labels) => {
    expect(alertLabels(alert)).toEqual(labels);
  });
});

describe('AlertPusher against a real HTTP server', () => {
  const am = new AlertSinkServer();
  beforeAll(() => am.start());
  afterAll(() => am.stop());
  beforeEach(() => {
    am.bodies.length = 0;
    am.status = 200;
    active = [];
  });

  it('pushes an active alert, refreshes it every resend interval, and resolves it once when over', async () => {
    const { p, metrics } = pusher(am.port);
    active = [early];
    await p.check();
    expect(am.bodies).toHaveLength(1);
    expect(am.headers[0].authorization).toBe('Bearer am');
    const [sent] = am.bodies[0];
    expect(sent).toEqual({
      labels: alertLabels(early),
      annotations: { summary: early.reason },
      startsAt: new Date(early.since).toISOString(),
      endsAt: new Date(clock + 4 * RESEND).toISOString(),
      generatorURL: 'http://engine:9464/api/v1/profiles?host=app-1%3A9100',
    });
    clock += 15_000;
    await p.check(); // nothing changed, not due
    expect(am.bodies).toHaveLength(1);
    clock += RESEND;
    await p.check(); // due: refreshed with a later endsAt
    expect(am.bodies).toHaveLength(2);
    expect(am.bodies[1][0].endsAt).toBe(new Date(clock + 4 * RESEND).toISOString());
    expect(am.bodies[1][0].startsAt).toBe(sent.startsAt);
    active = [];
    clock += 15_000;
    await p.check();
    expect(am.bodies).toHaveLength(3);
    expect(am.bodies[2]).toEqual([{ ...sent, endsAt: new Date(clock).toISOString() }]);
    clock += RESEND;
    await p.check(); // nothing active, nothing pending: silence
    expect(am.bodies).toHaveLength(3);
    expect(metrics.pushes.get({ result: 'ok' })).toBe(3);
    expect(metrics.pushedAlerts.get({ state: 'resolved' })).toBe(1);
    expect(metrics.lastPush.get()).toBe((clock - RESEND) / 1000);
  });

  it('pushes at once when a new alert appears, with the others', async () => {
    const { p } = pusher(am.port);
    active = [early];
    await p.check();
    clock += 15_000;
    const sat: EngineAlert = { kind: 'saturation', host: 'db-1', since: clock, reason: 'pegged' };
    active = [early, sat];
    await p.check();
    expect(am.bodies.map((b) => b.map((a) => a.labels.alertname))).toEqual([
      ['HealthEntropyEarlyWarning'],
      ['HealthEntropyEarlyWarning', 'HealthEntropySaturation'],
    ]);
  });

  it('keeps going while Alertmanager fails or is down, then delivers the firing and the resolved', async () => {
    const telemetry = new Telemetry();
    const { p, metrics } = pusher(am.port, telemetry);
    const sat: EngineAlert = { kind: 'saturation', host: 'db-1', since: clock, reason: 'pegged' };
    active = [early, sat];
    await p.check();
    am.status = 500;
    active = [early]; // sat is over while Alertmanager answers 500
    clock += 15_000;
    await p.check();
    clock += 15_000;
    await p.check();
    expect(metrics.pushes.get({ result: 'error' })).toBe(2);
    am.status = 200;
    clock += 15_000;
    await p.check();
    const last = am.bodies[am.bodies.length - 1];
    expect(last.map((a) => [a.labels.alertname, a.endsAt > new Date(clock).toISOString()])).toEqual([
      ['HealthEntropyEarlyWarning', true],
      ['HealthEntropySaturation', false],
    ]);
    // Down altogether: a refused connection is an error like any other.
    const { p: lost, metrics: lostMetrics } = pusher(1);
    await expect(lost.check()).resolves.toBeUndefined();
    expect(lostMetrics.pushes.get({ result: 'error' })).toBe(1);
    const out: string[] = [];
    telemetry.render(out);
    expect(out.join('')).toMatch(/^health_entropy_alertmanager_pushes_total\{result="error"\} 2$/m);
    expect(out.join('')).toMatch(/^health_entropy_engine_alerts_active\{kind="early_warning"\} 1$/m);
  });

  it('leaves out a failing source and pushes the others', async () => {
    const broken = {
      activeAlerts: (): EngineAlert[] => {
        throw new Error('quorum state corrupt');
      },
    };
    const p2 = new AlertPusher(
      {
        url: `http://127.0.0.1:${am.port}/am`,
        headers: {},
        resendIntervalMs: RESEND,
        timeoutMs: 2000,
        externalURL: 'http://e',
      },
      () => [broken, source],
      new AlertMetrics(),
      pino({ level: 'silent' }),
      () => clock
    );
    active = [early];
    await p2.check();
    expect(am.bodies).toHaveLength(1);
    expect(am.bodies[0]).toHaveLength(1);
  });

  it('starts and stops idempotently, checking on its own timer', async () => {
    const { p } = pusher(am.port);
    active = [early];
    p.start(20);
    p.start(20);
    const deadline = Date.now() + 5000;
    while (am.bodies.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await p.stop();
    await p.stop();
    expect(am.bodies.length).toBeGreaterThan(0);
    const n = am.bodies.length;
    active = [{ ...early, host: 'other' }];
    await new Promise((r) => setTimeout(r, 100));
    expect(am.bodies).toHaveLength(n);
  });
});
