import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../config';
import { signingKey } from './webhook-config';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const ENV = { HOOK_SECRET: SECRET };

/** A valid config with `resource` and `webhook` spliced in (flow-style YAML). */
function config(
  resource: string,
  webhook = '{ url: http://hooks:8080/actions, secret: { env: HOOK_SECRET } }'
): string {
  return `
store: { path: /tmp/x.db }
prometheus: { url: http://prom:9090 }
indicators:
  - { name: cpu, query: x }
  - { name: mem, query: y }
webhook: ${webhook}
resources:
  - ${resource}
`;
}
const GOOD = '{ name: db, hosts: { host: "db-.*" }, utilization: cpu, cpu: { current: 4, min: 2, max: 16, step: 2 } }';

function errorOf(text: string, env: NodeJS.ProcessEnv = ENV): ConfigError {
  try {
    parseConfig(text, {}, { env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resources and webhook config', () => {
  it('parses a resource with defaults', () => {
    const c = parseConfig(config(GOOD), {}, { env: ENV });
    expect(c.resources).toHaveLength(1);
    const r = c.resources[0];
    expect(r).toMatchObject({
      name: 'db',
      allocation: { cpu: { current: 4, min: 2, max: 16, step: 2 } },
      queries: {},
      utilization: { indicator: 'cpu', full: 1 },
      policy: { theta: 0.15, for: 3, cooldownUpMs: 300_000, cooldownDownMs: 1_800_000, dryRun: false },
    });
    expect(r.hosts.regex.test('db-1:9100')).toBe(true);
    // Fully anchored, as PromQL =~: "db-.*" does not match "mydb-1".
    expect(r.hosts.regex.test('mydb-1')).toBe(false);
    expect(c.webhook).toMatchObject({
      url: 'http://hooks:8080/actions',
      timeoutMs: 10_000,
      maxAgeMs: 86_400_000,
      backoff: { initialMs: 1000, maxMs: 300_000 },
      maxRetryAfterMs: 3_600_000,
      retentionMs: 7 * 86_400_000,
    });
    expect(c.webhook?.key.equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('parses every key', () => {
    const c = parseConfig(
      config(
        `{ name: web, hosts: { host: "web-[0-9]+" }, utilization: { indicator: mem, full: 64 },
           cpu: { current: 2, min: 1, max: 8, step: 1, query: 'sum(cpu_limit)' },
           memory: { current: 4096, min: 1024, max: 16384, step: 1024 },
           replicas: { current: 3, min: 2, max: 10, step: 1 },
           policy: { theta: 0.2, zThreshold: 3, for: 2, uHigh: 0.7, uLow: 0.2, lowEntropy: 0.25,
                     cooldownUp: 2m, cooldownDown: 1h, trendThreshold: 0.001, scoreThreshold: 0.6, dryRun: true } }`,
        `{ url: 'https://h.example/x?team=a', secret: { env: HOOK_SECRET }, timeout: 3s, maxAge: 2h,
           backoff: { initial: 500ms, max: 1m }, maxRetryAfter: 10m, retention: 1d }`
      ),
      {},
      { env: ENV }
    );
    expect(c.resources[0]).toMatchObject({
      queries: { cpu: 'sum(cpu_limit)' },
      utilization: { indicator: 'mem', full: 64 },
      allocation: { replicas: { current: 3, min: 2, max: 10, step: 1 } },
      policy: { theta: 0.2, zThreshold: 3, for: 2, cooldownUpMs: 120_000, cooldownDownMs: 3_600_000, dryRun: true },
    });
    expect(c.webhook).toMatchObject({
      url: 'https://h.example/x?team=a',
      timeoutMs: 3000,
      maxAgeMs: 7_200_000,
      backoff: { initialMs: 500, maxMs: 60_000 },
      maxRetryAfterMs: 600_000,
      retentionMs: 86_400_000,
    });
  });

  it('a raw secret is used as its UTF-8 bytes; a whsec_ secret is base64-decoded', () => {
    expect(signingKey('k', 'a-raw-secret-of-20ch').toString('utf8')).toBe('a-raw-secret-of-20ch');
    expect(signingKey('k', SECRET).toString('base64')).toBe(SECRET.slice(6));
  });

  it('no resources, no webhook: nothing changes for an engine without allocation', () => {
    const c = parseConfig('indicators: [{ name: a, selector: up }]', {}, { env: {} });
    expect(c.resources).toEqual([]);
    expect(c.webhook).toBeUndefined();
  });

  it.each<[string, string, string, RegExp]>([
    ['resources not a list', config(GOOD).replace('resources:\n  - ', 'resources: '), 'resources', /must be a list/],
    ['resource not a map', config('db'), 'resources[0]', /must be a map with name/],
    [
      'unknown resource key',
      config(GOOD.replace('name: db', 'name: db, gpu: 1')),
      'resources[0].gpu',
      /not a known key.*cpu, memory, replicas/,
    ],
    ['missing name', config(GOOD.replace('name: db, ', '')), 'resources[0].name', /non-empty string/],
    ['bad name', config(GOOD.replace('name: db', 'name: "my db"')), 'resources[0].name', /letters, digits/],
    ['duplicate name', config(`${GOOD}\n  - ${GOOD}`), 'resources[1].name', /unique/],
    [
      'missing hosts',
      config(GOOD.replace('hosts: { host: "db-.*" }, ', '')),
      'resources[0].hosts',
      /must be a map \{ host/,
    ],
    [
      'hosts as a string',
      config(GOOD.replace('{ host: "db-.*" }', '"db-.*"')),
      'resources[0].hosts',
      /must be a map \{ host/,
    ],
    [
      'hosts on another label',
      config(GOOD.replace('host: "db-.*"', 'job: db')),
      'resources[0].hosts.job',
      /not a known key.*host/,
    ],
    [
      'bad host regex',
      config(GOOD.replace('"db-.*"', '"db-("')),
      'resources[0].hosts.host',
      /not a regular expression/,
    ],
    [
      'no dimension',
      config('{ name: db, hosts: { host: x }, utilization: cpu }'),
      'resources[0]',
      /at least one dimension/,
    ],
    [
      'dimension not a map',
      config(GOOD.replace('{ current: 4, min: 2, max: 16, step: 2 }', '4')),
      'resources[0].cpu',
      /must be a map/,
    ],
    [
      'unknown dimension key',
      config(GOOD.replace('step: 2', 'step: 2, limit: 3')),
      'resources[0].cpu.limit',
      /not a known key/,
    ],
    [
      'missing current',
      config(GOOD.replace('current: 4, ', '')),
      'resources[0].cpu.current',
      /finite number, got undefined/,
    ],
    ['string min', config(GOOD.replace('min: 2', 'min: "2"')), 'resources[0].cpu.min', /finite number, got "2"/],
    [
      'current above max',
      config(GOOD.replace('current: 4', 'current: 40')),
      'resources[0].cpu.current',
      /between min \(2\) and max \(16\)/,
    ],
    ['max below min', config(GOOD.replace('max: 16', 'max: 1')), 'resources[0].cpu.current', /between min/],
    ['zero step', config(GOOD.replace('step: 2', 'step: 0')), 'resources[0].cpu.step', /greater than 0/],
    ['infinite max', config(GOOD.replace('max: 16', 'max: .inf')), 'resources[0].cpu.max', /finite number/],
    [
      'fractional replicas',
      config(GOOD.replace('cpu: {', 'replicas: { current: 1.5, min: 1, max: 3, step: 1 }, cpu: {')),
      'resources[0].replicas.current',
      /whole number of replicas/,
    ],
    [
      'empty query',
      config(GOOD.replace('step: 2', "step: 2, query: ''")),
      'resources[0].cpu.query',
      /non-empty string/,
    ],
    ['missing utilization', config(GOOD.replace('utilization: cpu, ', '')), 'resources[0].utilization', /is required/],
    [
      'unknown utilization indicator',
      config(GOOD.replace('utilization: cpu', 'utilization: disk')),
      'resources[0].utilization.indicator',
      /not a configured indicator \(have: cpu, mem\)/,
    ],
    [
      'zero full',
      config(GOOD.replace('utilization: cpu', 'utilization: { indicator: cpu, full: 0 }')),
      'resources[0].utilization.full',
      /number from/,
    ],
    [
      'unknown utilization key',
      config(GOOD.replace('utilization: cpu', 'utilization: { indicator: cpu, of: 1 }')),
      'resources[0].utilization.of',
      /not a known key/,
    ],
    [
      'policy not a map',
      config(GOOD.replace('name: db', 'name: db, policy: strict')),
      'resources[0].policy',
      /must be a map/,
    ],
    [
      'unknown policy key',
      config(GOOD.replace('name: db', 'name: db, policy: { tehta: 1 }')),
      'resources[0].policy.tehta',
      /not a known key.*theta/,
    ],
    [
      'policy ms key refused',
      config(GOOD.replace('name: db', 'name: db, policy: { cooldownUpMs: 1 }')),
      'resources[0].policy.cooldownUpMs',
      /not a known key.*cooldownUp/,
    ],
    [
      'bad theta',
      config(GOOD.replace('name: db', 'name: db, policy: { theta: -1 }')),
      'resources[0].policy.theta',
      /greater than 0/,
    ],
    [
      'bad for',
      config(GOOD.replace('name: db', 'name: db, policy: { for: 0 }')),
      'resources[0].policy.for',
      /integer from 1/,
    ],
    [
      'uLow above uHigh',
      config(GOOD.replace('name: db', 'name: db, policy: { uLow: 0.9 }')),
      'resources[0].policy.uLow',
      /must be below resources\[0\].policy.uHigh/,
    ],
    [
      'uHigh above 1',
      config(GOOD.replace('name: db', 'name: db, policy: { uHigh: 80 }')),
      'resources[0].policy.uHigh',
      /between 0 and 1, got 80/,
    ],
    [
      'bare-number cooldown',
      config(GOOD.replace('name: db', 'name: db, policy: { cooldownUp: 300 }')),
      'resources[0].policy.cooldownUp',
      /duration like/,
    ],
    [
      'dryRun as a string',
      config(GOOD.replace('name: db', 'name: db, policy: { dryRun: "yes" }')),
      'resources[0].policy.dryRun',
      /true or false/,
    ],
    [
      'no store',
      config(GOOD).replace('store: { path: /tmp/x.db }', ''),
      'store.path',
      /required: resources are configured/,
    ],
    [
      'no webhook',
      config(GOOD).replace(/webhook: .*\n/, ''),
      'webhook.url',
      /required: resources are configured \(db…\)/,
    ],
    [
      'query without prometheus',
      `store: { path: /x.db }
indicators: [{ name: cpu, selector: up }]
webhook: { url: http://x, secret: { env: HOOK_SECRET } }
resources: [{ name: db, hosts: { host: x }, utilization: cpu, cpu: { current: 1, min: 1, max: 2, step: 1, query: q } }]`,
      'prometheus.url',
      /resources\[0\].cpu.query reads/,
    ],
    ['webhook not a map', config(GOOD, 'http://x'), 'webhook', /must be a map/],
    [
      'unknown webhook key',
      config(GOOD, '{ url: http://x, secret: { env: HOOK_SECRET }, retries: 3 }'),
      'webhook.retries',
      /not a known key/,
    ],
    ['missing url', config(GOOD, '{ secret: { env: HOOK_SECRET } }'), 'webhook.url', /non-empty string/],
    [
      'relative url',
      config(GOOD, '{ url: /actions, secret: { env: HOOK_SECRET } }'),
      'webhook.url',
      /absolute http\(s\) URL/,
    ],
    [
      'ftp url',
      config(GOOD, '{ url: "ftp://x/a", secret: { env: HOOK_SECRET } }'),
      'webhook.url',
      /http or https, got "ftp"/,
    ],
    [
      'file url',
      config(GOOD, '{ url: "file:///etc/passwd", secret: { env: HOOK_SECRET } }'),
      'webhook.url',
      /http or https/,
    ],
    [
      'url with credentials',
      config(GOOD, '{ url: "https://u:p@x/a", secret: { env: HOOK_SECRET } }'),
      'webhook.url',
      /user:password/,
    ],
    [
      'url with fragment',
      config(GOOD, '{ url: "https://x/a#b", secret: { env: HOOK_SECRET } }'),
      'webhook.url',
      /fragment/,
    ],
    ['missing secret', config(GOOD, '{ url: http://x }'), 'webhook.secret', /is required/],
    [
      'inline secret',
      config(GOOD, '{ url: http://x, secret: hunter2hunter2hunter2 }'),
      'webhook.secret',
      /not accepted inline/,
    ],
    [
      'unset secret env',
      config(GOOD, '{ url: http://x, secret: { env: NOPE } }'),
      'webhook.secret.env',
      /NOPE, which is not set/,
    ],
    [
      'bad timeout',
      config(GOOD, '{ url: http://x, secret: { env: HOOK_SECRET }, timeout: 10 }'),
      'webhook.timeout',
      /duration like/,
    ],
    [
      'huge timeout',
      config(GOOD, '{ url: http://x, secret: { env: HOOK_SECRET }, timeout: 2h }'),
      'webhook.timeout',
      /to 10m/,
    ],
    [
      'tiny maxAge',
      config(GOOD, '{ url: http://x, secret: { env: HOOK_SECRET }, maxAge: 10ms }'),
      'webhook.maxAge',
      /from 1s/,
    ],
    [
      'backoff max below initial',
      config(GOOD, '{ url: http://x, secret: { env: HOOK_SECRET }, backoff: { initial: 1m, max: 1s } }'),
      'webhook.backoff.max',
      /from 1m/,
    ],
    [
      'unknown backoff key',
      config(GOOD, '{ url: http://x, secret: { env: HOOK_SECRET }, backoff: { factor: 3 } }'),
      'webhook.backoff.factor',
      /not a known key/,
    ],
    [
      'retention below maxAge',
      config(GOOD, '{ url: http://x, secret: { env: HOOK_SECRET }, maxAge: 2d, retention: 1d }'),
      'webhook.retention',
      /from 2d/,
    ],
  ])('rejects %s, naming the key', (_name, text, key, message) => {
    const e = errorOf(text);
    expect(e.key).toBe(key);
    expect(e.message).toMatch(message);
    expect(e.message.length).toBeLessThan(400);
  });

  it.each<[string, string, RegExp]>([
    ['short raw secret', 'tooshort', /8 characters; a raw secret needs at least 16/],
    ['whsec_ not base64', 'whsec_not*base64!', /not base64 of 24 to 64 bytes/],
    ['whsec_ too short', `whsec_${Buffer.alloc(8).toString('base64')}`, /not base64 of 24 to 64 bytes/],
    ['whsec_ too long', `whsec_${Buffer.alloc(100).toString('base64')}`, /not base64 of 24 to 64 bytes/],
  ])('rejects a %s without showing it', (_name, value, message) => {
    const e = errorOf(config(GOOD), { HOOK_SECRET: value });
    expect(e.key).toBe('webhook.secret');
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain(value);
  });

  it('hostile resource values are refused with a ConfigError, never another exception', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('name', 'hosts', 'utilization', 'cpu', 'policy'), (value, key) => {
        const resource = JSON.stringify({
          name: 'db',
          hosts: { host: 'db-.*' },
          utilization: 'cpu',
          cpu: { current: 4, min: 2, max: 16, step: 2 },
          [key]: value,
        });
        try {
          parseConfig(config(resource), {}, { env: ENV });
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          expect((e as ConfigError).key).toMatch(/^resources\[0\]/);
        }
      }),
      { numRuns: 300 }
    );
  });

  describe('shipped configs', () => {
    const root = join(__dirname, '..', '..', '..');
    const env = { HEALTH_ENTROPY_WEBHOOK_SECRET: SECRET, HEALTH_ENTROPY_ALERTS_TOKEN: 'alerts-token' };

    it('deploy/engine/engine.yaml (the compose stack) sends dry-run actions to the demo receiver', () => {
      const c = parseConfig(readFileSync(join(root, 'deploy/engine/engine.yaml'), 'utf8'), {}, { env });
      expect(c.webhook?.url).toBe('http://webhook-receiver:8080/actions');
      expect(c.webhook?.key.equals(Buffer.alloc(32, 7))).toBe(true);
      expect(
        c.resources.map((r) => [
          r.name,
          r.policy.dryRun,
          r.utilization && 'indicator' in r.utilization ? r.utilization.indicator : undefined,
        ])
      ).toEqual([['demo', true, 'cpu']]);
      const withoutSecret = { HEALTH_ENTROPY_ALERTS_TOKEN: 'alerts-token' };
      expect(() =>
        parseConfig(readFileSync(join(root, 'deploy/engine/engine.yaml'), 'utf8'), {}, { env: withoutSecret })
      ).toThrow(/webhook.secret.env names the environment variable HEALTH_ENTROPY_WEBHOOK_SECRET, which is not set/);
    });

    it('examples/engine.yaml is valid as shipped, and with its allocation block uncommented', () => {
      const text = readFileSync(join(root, 'examples/engine.yaml'), 'utf8');
      expect(parseConfig(text, {}, { env }).resources).toEqual([]);
      const lines = text.split('\n');
      const start = lines.indexOf('# webhook:');
      expect(start).toBeGreaterThan(0);
      const uncommented = [...lines.slice(0, start), ...lines.slice(start).map((l) => l.replace(/^# ?/, ''))].join(
        '\n'
      );
      const c = parseConfig(uncommented, {}, { env });
      expect(c.webhook?.url).toBe('https://hooks.example.com/health-entropy');
      expect(c.resources[0]).toMatchObject({
        name: 'db',
        queries: { replicas: 'kube_deployment_spec_replicas{deployment="db"}' },
        policy: { cooldownUpMs: 300_000, cooldownDownMs: 1_800_000, dryRun: false },
      });
    });
  });
});
