/**
 * Alerts in and out with a real Alertmanager (Debian's 0.25) on loopback:
 *
 * (a) an alert posted to Alertmanager's API reaches the engine's HTTP server (a real port) through a webhook
 *     receiver with bearer auth (`http_config.authorization.credentials_file`) and becomes one intent, however
 *     often Alertmanager repeats the notification; its resolution produces none; an alert without the action
 *     label is acknowledged and ignored.
 * (b) the engine's pusher: an active engine alert appears in Alertmanager's `GET /api/v2/alerts` with its
 *     labels, and is gone (resolved, not expired) soon after it ends. The same Alertmanager routes it back to
 *     the engine's webhook, where it must not become an intent (no `healthentropy_action`: no loop).
 *
 * The engine runs in-process, so that the test can give it a recording AlertSink until the allocation side
 * exists; everything between Alertmanager and the engine is real HTTP.
 */
import pino from 'pino';
import type { EngineAlert } from '../../src/engine/alert-contract';
import { ALERTMANAGER_FIRING, RecordingSink } from '../../src/engine/alerts/fixtures';
import { parseConfig } from '../../src/engine/config';
import { Engine } from '../../src/engine/engine';
import {
  amMetric,
  engineReceiverConfig,
  getAlerts,
  postAlerts,
  startAlertmanager,
  TestAlertmanager,
} from '../helpers/alertmanager';
import { freePort } from '../helpers/processes';
import { sleep, waitFor } from '../engine/harness';

const TOKEN = 'it-alerts-token';

const engineConfig = (amPort: number) => `
listen: 127.0.0.1:0
interval: 1s
indicators:
  - { name: load, selector: node_load1 }
alerts:
  bearerToken: { env: IT_ALERTS_TOKEN }
alertmanager:
  url: http://127.0.0.1:${amPort}
  resendInterval: 1m
  externalURL: http://health-entropy.test:9464
`;

// The labels of the captured Alertmanager notification: a Prometheus rule's alert with the engine's instance.
const SATURATION = {
  labels: ALERTMANAGER_FIRING.alerts[0].labels,
  annotations: ALERTMANAGER_FIRING.alerts[0].annotations,
};
const UNRELATED = { labels: { alertname: 'DiskFull', host: 'app-1:9100', severity: 'warning' } };

describe('alerts with a real Alertmanager', () => {
  let am: TestAlertmanager;
  let engine: Engine;
  const sink = new RecordingSink();
  const engineAlerts: EngineAlert[] = [];

  const received = (result: string) =>
    metric(`health_entropy_alerts_received_total{origin="alertmanager",result="${result}"}`);
  const metric = (series: string): number => {
    const out: string[] = [];
    engine.telemetry.render(out);
    const line = out
      .join('')
      .split('\n')
      .find((l) => l.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  };

  beforeAll(async () => {
    const [amPort, enginePort] = [await freePort(), await freePort()];
    const config = parseConfig(
      engineConfig(amPort),
      { listen: `127.0.0.1:${enginePort}` },
      {
        env: { IT_ALERTS_TOKEN: TOKEN },
      }
    );
    engine = new Engine(config, pino({ level: 'warn' }), Date.now, { alertSink: sink });
    engine.registerAlertSource({ activeAlerts: () => engineAlerts });
    await engine.start();
    am = await startAlertmanager(engineReceiverConfig(enginePort), amPort, { token: TOKEN });
  });

  afterAll(async () => {
    await am?.stop();
    await engine?.stop();
  });

  it('(a) an alert through Alertmanager becomes one intent; repeats are duplicates; resolution adds nothing', async () => {
    await postAlerts(am.url, [SATURATION, UNRELATED]);
    // group_wait 1s, then a repeat every repeat_interval (2s): wait for the first and two repeats.
    await waitFor(
      'three notifications of the saturation alert',
      async () => (sink.intents.length >= 3 ? true : undefined),
      60_000
    );
    const keys = new Set(sink.intents.map((i) => i.dedupKey));
    expect(keys.size).toBe(1);
    expect(sink.intents[0]).toMatchObject({
      action: 'scale_up',
      host: 'app-1:9100',
      alertname: 'HealthEntropySaturation',
      origin: 'alertmanager',
      summary: 'app-1:9100 is saturated',
    });
    expect(sink.intents[0].resource).toBeUndefined();
    expect(received('recorded')).toBe(1);
    expect(received('duplicate')).toBeGreaterThanOrEqual(2);
    // The alert without healthentropy_action is acknowledged (200) and never becomes an intent.
    expect(received('ignored')).toBeGreaterThanOrEqual(1);
    expect(sink.intents.every((i) => i.alertname === 'HealthEntropySaturation')).toBe(true);

    const now = new Date().toISOString();
    await postAlerts(am.url, [
      { ...SATURATION, endsAt: now },
      { ...UNRELATED, endsAt: now },
    ]);
    await waitFor('both resolved notifications', async () => (received('resolved') >= 2 ? true : undefined), 60_000);
    const after = sink.intents.length;
    await sleep(3000);
    // Nothing new after the resolution: no intent with another key, no further firing repeats.
    expect(new Set(sink.intents.map((i) => i.dedupKey)).size).toBe(1);
    expect(sink.intents.length).toBe(after);
    // Alertmanager saw every notification accepted: the bearer token from the file worked.
    expect(await amMetric(am.url, 'alertmanager_notifications_total', 'webhook')).toBeGreaterThanOrEqual(4);
    expect(await amMetric(am.url, 'alertmanager_notifications_failed_total', 'webhook')).toBe(0);
  });

  it('(b) an active engine alert appears in Alertmanager and is resolved when it ends', async () => {
    const ignoredBefore = received('ignored');
    const since = Date.now() - 5000;
    engineAlerts.push({
      kind: 'early_warning',
      host: 'web-3:9100',
      resource: 'web',
      since,
      reason: 'entropy of cpu 0.82 is 4.1 sigma above its baseline',
      labels: { indicator: 'cpu' },
    });
    const shown = await waitFor(
      'the engine alert in Alertmanager',
      async () => (await getAlerts(am.url)).find((a) => a.labels.alertname === 'HealthEntropyEarlyWarning'),
      30_000
    );
    expect(shown.labels).toEqual({
      alertname: 'HealthEntropyEarlyWarning',
      kind: 'early_warning',
      severity: 'warning',
      host: 'web-3:9100',
      resource: 'web',
      indicator: 'cpu',
    });
    expect(shown.annotations).toEqual({ summary: 'entropy of cpu 0.82 is 4.1 sigma above its baseline' });
    expect(shown.status.state).toBe('active');
    expect(Date.parse(shown.startsAt)).toBe(since);
    // endsAt four resend intervals (1m) ahead: if it disappears within seconds, it was resolved, not expired.
    expect(Date.parse(shown.endsAt) - Date.now()).toBeGreaterThan(200_000);
    expect(shown.generatorURL).toBe('http://health-entropy.test:9464/api/v1/profiles?host=web-3%3A9100');

    engineAlerts.length = 0;
    const ended = Date.now();
    await waitFor(
      'the engine alert to be resolved',
      async () =>
        (await getAlerts(am.url)).some((a) => a.labels.alertname === 'HealthEntropyEarlyWarning') ? undefined : true,
      20_000
    );
    expect(Date.now() - ended).toBeLessThan(20_000);
    expect(metric('health_entropy_alertmanager_pushes_total{result="ok"}')).toBeGreaterThanOrEqual(2);
    expect(metric('health_entropy_alertmanager_alerts_sent_total{state="resolved"}')).toBe(1);
    // Alertmanager routed it to the engine's webhook too: acknowledged, never an intent (no loop).
    await waitFor('the engine alert back at the receiver', async () =>
      received('ignored') > ignoredBefore ? true : undefined
    );
    expect(sink.intents.every((i) => i.alertname === 'HealthEntropySaturation')).toBe(true);
  });
});
