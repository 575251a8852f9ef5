import { ConfigError, parseConfig } from '../config';

const BASE = `
prometheus: { url: http://prom:9090 }
indicators:
  - { name: cpu, query: 'avg by (instance) (x)' }
`;
const ENV = { TOKEN: 'tok', PASS: 'pw', HMAC: 'hm', AM: 'amtok' };

function parse(extra: string, listen?: string) {
  return parseConfig(
    `${BASE}${listen ? `listen: ${listen}\n` : ''}${extra}`,
    {},
    { env: ENV, readFile: () => 'from-file\n' }
  );
}

function errorOf(extra: string): ConfigError {
  try {
    parse(extra);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('alerts and alertmanager config', () => {
  it('defaults: receiver enabled without auth (it then refuses alerts), no pushing', () => {
    const c = parse('');
    expect(c.alerts).toEqual({ enabled: true, maxBodyBytes: 4 * 1024 ** 2, auth: { unauthenticated: false } });
    expect(c.alertmanager).toBeUndefined();
  });

  it('reads every scheme, secrets from env and file', () => {
    const c = parse(`
alerts:
  maxBodyBytes: 64KiB
  bearerToken: { env: TOKEN }
  basicAuth: { username: grafana, password: { file: /run/secrets/pw } }
  grafanaHmac: { secret: { env: HMAC }, header: X-Sig, timestampHeader: X-Grafana-Alerting-Timestamp, maxSkew: 2m }
`);
    expect(c.alerts).toEqual({
      enabled: true,
      maxBodyBytes: 65536,
      auth: {
        unauthenticated: false,
        bearerToken: 'tok',
        basicAuth: { username: 'grafana', password: 'from-file' },
        grafanaHmac: {
          secret: 'hm',
          header: 'x-sig',
          timestampHeader: 'x-grafana-alerting-timestamp',
          maxSkewMs: 120_000,
        },
      },
    });
  });

  it('reads the alertmanager section, with an external URL from listen by default', () => {
    const c = parse('alertmanager: { url: "http://am:9093/prefix/", bearerToken: { env: AM } }', '0.0.0.0:9464');
    expect(c.alertmanager).toEqual({
      url: 'http://am:9093/prefix',
      headers: { authorization: 'Bearer amtok' },
      resendIntervalMs: 60_000,
      timeoutMs: 10_000,
      externalURL: 'http://localhost:9464',
    });
    const b = parse(`
alertmanager:
  url: https://am.example:9093
  basicAuth: { username: he, password: { env: PASS } }
  resendInterval: 30s
  timeout: 2s
  externalURL: http://health-entropy:9464/
`);
    expect(b.alertmanager).toEqual({
      url: 'https://am.example:9093',
      headers: { authorization: `Basic ${Buffer.from('he:pw').toString('base64')}` },
      resendIntervalMs: 30_000,
      timeoutMs: 2000,
      externalURL: 'http://health-entropy:9464',
    });
  });

  it.each<[string, string, RegExp]>([
    ['alerts: [a]', 'alerts', /alerts must be a map/],
    ['alerts: { token: x }', 'alerts.token', /not a known key .*bearerToken/],
    ['alerts: { bearerToken: tok }', 'alerts.bearerToken', /\{env: VARIABLE\} or \{file: PATH\} .*inline string/],
    ['alerts: { bearerToken: { env: NOPE } }', 'alerts.bearerToken.env', /NOPE, which is not set/],
    ['alerts: { enabled: yes please }', 'alerts.enabled', /true or false/],
    ['alerts: { maxBodyBytes: 1GiB }', 'alerts.maxBodyBytes', /from 1024 to 268435456 bytes/],
    ['alerts: { basicAuth: { username: u } }', 'alerts.basicAuth.password', /must be \{env/],
    [
      'alerts: { basicAuth: { username: "a:b", password: { env: PASS } } }',
      'alerts.basicAuth.username',
      /must not contain ":"/,
    ],
    ['alerts: { basicAuth: { password: { env: PASS } } }', 'alerts.basicAuth.username', /non-empty string/],
    ['alerts: { grafanaHmac: { secret: hm } }', 'alerts.grafanaHmac.secret', /inline string/],
    [
      'alerts: { grafanaHmac: { secret: { env: HMAC }, header: "X Sig" } }',
      'alerts.grafanaHmac.header',
      /HTTP header name/,
    ],
    [
      'alerts: { grafanaHmac: { secret: { env: HMAC }, timestampHeader: X-T, maxSkew: 5 } }',
      'alerts.grafanaHmac.maxSkew',
      /duration like 500ms/,
    ],
    [
      'alerts: { grafanaHmac: { secret: { env: HMAC }, maxSkew: 1m } }',
      'alerts.grafanaHmac.maxSkew',
      /only with .*timestampHeader/,
    ],
    ['alerts: { grafanaHmac: { secret: { env: HMAC }, algo: sha1 } }', 'alerts.grafanaHmac.algo', /not a known key/],
    ['alerts: { unauthenticated: true, bearerToken: { env: TOKEN } }', 'alerts.unauthenticated', /cannot be combined/],
    ['alertmanager: { resendInterval: 1m }', 'alertmanager.url', /non-empty string/],
    ['alertmanager: { url: "am:9093" }', 'alertmanager.url', /must use http or https/],
    ['alertmanager: { url: "not a url" }', 'alertmanager.url', /http\(s\) URL like http:\/\/alertmanager:9093/],
    ['alertmanager: { url: "http://am", resendInterval: 100ms }', 'alertmanager.resendInterval', /from 1s to 1h/],
    [
      'alertmanager: { url: "http://am", bearerToken: { env: AM }, basicAuth: { username: a, password: { env: PASS } } }',
      'alertmanager.basicAuth',
      /exclusive/,
    ],
    ['alertmanager: { url: "http://am", externalURL: "ftp://x" }', 'alertmanager.externalURL', /http or https/],
    ['alertmanager: { url: "http://am", headers: {} }', 'alertmanager.headers', /not a known key/],
  ])('%s → error at %s', (extra, key, message) => {
    const e = errorOf(extra);
    expect(e.key).toBe(key);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(key)).toBe(true);
  });
});
