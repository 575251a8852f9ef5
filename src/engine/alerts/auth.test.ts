import { createHmac } from 'node:crypto';
import { AlertAuthConfig, authenticate, AuthResult, safeEqual } from './auth';

const NOW = 1_800_000_000_000;
const BODY = Buffer.from('{"version":"4"}');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

// RFC 4231 test case 2: HMAC-SHA256(key "Jefe", "what do ya want for nothing?"), an independent reference.
const RFC4231_BODY = Buffer.from('what do ya want for nothing?');
const RFC4231_MAC = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';

const bearer: AlertAuthConfig = { bearerToken: 's3cret', unauthenticated: false };
const basicOnly: AlertAuthConfig = { basicAuth: { username: 'grafana', password: 'pa:ss' }, unauthenticated: false };
const hmac: AlertAuthConfig = { grafanaHmac: { secret: 'Jefe', maxSkewMs: 300_000 }, unauthenticated: false };
const hmacTs: AlertAuthConfig = {
  grafanaHmac: { secret: 'Jefe', timestampHeader: 'x-grafana-alerting-timestamp', maxSkewMs: 300_000 },
  unauthenticated: false,
};
const all: AlertAuthConfig = { ...bearer, ...basicOnly, ...hmac };

function check(auth: AlertAuthConfig, headers: Record<string, string>, body = BODY, now = NOW): AuthResult {
  return authenticate(auth, headers, body, now);
}

/** Grafana's rule: hex HMAC-SHA256 of `timestamp:body`, written here with the RFC 4231 key and message. */
function signedAt(seconds: number): Record<string, string> {
  const mac = createHmac('sha256', 'Jefe').update(`${seconds}:`).update(RFC4231_BODY).digest('hex');
  return { 'x-grafana-alerting-signature': mac, 'x-grafana-alerting-timestamp': String(seconds) };
}

describe('alert receiver authentication', () => {
  it.each<[string, AlertAuthConfig, Record<string, string>, string]>([
    ['bearer', bearer, { authorization: 'Bearer s3cret' }, 'bearer'],
    ['bearer, scheme in lower case (RFC 7235)', bearer, { authorization: 'bearer s3cret' }, 'bearer'],
    ['basic, password with a colon', basicOnly, { authorization: basic('grafana', 'pa:ss') }, 'basic'],
    ['HMAC of the body (RFC 4231 vector)', hmac, { 'x-grafana-alerting-signature': RFC4231_MAC }, 'grafana_hmac'],
    ['HMAC in upper-case hex', hmac, { 'x-grafana-alerting-signature': RFC4231_MAC.toUpperCase() }, 'grafana_hmac'],
    // grafana/alerting's code has defaulted to this name when the contact point leaves the header empty.
    ['HMAC under the other default name', hmac, { 'x-grafana-alert-signature': RFC4231_MAC }, 'grafana_hmac'],
    ['any scheme of several: HMAC', all, { 'x-grafana-alerting-signature': RFC4231_MAC }, 'grafana_hmac'],
    ['any scheme of several: basic', all, { authorization: basic('grafana', 'pa:ss') }, 'basic'],
    [
      'a wrong bearer but a good signature',
      all,
      { authorization: 'Bearer x', 'x-grafana-alerting-signature': RFC4231_MAC },
      'grafana_hmac',
    ],
  ])('accepts %s', (_name, auth, headers, scheme) => {
    expect(check(auth, headers, RFC4231_BODY)).toEqual({ ok: true, scheme });
  });

  it('accepts a fresh timestamped signature and one at the edge of maxSkew', () => {
    const s = NOW / 1000;
    expect(check(hmacTs, signedAt(s), RFC4231_BODY)).toEqual({ ok: true, scheme: 'grafana_hmac' });
    expect(check(hmacTs, signedAt(s - 300), RFC4231_BODY).ok).toBe(true);
    expect(check(hmacTs, signedAt(s + 300), RFC4231_BODY).ok).toBe(true);
  });

  it.each<[string, AlertAuthConfig, Record<string, string>, RegExp]>([
    ['no credentials', bearer, {}, /^missing credentials: this receiver accepts a bearer token$/],
    ['a wrong token', bearer, { authorization: 'Bearer s3cre' }, /^wrong credentials/],
    ['a longer token', bearer, { authorization: 'Bearer s3cret0' }, /^wrong credentials/],
    ['the scheme alone', bearer, { authorization: 'Bearer' }, /^wrong credentials/],
    ['another scheme', bearer, { authorization: 'Token s3cret' }, /^wrong credentials/],
    ['basic for a bearer receiver', bearer, { authorization: basic('s3cret', '') }, /^wrong credentials/],
    ['a wrong password', basicOnly, { authorization: basic('grafana', 'pa:sx') }, /^wrong credentials/],
    ['a wrong user', basicOnly, { authorization: basic('grafanb', 'pa:ss') }, /^wrong credentials/],
    ['garbage base64', basicOnly, { authorization: 'Basic %%%' }, /^wrong credentials: .*basic auth/],
    ['no colon', basicOnly, { authorization: `Basic ${Buffer.from('grafana').toString('base64')}` }, /^wrong/],
    ['a wrong secret', hmac, { 'x-grafana-alerting-signature': '0'.repeat(64) }, /signature does not match the body/],
    ['a short signature', hmac, { 'x-grafana-alerting-signature': RFC4231_MAC.slice(2) }, /must be 64 hex digits/],
    ['a non-hex signature', hmac, { 'x-grafana-alerting-signature': 'z'.repeat(64) }, /must be 64 hex digits/],
    ['sha256= prefix', hmac, { 'x-grafana-alerting-signature': `sha256=${RFC4231_MAC}` }, /64 hex digits/],
    ['no signature', hmac, {}, /^missing credentials: .*Grafana HMAC signature \(x-grafana-alerting-signature\)/],
    [
      'signature without timestamp',
      hmacTs,
      { 'x-grafana-alerting-signature': RFC4231_MAC },
      /timestamp header must be a Unix time/,
    ],
    [
      'a millisecond timestamp',
      hmacTs,
      { ...signedAt(NOW / 1000), 'x-grafana-alerting-timestamp': String(NOW) },
      /must be a Unix time in seconds/,
    ],
    [
      'a stale timestamp (replay)',
      hmacTs,
      signedAt(NOW / 1000 - 301),
      /301 s away from the engine's clock; at most .*300 s/,
    ],
    ['a future timestamp', hmacTs, signedAt(NOW / 1000 + 3600), /3600 s away/],
    [
      'a timestamp changed after signing',
      hmacTs,
      { ...signedAt(NOW / 1000), 'x-grafana-alerting-timestamp': String(NOW / 1000 - 1) },
      /does not match the body/,
    ],
  ])('refuses %s with 401', (_name, auth, headers, message) => {
    const r = check(auth, headers, RFC4231_BODY);
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ status: 401 });
    expect((r as { error: string }).error).toMatch(message);
  });

  it('refuses a signature over another body', () => {
    const r = check(hmac, { 'x-grafana-alerting-signature': RFC4231_MAC }, Buffer.from('what do ya want for nothing!'));
    expect(r).toMatchObject({ ok: false, status: 401 });
  });

  it('uses a configured signature header and only that one', () => {
    const custom: AlertAuthConfig = {
      grafanaHmac: { secret: 'Jefe', header: 'x-sig', maxSkewMs: 1000 },
      unauthenticated: false,
    };
    expect(check(custom, { 'x-sig': RFC4231_MAC }, RFC4231_BODY).ok).toBe(true);
    expect(check(custom, { 'x-grafana-alerting-signature': RFC4231_MAC }, RFC4231_BODY)).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('challenges for bearer and basic', () => {
    expect(check(all, {})).toMatchObject({ challenge: 'Bearer realm="health-entropy", Basic realm="health-entropy"' });
  });

  it('without any scheme refuses with 503, unless unauthenticated is set', () => {
    expect(check({ unauthenticated: false }, {})).toMatchObject({
      ok: false,
      status: 503,
      error: /no authentication configured/,
    });
    expect(check({ unauthenticated: true }, {})).toEqual({ ok: true, scheme: 'none' });
  });

  it('compares in constant time whatever the lengths', () => {
    expect(safeEqual('a', 'a')).toBe(true);
    expect(safeEqual('a', 'ab')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});
