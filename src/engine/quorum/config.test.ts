import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError, parseConfig } from '../config';
import { CHECKS_NAME } from './config';

const PROM = 'prometheus: { url: http://prom:9090 }\n';
const QUORUM = `${PROM}quorum:
  observerLabel: prober
  checks: probe_success
  indicators:
    - { name: cpu, query: 'avg by (instance, prober) (x)' }
`;

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, {}, { env: {} });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('quorum config', () => {
  it('applies defaults; a quorum alone is a complete config', () => {
    const c = parseConfig(QUORUM, {}, { env: {} });
    expect(c.indicators).toEqual([]);
    const q = c.quorum!;
    expect(q).toMatchObject({ observerLabel: 'prober', hostLabel: 'instance' });
    expect(q.checks).toMatchObject({ name: CHECKS_NAME, query: 'probe_success', hostLabel: 'instance' });
    expect(q.indicators.map((i) => i.name)).toEqual(['quorum:cpu']);
    expect(q.indicators[0].pipeline.entropy).toMatchObject({ window: 60, bins: 10 });
    expect(q.options).toEqual({
      quorum: undefined,
      stalenessMs: 300_000,
      knownForMs: 3_600_000,
      zQuorum: 3,
      entropyLevel: undefined,
      forMs: 60_000,
      flagLevel: undefined,
      flagForMs: 1_800_000,
    });
  });

  it('reads every key; defaults apply to quorum indicators, which may override them', () => {
    const c = parseConfig(
      `${PROM}defaults: { window: 30, hostLabel: node, baseline: { warmup: 7 } }
indicators: [{ name: cpu, query: x }]
quorum:
  observerLabel: replica
  checks: up
  size: 2
  staleness: 2m
  knownFor: 30m
  unpredictable: { zQuorum: 2.5, entropyLevel: 0.9, for: 0s }
  flag: { entropyLevel: 0.8, for: 45m }
  indicators:
    - { name: cpu, query: y }
    - { name: mem, query: z, window: 20, hostLabel: host }
`,
      {},
      { env: {} }
    );
    const q = c.quorum!;
    expect(q.hostLabel).toBe('node');
    expect(q.checks?.hostLabel).toBe('node');
    expect(q.indicators[0]).toMatchObject({ name: 'quorum:cpu', hostLabel: 'node' });
    expect(q.indicators[0].pipeline).toMatchObject({ entropy: { window: 30 }, baseline: { warmup: 7 } });
    expect(q.indicators[1]).toMatchObject({
      name: 'quorum:mem',
      hostLabel: 'host',
      pipeline: { entropy: { window: 20 } },
    });
    expect(q.options).toEqual({
      quorum: 2,
      stalenessMs: 120_000,
      knownForMs: 1_800_000,
      zQuorum: 2.5,
      entropyLevel: 0.9,
      forMs: 0,
      flagLevel: 0.8,
      flagForMs: 2_700_000,
    });
    expect(c.indicators.map((i) => i.name)).toEqual(['cpu']);
  });

  it('checks only, or indicators only', () => {
    expect(parseConfig(`${PROM}quorum: { observerLabel: p, checks: up }`, {}, { env: {} }).quorum?.indicators).toEqual(
      []
    );
    const only = parseConfig(
      `${PROM}quorum: { observerLabel: p, indicators: [{ name: a, query: x }] }`,
      {},
      { env: {} }
    );
    expect(only.quorum?.checks).toBeUndefined();
  });

  it.each<[string, string, string, RegExp]>([
    ['not a map', `${PROM}quorum: yes`, 'quorum', /quorum must be a map/],
    ['unknown key', `${PROM}quorum: { observerLabel: p, checks: up, sise: 2 }`, 'quorum.sise', /not a known key/],
    ['no observer label', `${PROM}quorum: { checks: up }`, 'quorum.observerLabel', /non-empty string/],
    [
      'observer label not a label',
      `${PROM}quorum: { observerLabel: 'a-b', checks: up }`,
      'quorum.observerLabel',
      /Prometheus label name/,
    ],
    [
      'host label not a label',
      `${PROM}quorum: { observerLabel: p, hostLabel: '1x', checks: up }`,
      'quorum.hostLabel',
      /label name/,
    ],
    [
      'observer = host label',
      `${PROM}quorum: { observerLabel: instance, checks: up }`,
      'quorum.observerLabel',
      /must differ/,
    ],
    ['nothing to assess', `${PROM}quorum: { observerLabel: p }`, 'quorum', /checks, indicators or both/],
    ['checks empty', `${PROM}quorum: { observerLabel: p, checks: '' }`, 'quorum.checks', /non-empty string/],
    ['checks a list', `${PROM}quorum: { observerLabel: p, checks: [up] }`, 'quorum.checks', /non-empty string/],
    ['no prometheus', `quorum: { observerLabel: p, checks: up }`, 'prometheus.url', /required/],
    [
      'size 0',
      `${PROM}quorum: { observerLabel: p, checks: up, size: 0 }`,
      'quorum.size',
      /quorum\.size must be an integer from 1/,
    ],
    ['size text', `${PROM}quorum: { observerLabel: p, checks: up, size: two }`, 'quorum.size', /integer/],
    [
      'staleness bare number',
      `${PROM}quorum: { observerLabel: p, checks: up, staleness: 300 }`,
      'quorum.staleness',
      /duration like/,
    ],
    [
      'staleness below interval',
      `${PROM}interval: 1m\nquorum: { observerLabel: p, checks: up, staleness: 10s }`,
      'quorum.staleness',
      /from 1m/,
    ],
    [
      'knownFor below staleness',
      `${PROM}quorum: { observerLabel: p, checks: up, staleness: 10m, knownFor: 5m }`,
      'quorum.knownFor',
      /must be ≥ quorum\.staleness/,
    ],
    [
      'unpredictable unknown key',
      `${PROM}quorum: { observerLabel: p, checks: up, unpredictable: { z: 3 } }`,
      'quorum.unpredictable.z',
      /not a known key/,
    ],
    [
      'zQuorum negative',
      `${PROM}quorum: { observerLabel: p, checks: up, unpredictable: { zQuorum: -2 } }`,
      'quorum.unpredictable.zQuorum',
      /greater than 0/,
    ],
    [
      'entropyLevel above 1',
      `${PROM}quorum: { observerLabel: p, checks: up, unpredictable: { entropyLevel: 2 } }`,
      'quorum.unpredictable.entropyLevel',
      /\(0, 1\]/,
    ],
    [
      'for not a duration',
      `${PROM}quorum: { observerLabel: p, checks: up, unpredictable: { for: 3 } }`,
      'quorum.unpredictable.for',
      /duration/,
    ],
    ['flag a list', `${PROM}quorum: { observerLabel: p, checks: up, flag: [1] }`, 'quorum.flag', /must be a map/],
    [
      'flag level text',
      `${PROM}quorum: { observerLabel: p, checks: up, flag: { entropyLevel: high } }`,
      'quorum.flag.entropyLevel',
      /level in \(0, 1\]/,
    ],
    [
      'flag for too long',
      `${PROM}quorum: { observerLabel: p, checks: up, flag: { for: 400d } }`,
      'quorum.flag.for',
      /to 30d/,
    ],
    [
      'indicators a map',
      `${PROM}quorum: { observerLabel: p, indicators: { a: 1 } }`,
      'quorum.indicators',
      /must be a list/,
    ],
    [
      'indicator by selector',
      `${PROM}quorum: { observerLabel: p, indicators: [{ name: a, selector: up }] }`,
      'quorum.indicators[0].selector',
      /polled/,
    ],
    [
      'indicator without query',
      `${PROM}quorum: { observerLabel: p, indicators: [{ name: a }] }`,
      'quorum.indicators[0]',
      /exactly one/,
    ],
    [
      'indicator bad window',
      `${PROM}quorum: { observerLabel: p, indicators: [{ name: a, query: x, window: 1 }] }`,
      'quorum.indicators[0].window',
      /window must be an integer/,
    ],
    [
      'indicator named checks',
      `${PROM}quorum: { observerLabel: p, indicators: [{ name: checks, query: x }] }`,
      'quorum.indicators[0].name',
      /reserved/,
    ],
    [
      'indicator twice',
      `${PROM}quorum: { observerLabel: p, indicators: [{ name: a, query: x }, { name: a, query: y }] }`,
      'quorum.indicators[1].name',
      /earlier quorum indicator/,
    ],
    [
      'indicator host label = observer',
      `${PROM}quorum: { observerLabel: p, indicators: [{ name: a, query: x, hostLabel: p }] }`,
      'quorum.indicators[0].hostLabel',
      /must differ/,
    ],
    ['top-level indicators still required without a quorum', PROM, 'indicators', /non-empty list/],
    [
      'top-level indicators empty with a quorum is fine, but not a map',
      `${PROM}indicators: {}\nquorum: { observerLabel: p, checks: up }`,
      'indicators',
      /non-empty list/,
    ],
  ])('%s → %s', (_, text, key, message) => {
    const e = errorOf(text);
    expect(e.key).toBe(key);
    expect(e.message).toMatch(message);
  });

  it('any value at any quorum key is accepted or refused with a ConfigError naming a quorum (or prometheus) key', () => {
    const keys = [
      'observerLabel',
      'hostLabel',
      'checks',
      'size',
      'staleness',
      'knownFor',
      'unpredictable',
      'flag',
      'indicators',
    ];
    const hostile = fc.oneof(
      fc.anything({ maxDepth: 2 }),
      fc.string({ maxLength: 5000 }),
      fc.constantFrom('', '0s', '1000000d', 'NaN', '-1', '__proto__', 1e308, -0, [], {})
    );
    fc.assert(
      fc.property(fc.constantFrom(...keys), hostile, (key, value) => {
        const doc = {
          prometheus: { url: 'http://p:9090' },
          quorum: { observerLabel: 'p', checks: 'up', [key]: value },
        };
        let text: string;
        try {
          text = stringify(doc);
        } catch {
          return; // not representable as YAML
        }
        try {
          parseConfig(text, {}, { env: {} });
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          expect((e as ConfigError).key).toMatch(/^(quorum|defaults\.hostLabel|indicators|\(file\))/);
        }
      }),
      { numRuns: 300 }
    );
  });
});
