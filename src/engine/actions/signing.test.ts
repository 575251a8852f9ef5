import fc from 'fast-check';
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signature, webhookHeaders } from './signing';
import { signingKey } from './webhook-config';

// The demo receiver (deploy/receiver) verifies with its own code: what it accepts, Standard Webhooks receivers accept.
const receiver = require('../../../deploy/receiver/receiver.js') as {
  verify(
    headers: Record<string, string>,
    body: Buffer,
    key: Buffer,
    now: number,
    tolerance: number
  ): string | undefined;
  secretKey(secret: string): Buffer;
};

/** HMAC-SHA256 through WebCrypto: an implementation independent of `createHmac`. */
async function reference(key: Buffer, id: string, ts: number, body: string): Promise<string> {
  const k = await webcrypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await webcrypto.subtle.sign('HMAC', k, new TextEncoder().encode(`${id}.${ts}.${body}`));
  return `v1,${Buffer.from(mac).toString('base64')}`;
}

describe('Standard Webhooks signing', () => {
  it('reproduces the published Standard Webhooks test vector', () => {
    const key = signingKey('webhook.secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(signature(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
    );
  });

  it('equals HMAC-SHA256 computed with WebCrypto, for any key, id, time and body (unicode included)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 4_102_444_800 }),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        async (k, id, ts, body) => {
          const key = Buffer.from(k);
          expect(signature(key, id, ts, body)).toBe(await reference(key, id, ts, body));
        }
      ),
      { numRuns: 300 }
    );
  });

  it('headers: the id, a whole-second timestamp of the attempt, and a signature the demo receiver accepts', () => {
    const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
    const key = signingKey('webhook.secret', secret);
    const body = JSON.stringify({ id: 'act_1', change: { cpu: { from: 2, to: 4 } }, note: 'é ✓' });
    const h = webhookHeaders(key, 'act_1', 1_700_000_000_999, body);
    expect(h).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'act_1',
      'webhook-timestamp': '1700000000',
    });
    expect(receiver.verify(h, Buffer.from(body), receiver.secretKey(secret), 1_700_000_010, 300)).toBeUndefined();
    expect(receiver.verify(h, Buffer.from(body + ' '), receiver.secretKey(secret), 1_700_000_010, 300)).toMatch(
      /no v1 signature matches/
    );
    const other = signingKey('webhook.secret', `whsec_${Buffer.alloc(32, 4).toString('base64')}`);
    expect(
      receiver.verify(
        webhookHeaders(other, 'act_1', 1_700_000_000_000, body),
        Buffer.from(body),
        key,
        1_700_000_010,
        300
      )
    ).toMatch(/no v1 signature matches/);
  });

  it("the README's Node verification example accepts the engine's signatures and nothing else", () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const after = readme.slice(readme.indexOf('Verifying in Node'));
    const code = /```js\n([\s\S]*?)```/.exec(after)![1];
    const verify = new Function('require', `${code}\nreturn verify;`)(require) as (
      h: Record<string, string>,
      body: Buffer,
      secret: string
    ) => boolean;
    const body = JSON.stringify({ id: 'act_2', type: 'allocation.scale_down' });
    for (const secret of [`whsec_${Buffer.alloc(24, 8).toString('base64')}`, 'a-raw-secret-of-more-than-16']) {
      const h = webhookHeaders(signingKey('webhook.secret', secret), 'act_2', Date.now(), body);
      expect(verify(h, Buffer.from(body), secret)).toBe(true);
      expect(verify(h, Buffer.from(body.replace('down', 'up')), secret)).toBe(false);
      expect(verify({ ...h, 'webhook-id': 'act_3' }, Buffer.from(body), secret)).toBe(false);
      expect(
        verify({ ...h, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 600) }, Buffer.from(body), secret)
      ).toBe(false);
    }
  });
});
