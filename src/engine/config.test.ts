import { ConfigError, parseConfig } from './config';

const BASE = `
prometheus: { url: http://prom:9090 }
indicators:
  - { name: cpu, query: 'avg by (instance) (x)' }
`;

function errorOf(text: string, env: NodeJS.ProcessEnv = {}, readFile?: (p: string) => string): ConfigError {
  try {
    parseConfig(text, {}, { env, readFile });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies defaults', () => {
    const c = parseConfig(BASE, {}, { env: {} });
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(c.intervalMs).toBe(15_000);
    expect(c.persistIntervalMs).toBe(60_000);
    expect(c.stalenessMs).toBe(300_000);
    expect(c.store).toBeUndefined();
    expect(c.remoteWrite).toEqual({
      enabled: true,
      maxBodyBytes: 16 * 1024 ** 2,
      maxDecompressedBytes: 64 * 1024 ** 2,
      bearerToken: undefined,
    });
    expect(c.indicators[0]).toMatchObject({ name: 'cpu', hostLabel: 'instance', weight: 1, selector: undefined });
    expect(c.indicators[0].pipeline.entropy).toMatchObject({ window: 60, bins: 10, estimator: 'shannon' });
  });

  it('merges defaults into indicators, the indicator winning', () => {
    const c = parseConfig(
      `
prometheus: { url: http://prom:9090 }
defaults: { window: 30, hostLabel: node, baseline: { warmup: 10 } }
indicators:
  - { name: a, query: x }
  - { name: b, selector: 'up{job="n"}', window: 20, binning: adaptive, maxAge: 10m }
`,
      {},
      { env: {} }
    );
    expect(c.indicators[0].pipeline.entropy?.window).toBe(30);
    expect(c.indicators[0].hostLabel).toBe('node');
    expect(c.indicators[0].pipeline.baseline).toMatchObject({ warmup: 10 });
    expect(c.indicators[1].pipeline.entropy).toMatchObject({ window: 20, binning: 'adaptive', maxAgeMs: 600_000 });
    expect(c.indicators[1].selector?.metric).toBe('up');
  });

  it('enables the surprisal detector per indicator or in defaults, and disables it with false', () => {
    const c = parseConfig(
      `
prometheus: { url: http://prom:9090 }
defaults: { detector: { threshold: 0.7 } }
indicators:
  - { name: a, query: x }
  - { name: b, query: y, detector: false }
  - { name: c, query: z, detector: {} }
`,
      {},
      { env: {} }
    );
    const [a, b, cc] = c.indicators;
    expect(a.detector?.().name).toBe('surprisal');
    expect(b.detector).toBeUndefined();
    expect(cc.detector).toBeDefined();
    expect(parseConfig(BASE, {}, { env: {} }).indicators[0].detector).toBeUndefined();
  });

  it.each([
    ['detector: yes', 'indicators[0].detector', /must be a map of surprisal detector options/],
    ['detector: { alpha: 2 }', 'indicators[0].detector.alpha', /alpha/],
    ['detector: { threshhold: 0.5 }', 'indicators[0].detector.threshhold', /threshhold/],
  ])('a bad detector (%s) names %s', (yaml, key, message) => {
    const e = errorOf(`prometheus: { url: http://prom:9090 }\nindicators:\n  - { name: cpu, query: x, ${yaml} }\n`);
    expect(e.key).toBe(key);
    expect(e.message).toMatch(message);
  });

  it('resolves explicit → environment → file', () => {
    const text = `listen: 127.0.0.1:1000\n${BASE}`;
    expect(parseConfig(text, {}, { env: {} }).listen.port).toBe(1000);
    expect(parseConfig(text, {}, { env: { HEALTH_ENTROPY_LISTEN: ':2000' } }).listen).toEqual({
      host: '0.0.0.0',
      port: 2000,
    });
    expect(parseConfig(text, { listen: '[::1]:3000' }, { env: { HEALTH_ENTROPY_LISTEN: ':2000' } }).listen).toEqual({
      host: '::1',
      port: 3000,
    });
    expect(parseConfig(text, { storePath: '/x.db' }, { env: { HEALTH_ENTROPY_STORE: '/y.db' } }).store?.path).toBe(
      '/x.db'
    );
    expect(parseConfig(text, {}, { env: { HEALTH_ENTROPY_STORE: '/y.db' } }).store?.path).toBe('/y.db');
  });

  it('reads secrets from the environment or a file, never inline', () => {
    const text = `prometheus: { url: http://p:9090, bearerToken: { env: TOKEN } }
remoteWrite: { bearerToken: { file: /secret } }
indicators: [{ name: a, query: x }]`;
    const c = parseConfig(text, {}, { env: { TOKEN: 'abc' }, readFile: () => 'rw-token\n' });
    expect(c.prometheus?.headers.authorization).toBe('Bearer abc');
    expect(c.remoteWrite.bearerToken).toBe('rw-token');
    const basic = parseConfig(
      `prometheus: { url: http://p:9090, basicAuth: { username: u, password: { env: PW } } }\nindicators: [{ name: a, query: x }]`,
      {},
      { env: { PW: 'p' } }
    );
    expect(basic.prometheus?.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it.each([
    ['not YAML', 'indicators: [', '(file)', /not valid YAML/],
    ['a list', '- a', '(file)', /must be a YAML map/],
    ['empty', '', '(file)', /must be a YAML map/],
    ['unknown top key', `intervall: 1s\n${BASE}`, 'intervall', /not a known key.*interval/],
    ['bare number duration', `interval: 15\n${BASE}`, 'interval', /duration like 500ms.*got 15/],
    ['too short interval', `interval: 1ms\n${BASE}`, 'interval', /from 100ms/],
    ['staleness below interval', `interval: 1m\nstaleness: 30s\n${BASE}`, 'staleness', /from 1m/],
    ['bad listen', `listen: localhost\n${BASE}`, 'listen', /host:port/],
    ['port out of range', `listen: ':70000'\n${BASE}`, 'listen', /host:port/],
    ['bad log level', `logLevel: loud\n${BASE}`, 'logLevel', /one of fatal/],
    ['no indicators', 'indicators: []', 'indicators', /non-empty list/],
    ['indicator not a map', 'indicators: [cpu]', 'indicators[0]', /must be a map/],
    [
      'bad name',
      `prometheus: { url: http://p }\nindicators: [{ name: 'cpu load', query: x }]`,
      'indicators[0].name',
      /letters, digits/,
    ],
    [
      'duplicate name',
      `prometheus: { url: http://p }\nindicators: [{ name: a, query: x }, { name: a, query: y }]`,
      'indicators[1].name',
      /unique/,
    ],
    [
      'both query and selector',
      `prometheus: { url: http://p }\nindicators: [{ name: a, query: x, selector: y }]`,
      'indicators[0]',
      /exactly one/,
    ],
    ['neither', `indicators: [{ name: a }]`, 'indicators[0]', /exactly one/],
    ['query without prometheus', `indicators: [{ name: a, query: x }]`, 'prometheus.url', /required/],
    ['bad selector', `indicators: [{ name: a, selector: 'up{job=}' }]`, 'indicators[0].selector', /quoted value/],
    [
      'empty-matching selector',
      `indicators: [{ name: a, selector: '{job=~".*"}' }]`,
      'indicators[0].selector',
      /does not match the empty/,
    ],
    [
      'bad regex',
      `indicators: [{ name: a, selector: 'up{job=~"("}' }]`,
      'indicators[0].selector',
      /regular expression/,
    ],
    [
      'window too small',
      `indicators: [{ name: a, selector: up, window: 1 }]`,
      'indicators[0].window',
      /integer from 2/,
    ],
    [
      'window from defaults',
      `defaults: { window: 0 }\nindicators: [{ name: a, selector: up }]`,
      'defaults.window',
      /defaults.window must be/,
    ],
    [
      'unknown indicator key',
      `indicators: [{ name: a, selector: up, windw: 3 }]`,
      'indicators[0].windw',
      /not a known key/,
    ],
    [
      'bad estimator',
      `indicators: [{ name: a, selector: up, estimator: renyi }]`,
      'indicators[0].estimator',
      /shannon, permutation/,
    ],
    ['hi below lo', `indicators: [{ name: a, selector: up, lo: 1, hi: 0 }]`, 'indicators[0].hi', /greater than/],
    ['bad maxAge', `indicators: [{ name: a, selector: up, maxAge: soon }]`, 'indicators[0].maxAge', /duration/],
    ['negative weight', `indicators: [{ name: a, selector: up, weight: -1 }]`, 'indicators[0].weight', /from 0/],
    [
      'bad baseline alpha',
      `indicators: [{ name: a, selector: up, baseline: { alpha: 2 } }]`,
      'indicators[0].baseline.alpha',
      /\(0, 1\]/,
    ],
    [
      'unknown baseline key',
      `hostBaseline: { warmpu: 3 }\nindicators: [{ name: a, selector: up }]`,
      'hostBaseline.warmpu',
      /not a baseline option/,
    ],
    [
      'inline secret',
      `remoteWrite: { bearerToken: hunter2 }\nindicators: [{ name: a, selector: up }]`,
      'remoteWrite.bearerToken',
      /not accepted inline.*an inline string/,
    ],
    [
      'missing env secret',
      `remoteWrite: { bearerToken: { env: NOPE } }\nindicators: [{ name: a, selector: up }]`,
      'remoteWrite.bearerToken.env',
      /NOPE, which is not set/,
    ],
    [
      'both env and file',
      `remoteWrite: { bearerToken: { env: A, file: B } }\nindicators: [{ name: a, selector: up }]`,
      'remoteWrite.bearerToken',
      /exactly one/,
    ],
    [
      'bad url',
      `prometheus: { url: 'not a url' }\nindicators: [{ name: a, query: x }]`,
      'prometheus.url',
      /http\(s\) URL/,
    ],
    [
      'ftp url',
      `prometheus: { url: 'ftp://x' }\nindicators: [{ name: a, query: x }]`,
      'prometheus.url',
      /http or https/,
    ],
    [
      'bad size',
      `remoteWrite: { maxBodyBytes: lots }\nindicators: [{ name: a, selector: up }]`,
      'remoteWrite.maxBodyBytes',
      /size like 512KiB/,
    ],
    [
      'huge size',
      `remoteWrite: { maxBodyBytes: 900GiB }\nindicators: [{ name: a, selector: up }]`,
      'remoteWrite.maxBodyBytes',
      /to 1073741824/,
    ],
    [
      'bad enabled',
      `remoteWrite: { enabled: yes please }\nindicators: [{ name: a, selector: up }]`,
      'remoteWrite.enabled',
      /true or false/,
    ],
    ['long string value', `interval: '${'x'.repeat(5000)}'\n${BASE}`, 'interval', /x{60}…/],
  ])('rejects %s, naming the key', (_name, text, key, message) => {
    const e = errorOf(text);
    expect(e.key).toBe(key);
    expect(e.message).toMatch(message);
    expect(e.message.length).toBeLessThan(400);
  });

  it('names the file secret that cannot be read', () => {
    const e = errorOf(
      `remoteWrite: { bearerToken: { file: /nope } }\nindicators: [{ name: a, selector: up }]`,
      {},
      () => {
        throw new Error('ENOENT: no such file');
      }
    );
    expect(e.key).toBe('remoteWrite.bearerToken.file');
    expect(e.message).toMatch(/"\/nope" cannot be read: ENOENT/);
  });

  it('refuses YAML alias bombs instead of expanding them', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) {
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`
      );
    }
    expect(errorOf(bomb.join('\n')).key).toBe('(file)');
  });
});
