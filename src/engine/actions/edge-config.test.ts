import fc from 'fast-check';
import { ConfigError, parseConfig } from '../config';

const ENV = { HOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}` };

/** A central (no indicators of its own) with `resource` spliced in; `extra` replaces the prometheus line. */
function central(resource: string, extra = 'prometheus: { url: http://prom:9090 }\ncentral: {}'): string {
  return `
store: { path: /tmp/x.db }
${extra}
webhook: { url: http://hooks:8080/actions, secret: { env: HOOK_SECRET } }
resources:
  - ${resource}
`;
}
const EDGE = '{ name: db, hosts: { host: "db-.*", edge: "eu-.*" }, cpu: { current: 4, min: 2, max: 16, step: 2 } }';
const withUtil = (u: string) => EDGE.replace('cpu: {', `utilization: ${u}, cpu: {`);

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, {}, { env: ENV });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resources over a central’s edge hosts (hosts.edge, utilization.query)', () => {
  it('parses an edge matcher, fully anchored, with utilization optional', () => {
    const r = parseConfig(central(EDGE), {}, { env: ENV }).resources[0];
    expect(r.hosts.edge?.text).toBe('eu-.*');
    expect(r.hosts.edge?.regex.test('eu-west')).toBe(true);
    expect(r.hosts.edge?.regex.test('us-eu-1')).toBe(false);
    expect(r.hosts.edge?.regex.test('eu-1\nx')).toBe(true); // 's': `.` spans newlines, like PromQL's RE2
    expect(r.utilization).toBeUndefined();
  });

  it('parses the query form with the resource’s hostLabel, or defaults.hostLabel, or instance', () => {
    const u = 'utilization: { query: "cpu_ratio", full: 2 }';
    const a = parseConfig(central(withUtil('{ query: "q", hostLabel: node, full: 4 }')), {}, { env: ENV });
    expect(a.resources[0].utilization).toEqual({ query: 'q', hostLabel: 'node', full: 4 });
    const b = parseConfig(`defaults: { hostLabel: host }\n${central(withUtil('{ query: q }'))}`, {}, { env: ENV });
    expect(b.resources[0].utilization).toEqual({ query: 'q', hostLabel: 'host', full: 1 });
    // The query form works for a local resource too.
    const local = `
store: { path: /tmp/x.db }
prometheus: { url: http://prom:9090 }
indicators: [{ name: cpu, query: x }]
webhook: { url: http://hooks:8080/actions, secret: { env: HOOK_SECRET } }
resources: [{ name: db, hosts: { host: "db-.*" }, ${u}, cpu: { current: 4, min: 2, max: 16, step: 2 } }]
`;
    expect(parseConfig(local, {}, { env: ENV }).resources[0].utilization).toEqual({
      query: 'cpu_ratio',
      hostLabel: 'instance',
      full: 2,
    });
  });

  it.each<[string, string, string, RegExp]>([
    [
      'edge without a central',
      central(EDGE, 'prometheus: { url: http://prom:9090 }\nindicators: [{ name: cpu, query: x }]'),
      'resources[0].hosts.edge',
      /no central: section/,
    ],
    ['edge not a string', central(EDGE.replace('"eu-.*"', '[eu]')), 'resources[0].hosts.edge', /non-empty string/],
    ['edge empty', central(EDGE.replace('"eu-.*"', '""')), 'resources[0].hosts.edge', /non-empty string/],
    [
      'edge bad regex',
      central(EDGE.replace('"eu-.*"', '"eu-("')),
      'resources[0].hosts.edge',
      /not a regular expression/,
    ],
    ['unknown hosts key', central(EDGE.replace('edge:', 'edges:')), 'resources[0].hosts.edges', /not a known key/],
    [
      'indicator form on edge hosts',
      central(withUtil('cpu')),
      'resources[0].utilization.indicator',
      /frames carry entropy, not raw values/,
    ],
    ['query not a string', central(withUtil('{ query: 3 }')), 'resources[0].utilization.query', /string/],
    ['query empty', central(withUtil('{ query: "" }')), 'resources[0].utilization.query', /non-empty string/],
    [
      'bad hostLabel',
      central(withUtil('{ query: q, hostLabel: "a-b" }')),
      'resources[0].utilization.hostLabel',
      /label name/,
    ],
    ['full 0', central(withUtil('{ query: q, full: 0 }')), 'resources[0].utilization.full', /full/],
    [
      'unknown utilization key',
      central(withUtil('{ query: q, indicator: cpu }')),
      'resources[0].utilization.indicator',
      /not a known key/,
    ],
    [
      'query without prometheus',
      central(withUtil('{ query: q }'), 'central: {}'),
      'prometheus.url',
      /utilization.query reads utilization/,
    ],
  ])('rejects %s, naming %s', (_name, text, key, message) => {
    const e = errorOf(text);
    expect(e.key).toBe(key);
    expect(e.message).toMatch(message);
  });

  it('hostile hosts and utilization values are refused with a ConfigError naming the resource', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('hosts', 'utilization'), (value, key) => {
        const resource = JSON.stringify({
          name: 'db',
          hosts: { host: 'db-.*', edge: '.*' },
          utilization: { query: 'q' },
          cpu: { current: 4, min: 2, max: 16, step: 2 },
          [key]: key === 'hosts' ? { host: 'db-.*', edge: value } : value,
        });
        try {
          parseConfig(central(resource), {}, { env: ENV });
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          expect((e as ConfigError).key).toMatch(/^resources\[0\]/);
        }
      }),
      { numRuns: 300 }
    );
  });
});
