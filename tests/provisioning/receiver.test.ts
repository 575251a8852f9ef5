/**
 * The demo webhook receiver of the compose stack (deploy/receiver/receiver.js), as a real process on a
 * loopback port: it accepts actions signed per the Standard Webhooks spec, refuses bad or stale signatures,
 * acknowledges retries (same webhook-id) once, and prints a line per action.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort, RunningProcess, startProcess } from '../helpers/processes';
import { ROOT } from './files';

const KEY = randomBytes(24);
const SECRET = `whsec_${KEY.toString('base64')}`;

/** Signs like the engine: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with the decoded secret. */
function sign(id: string, timestamp: number, body: string, key: Buffer = KEY): Record<string, string> {
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${signature}`,
    'content-type': 'application/json',
  };
}

const action = (id: string) => ({
  id,
  type: 'allocation.scale_up',
  createdAt: new Date().toISOString(),
  host: 'app-1:9100',
  resource: 'app-1',
  change: { cpu: { from: 2, to: 4 } },
  reason: { kind: 'saturation', entropy: 0.05, baseline: 0.6, deviation: -0.55, z: -4.2, utilization: 0.97, trend: 0 },
  source: 'engine',
  dryRun: false,
});

let receiver: RunningProcess;
let url: string;

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  receiver = await startProcess(process.execPath, [join(ROOT, 'deploy/receiver/receiver.js')], {
    env: { PORT: String(port), HOST: '127.0.0.1', WEBHOOK_SECRET: SECRET },
    readyUrl: `${url}/healthz`,
  });
});

afterAll(async () => {
  await receiver?.stop();
});

const now = () => Math.floor(Date.now() / 1000);
const post = (body: string, headers: Record<string, string>) =>
  fetch(`${url}/actions`, { method: 'POST', body, headers });

describe('demo webhook receiver', () => {
  it('accepts a signed action, lists it and prints it', async () => {
    const sent = action('msg_1');
    const body = JSON.stringify(sent);
    const res = await post(body, sign('msg_1', now(), body));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'accepted' });
    const list = await (await fetch(`${url}/actions`)).json();
    expect(list).toEqual([expect.objectContaining({ id: 'msg_1', signature: 'valid', action: sent })]);
    expect(receiver.output()).toMatch(
      /allocation\.scale_up host=app-1:9100 resource=app-1 cpu 2 -> 4 \(saturation z=-4\.20, source engine\) \[signature valid\]/
    );
  });

  it('acknowledges a retry with the same webhook-id once', async () => {
    const body = JSON.stringify(action('msg_2'));
    expect((await post(body, sign('msg_2', now(), body))).status).toBe(200);
    const retry = await post(body, sign('msg_2', now(), body));
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ status: 'duplicate' });
    const list = (await (await fetch(`${url}/actions`)).json()) as Array<{ id: string }>;
    expect(list.filter((a) => a.id === 'msg_2')).toHaveLength(1);
  });

  it.each([
    [
      'signed with another secret',
      (body: string) => sign('msg_3', now(), body, randomBytes(24)),
      /no v1 signature matches/,
    ],
    [
      'a body changed after signing',
      (body: string) => sign('msg_3', now(), body.replace('scale_up', 'scale_down')),
      /no v1 signature matches/,
    ],
    ['a timestamp 10 minutes old', (body: string) => sign('msg_3', now() - 600, body), /not within 300s/],
    ['no signature headers', () => ({ 'content-type': 'application/json' }), /missing webhook-id/],
  ])('refuses %s with 401', async (_, headersFor, message) => {
    const body = JSON.stringify(action('msg_3'));
    const res = await post(body, headersFor(body));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
    const list = (await (await fetch(`${url}/actions`)).json()) as Array<{ id: string }>;
    expect(list.some((a) => a.id === 'msg_3')).toBe(false);
  });

  it('accepts a signature list in which one v1 entry matches (secret rotation)', async () => {
    const body = JSON.stringify(action('msg_4'));
    const headers = sign('msg_4', now(), body);
    const old = sign('msg_4', now(), body, randomBytes(24))['webhook-signature'];
    headers['webhook-signature'] = `${old} ${headers['webhook-signature']}`;
    expect((await post(body, headers)).status).toBe(200);
  });

  it('answers 400 to a signed body that is not JSON', async () => {
    const res = await post('not json', sign('msg_5', now(), 'not json'));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/not JSON/);
  });
});
