/**
 * Alert → action, every part real: an alert posted to a real Alertmanager (Debian's) is routed through its
 * webhook receiver (bearer token from a file) to the engine, run as a real process from the built CLI; the
 * engine's allocation side turns it into one scale-up of the matching resource and delivers it, signed, to a
 * webhook server in this test, which verifies the Standard Webhooks signature with its own code.
 * Alertmanager's repeats of the same notification must not produce a second action, nor its resolution one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestReceiver } from '../../src/engine/actions/test-receiver';
import { ALERTMANAGER_FIRING } from '../../src/engine/alerts/fixtures';
import { ensureBuilt, getJson, sleep, startEngine, TestEngine, waitFor } from '../engine/harness';
import {
  amMetric,
  engineReceiverConfig,
  postAlerts,
  startAlertmanager,
  TestAlertmanager,
} from '../helpers/alertmanager';
import { freePort } from '../helpers/processes';

jest.setTimeout(180_000);

const TOKEN = 'e2e-alerts-token';
const KEY = Buffer.alloc(32, 0x3c);
const SECRET = `whsec_${KEY.toString('base64')}`;
// The captured notification's labels: HealthEntropySaturation, healthentropy_action="scale_up", host app-1:9100.
const SATURATION = {
  labels: ALERTMANAGER_FIRING.alerts[0].labels,
  annotations: ALERTMANAGER_FIRING.alerts[0].annotations,
};

const engineConfig = (dir: string, receiverUrl: string) => `
interval: 1s
persistInterval: 1s
store: { path: ${join(dir, 'state.db')} }
logLevel: warn
indicators:
  - { name: load, selector: node_load1, hostLabel: host }
alerts:
  bearerToken: { file: ${join(dir, 'alerts-token')} }
webhook:
  url: ${receiverUrl}
  secret: { file: ${join(dir, 'webhook-secret')} }
  timeout: 2s
  backoff: { initial: 100ms, max: 1s }
resources:
  - name: app
    hosts: { host: "app-.*" }
    utilization: load
    cpu: { current: 2, min: 1, max: 8, step: 1 }
    policy: { cooldownUp: 10m }
`;

interface Action {
  id: string;
  type: string;
  createdAt: string;
  host: string;
  resource: string;
  change: Record<string, { from: number; to: number }>;
  reason: { kind: string };
  source: string;
  dryRun: boolean;
}

describe('alert → Alertmanager → engine → signed action', () => {
  let dir: string;
  let receiver: TestReceiver;
  let engine: TestEngine;
  let am: TestAlertmanager;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'he-e2e-'));
    writeFileSync(join(dir, 'alerts-token'), TOKEN);
    writeFileSync(join(dir, 'webhook-secret'), SECRET);
    receiver = new TestReceiver(KEY);
    await receiver.start();
    const [enginePort, amPort] = [await freePort(), await freePort()];
    engine = await startEngine(engineConfig(dir, receiver.url), enginePort, dir);
    am = await startAlertmanager(engineReceiverConfig(enginePort), amPort, { token: TOKEN });
  });

  afterAll(async () => {
    await am?.stop();
    await engine?.stop();
    await receiver?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers exactly one signed scale-up for the alert, none for its repeats or its resolution', async () => {
    await postAlerts(am.url, [SATURATION]);
    const first = await waitFor('the action at the webhook', async () => receiver.received[0], 60_000);
    expect(first.signatureValid).toBe(true);
    expect(first.status).toBe(200);
    const action = first.json as unknown as Action;
    expect(action).toMatchObject({
      id: first.id,
      type: 'allocation.scale_up',
      host: 'app-1:9100',
      resource: 'app',
      change: { cpu: { from: 2, to: 3 } },
      source: 'alert',
      dryRun: false,
    });
    expect(Number.isNaN(Date.parse(action.createdAt))).toBe(false);
    expect(Math.abs(first.timestamp * 1000 - Date.now())).toBeLessThan(60_000);

    // Alertmanager repeats the notification every 2 s: wait through several repeats.
    await waitFor(
      'three notifications delivered to the engine',
      async () => ((await amMetric(am.url, 'alertmanager_notifications_total', 'webhook')) >= 3 ? true : undefined),
      60_000
    );
    await sleep(3000);
    expect(receiver.deliveredOnce()).toHaveLength(1);
    expect(await amMetric(am.url, 'alertmanager_notifications_failed_total', 'webhook')).toBe(0);

    const listed = await getJson<{ actions: Array<{ id: string; state: string; source: string }> }>(
      `${engine.url}/api/v1/actions`
    );
    expect(listed.actions.map((a) => [a.id, a.state, a.source])).toEqual([[first.id, 'delivered', 'alert']]);

    await postAlerts(am.url, [{ ...SATURATION, endsAt: new Date().toISOString() }]);
    const sent = await amMetric(am.url, 'alertmanager_notifications_total', 'webhook');
    await waitFor(
      'the resolved notification delivered to the engine',
      async () => ((await amMetric(am.url, 'alertmanager_notifications_total', 'webhook')) > sent ? true : undefined),
      60_000
    );
    await sleep(2000);
    expect(receiver.deliveredOnce()).toHaveLength(1);
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
  });
});
