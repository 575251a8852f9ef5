import { createHmac } from 'node:crypto';
import pino from 'pino';
import { parseConfig } from '../config';
import { Engine } from '../engine';
import {
  ALERTMANAGER_FIRING,
  ALERTMANAGER_RESOLVED,
  copy,
  GRAFANA_DOCS,
  GRAFANA_SCALE_DOWN,
  RecordingSink,
} from './fixtures';

const ENV = { ALERTS_TOKEN: 'am-token', GRAFANA_PASSWORD: 'gpass', GRAFANA_HMAC: 'hmac-secret' };
const CONFIG = `
listen: 127.0.0.1:0
interval: 1s
indicators:
  - { name: load, selector: node_load1 }
alerts:
  maxBodyBytes: 64KiB
  bearerToken: { env: ALERTS_TOKEN }
  basicAuth: { username: grafana, password: { env: GRAFANA_PASSWORD } }
  grafanaHmac: { secret: { env: GRAFANA_HMAC }, timestampHeader: X-Grafana-Alerting-Timestamp }
`;
const BEARER = { authorization: 'Bearer am-token', 'content-type': 'application/json' };

function engine(sink: RecordingSink | null = new RecordingSink()): Engine {
  const config = parseConfig(CONFIG, {}, { env: ENV });
  return new Engine(config, pino({ level: 'silent' }), Date.now, { alertSink: sink ?? undefined });
}

function post(e: Engine, body: unknown, headers: Record<string, string> = BEARER, method: 'POST' | 'PUT' = 'POST') {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return e.server.inject({ method, url: '/api/v1/alerts', headers, payload });
}

/** Signs the way Grafana's contact point does with a timestamp header: hex HMAC-SHA256 of `ts:body`. */
function grafanaHeaders(body: string, secret = 'hmac-secret', ts = Math.floor(Date.now() / 1000)) {
  const signature = createHmac('sha256', secret).update(`${ts}:${body}`).digest('hex');
  return {
    'content-type': 'application/json',
    'x-grafana-alerting-signature': signature,
    'x-grafana-alerting-timestamp': String(ts),
  };
}

describe('POST /api/v1/alerts (fastify.inject)', () => {
  it('turns an Alertmanager scale_up into one intent and answers with its outcome', async () => {
    const sink = new RecordingSink();
    const res = await post(engine(sink), ALERTMANAGER_FIRING);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      origin: 'alertmanager',
      counts: { recorded: 1 },
      alerts: [
        {
          index: 0,
          alertname: 'HealthEntropySaturation',
          fingerprint: 'f045e3be4edb9c71',
          status: 'recorded',
          actionId: 'act-1',
          dryRun: false,
          reason: 'scale_up of app-1:9100 recorded',
        },
      ],
    });
    expect(sink.intents).toHaveLength(1);
    expect(sink.intents[0]).toMatchObject({ action: 'scale_up', host: 'app-1:9100', origin: 'alertmanager' });
    expect(sink.intents[0].resource).toBeUndefined();
  });

  it('gives a repeat one outcome (duplicate) and a resolution none', async () => {
    const sink = new RecordingSink();
    const e = engine(sink);
    await post(e, ALERTMANAGER_FIRING);
    const again = await post(e, ALERTMANAGER_FIRING);
    expect(again.json().alerts[0]).toMatchObject({ status: 'duplicate', actionId: 'act-1' });
    const resolved = await post(e, ALERTMANAGER_RESOLVED);
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json()).toMatchObject({
      counts: { resolved: 1 },
      alerts: [{ status: 'resolved', reason: /no action/ }],
    });
    expect(sink.calls).toHaveLength(2); // the resolution never reached the sink
    expect(new Set(sink.intents.map((i) => i.dedupKey)).size).toBe(1);
    const metrics = (await e.server.inject('/metrics')).body;
    expect(metrics).toMatch(/^health_entropy_alerts_received_total\{origin="alertmanager",result="recorded"\} 1$/m);
    expect(metrics).toMatch(/^health_entropy_alerts_received_total\{origin="alertmanager",result="duplicate"\} 1$/m);
    expect(metrics).toMatch(/^health_entropy_alerts_received_total\{origin="alertmanager",result="resolved"\} 1$/m);
    expect(metrics).toMatch(/^health_entropy_alert_requests_total\{code="200",origin="alertmanager"\} 3$/m);
  });

  it('sends the same alert listed twice in one notification to the sink once', async () => {
    const sink = new RecordingSink();
    const body = copy(ALERTMANAGER_FIRING);
    body.alerts.push(body.alerts[0]);
    const res = await post(engine(sink), body);
    expect(res.json().alerts.map((a: { status: string }) => a.status)).toEqual(['recorded', 'duplicate']);
    expect(res.json().alerts[1].actionId).toBe('act-1');
    expect(sink.intents).toHaveLength(1);
  });

  it('accepts Grafana with a timestamped HMAC signature and acknowledges alerts without an action label', async () => {
    const sink = new RecordingSink();
    const body = JSON.stringify(GRAFANA_DOCS);
    const res = await post(engine(sink), body, grafanaHeaders(body));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      origin: 'grafana',
      counts: { ignored: 2 },
      alerts: [
        { index: 0, alertname: 'High memory usage', status: 'ignored', reason: /no healthentropy_action label/ },
        { index: 1, alertname: 'High CPU usage', status: 'ignored' },
      ],
    });
    expect(sink.calls).toHaveLength(0);
  });

  it('accepts Grafana with basic auth over PUT, and a scale_down becomes an intent', async () => {
    const sink = new RecordingSink();
    const auth = `Basic ${Buffer.from('grafana:gpass').toString('base64')}`;
    const res = await post(
      engine(sink),
      GRAFANA_SCALE_DOWN,
      { authorization: auth, 'content-type': 'application/json' },
      'PUT'
    );
    expect(res.statusCode).toBe(200);
    expect(sink.intents[0]).toMatchObject({ action: 'scale_down', host: 'quiet:9100', origin: 'grafana' });
  });

  it('without resources answers 200 with every intent unmatched; with no sink at all 503, until one is set', async () => {
    const e = engine(null);
    const res = await post(e, ALERTMANAGER_FIRING);
    expect(res.statusCode).toBe(200);
    expect(JSON.stringify(res.json())).toMatch(/no resources are configured/);
    // The receiver's own guard, for an engine whose sink was taken away (nothing to record into).
    e.alertSink = undefined;
    const refused = await post(e, ALERTMANAGER_FIRING);
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error).toMatch(/^no allocation side to act on alerts/);
    expect((await post(e, ALERTMANAGER_RESOLVED)).statusCode).toBe(200);
    // The route reads the sink per request.
    const sink = new RecordingSink();
    e.alertSink = sink;
    expect((await post(e, ALERTMANAGER_FIRING)).statusCode).toBe(200);
    expect(sink.intents).toHaveLength(1);
  });

  it('answers 503 when the sink cannot commit, so that the sender retries', async () => {
    const sink = new RecordingSink();
    sink.failWith = new Error('SQLITE_FULL');
    const res = await post(engine(sink), ALERTMANAGER_FIRING);
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatch(/could not be recorded durably/);
  });

  it.each<[string, Record<string, string>, unknown, number, RegExp]>([
    ['no credentials', { 'content-type': 'application/json' }, ALERTMANAGER_FIRING, 401, /^missing credentials/],
    ['a wrong token', { ...BEARER, authorization: 'Bearer nope' }, ALERTMANAGER_FIRING, 401, /^wrong credentials/],
    [
      'text/plain',
      { ...BEARER, 'content-type': 'text/plain' },
      ALERTMANAGER_FIRING,
      415,
      /application\/json .*"text\/plain"/,
    ],
    ['no content type', { authorization: BEARER.authorization }, ALERTMANAGER_FIRING, 415, /got ""/],
    ['not JSON', BEARER, '{"version":', 400, /^the body is not valid JSON/],
    ['not UTF-8 JSON', BEARER, Buffer.from([0xff, 0xfe, 0x00]), 400, /not valid JSON/],
    ['an empty body', BEARER, '', 400, /not valid JSON/],
    ['a wrong field', BEARER, { ...ALERTMANAGER_FIRING, alerts: [{ status: 'firing' }] }, 400, /^alerts\[0\].startsAt/],
    ['too large', BEARER, 'x'.repeat(65 * 1024), 413, /exceeds alerts.maxBodyBytes \(65536 bytes\)/],
  ])('refuses %s with a 4xx and a sentence', async (_name, headers, body, status, message) => {
    const sink = new RecordingSink();
    const res = await post(engine(sink), body, headers);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatch(message);
    expect(sink.calls).toHaveLength(0);
    if (status === 401) {
      expect(res.headers['www-authenticate']).toBe('Bearer realm="health-entropy", Basic realm="health-entropy"');
    }
  });

  it('refuses a Grafana signature made with another secret or replayed later', async () => {
    const e = engine();
    const body = JSON.stringify(GRAFANA_SCALE_DOWN);
    expect((await post(e, body, grafanaHeaders(body, 'other'))).statusCode).toBe(401);
    const stale = await post(e, body, grafanaHeaders(body, 'hmac-secret', Math.floor(Date.now() / 1000) - 600));
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error).toMatch(/s away from the engine's clock/);
  });

  it('answers 404 when disabled, and 503 with a sentence when no auth is configured', async () => {
    const disabled = new Engine(
      parseConfig('indicators: [{ name: l, selector: x }]\nalerts: { enabled: false }', {}, { env: {} }),
      pino({ level: 'silent' })
    );
    const off = await post(disabled, ALERTMANAGER_FIRING);
    expect(off.statusCode).toBe(404);
    expect(off.json().error).toMatch(/alerts.enabled: false/);
    const open = new Engine(
      parseConfig('indicators: [{ name: l, selector: x }]', {}, { env: {} }),
      pino({ level: 'silent' }),
      Date.now,
      {
        alertSink: new RecordingSink(),
      }
    );
    const res = await post(open, ALERTMANAGER_FIRING);
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatch(/no authentication configured/);
  });
});

describe('POST /api/v1/alerts over a real socket', () => {
  it('takes an Alertmanager and a Grafana notification', async () => {
    const sink = new RecordingSink();
    const e = engine(sink);
    await e.start();
    try {
      const url = `http://${e.address}/api/v1/alerts`;
      const am = await fetch(url, { method: 'POST', headers: BEARER, body: JSON.stringify(ALERTMANAGER_FIRING) });
      expect(am.status).toBe(200);
      expect((await am.json()).alerts[0].status).toBe('recorded');
      const body = JSON.stringify(GRAFANA_SCALE_DOWN);
      const g = await fetch(url, { method: 'POST', headers: grafanaHeaders(body), body });
      expect(g.status).toBe(200);
      expect((await g.json()).alerts[0]).toMatchObject({ status: 'recorded', actionId: 'act-2' });
      const big = await fetch(url, { method: 'POST', headers: BEARER, body: 'x'.repeat(200 * 1024) });
      expect(big.status).toBe(413);
      expect(sink.intents.map((i) => i.host)).toEqual(['app-1:9100', 'quiet:9100']);
    } finally {
      await e.stop();
    }
  });
});
