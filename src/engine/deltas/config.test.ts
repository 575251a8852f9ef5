import fc from 'fast-check';
import { ConfigError, parseConfig } from '../config';

const BASE = `
prometheus: { url: http://prom:9090 }
indicators:
  - { name: cpu, query: 'x' }
`;
const ENV = { UP_TOKEN: 'up-secret', EDGE_A: 'a-secret', EDGE_B: 'b-secret', STREAM_TOKEN: 's' };

const parse = (extra: string, env: NodeJS.ProcessEnv = ENV) => parseConfig(BASE + extra, {}, { env });

function errorOf(text: string, env: NodeJS.ProcessEnv = ENV): ConfigError {
  try {
    parseConfig(text, {}, { env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('differential stream config (edge, upstream, central, stream)', () => {
  it('defaults: the host name as edge, no upstream, no central, the stream on', () => {
    const c = parse('');
    expect(c.deltas.edge.length).toBeGreaterThan(0);
    expect(c.deltas.upstream).toBeUndefined();
    expect(c.deltas.central).toBeUndefined();
    expect(c.deltas.stream).toEqual({
      enabled: true,
      bearerToken: undefined,
      encoder: { deadband: 0.01, quantum: 0.001, keyframeEvery: 240 },
      heartbeatMs: 15_000,
      maxClients: 100,
      maxBufferBytes: 1024 ** 2,
    });
  });

  it('resolves an edge with its upstream, and a central with its tokens', () => {
    const c = parse(`
interval: 5s
edge: site-1.eu
upstream: { url: 'http://central:9464/', token: { env: UP_TOKEN }, deadband: 0.02, quantum: 0.0005, keyframeEvery: 40, timeout: 3s }
central: { tokens: [{ env: EDGE_A }, { env: EDGE_B }], maxEdges: 3, staleness: 10m }
stream: { bearerToken: { env: STREAM_TOKEN }, heartbeat: 5s, maxBufferBytes: 64KiB }
`);
    expect(c.deltas.edge).toBe('site-1.eu');
    expect(c.deltas.upstream).toEqual({
      url: 'http://central:9464/api/v1/deltas',
      headers: { authorization: 'Bearer up-secret' },
      intervalMs: 5000,
      timeoutMs: 3000,
      maxBackoffMs: 60_000,
      encoder: { deadband: 0.02, quantum: 0.0005, keyframeEvery: 40 },
    });
    expect(c.deltas.central).toEqual({
      tokens: ['a-secret', 'b-secret'],
      maxEdges: 3,
      maxSeriesPerEdge: 100_000,
      maxFrameBytes: 4 * 1024 ** 2,
      stalenessMs: 600_000,
      sigmaMin: 0.02,
      trendWindow: 10,
    });
    expect(c.deltas.stream).toMatchObject({ bearerToken: 's', heartbeatMs: 5000, maxBufferBytes: 65_536 });
  });

  it('lets a central run without indicators of its own, and nothing else', () => {
    const c = parseConfig('central: {}\n', {}, { env: {} });
    expect(c.indicators).toEqual([]);
    expect(c.deltas.central?.tokens).toEqual([]);
    expect(errorOf('listen: 127.0.0.1:1\n').key).toBe('indicators');
    expect(errorOf('central: {}\nindicators: 3\n').key).toBe('indicators');
  });

  it.each([
    ['edge with a space', 'edge: "my edge"', 'edge', /edge must be 1 to 128 characters/],
    ['edge too long', `edge: ${'e'.repeat(129)}`, 'edge', /edge must be/],
    ['edge not a string', 'edge: 3', 'edge', /non-empty string/],
    ['upstream not a map', 'upstream: http://c', 'upstream', /must be a map/],
    ['upstream without url', 'upstream: {}', 'upstream.url', /non-empty string/],
    ['upstream url not a URL', 'upstream: { url: central }', 'upstream.url', /http\(s\) URL/],
    ['upstream url ftp', 'upstream: { url: "ftp://c" }', 'upstream.url', /http or https/],
    ['inline token', 'upstream: { url: "http://c", token: abc }', 'upstream.token', /inline string/],
    ['unset token env', 'upstream: { url: "http://c", token: { env: NOPE } }', 'upstream.token.env', /not set/],
    ['negative deadband', 'upstream: { url: "http://c", deadband: -1 }', 'upstream.deadband', /0 or more/],
    ['quantum 0', 'upstream: { url: "http://c", quantum: 0 }', 'upstream.quantum', /quantum/],
    ['quantum text', 'upstream: { url: "http://c", quantum: "1" }', 'upstream.quantum', /quantum/],
    ['keyframeEvery 0', 'upstream: { url: "http://c", keyframeEvery: 0 }', 'upstream.keyframeEvery', /keyframeEvery/],
    ['interval below the engine', 'upstream: { url: "http://c", interval: 1s }', 'upstream.interval', /from 15s/],
    ['timeout bare number', 'upstream: { url: "http://c", timeout: 10 }', 'upstream.timeout', /duration/],
    ['unknown upstream key', 'upstream: { url: "http://c", urls: [] }', 'upstream.urls', /not a known key/],
    ['tokens empty', 'central: { tokens: [] }', 'central.tokens', /non-empty list/],
    ['tokens inline', 'central: { tokens: [abc] }', 'central.tokens[0]', /inline string/],
    ['maxEdges 0', 'central: { maxEdges: 0 }', 'central.maxEdges', /from 1 to 100000/],
    ['maxFrameBytes tiny', 'central: { maxFrameBytes: 10 }', 'central.maxFrameBytes', /size/],
    ['central staleness', 'central: { staleness: 1s }', 'central.staleness', /from 15s/],
    ['sigmaMin 0', 'central: { sigmaMin: 0 }', 'central.sigmaMin', /sigmaMin/],
    ['trendWindow 1', 'central: { trendWindow: 1 }', 'central.trendWindow', /from 2 to 10000/],
    ['trendWindow fraction', 'central: { trendWindow: 2.5 }', 'central.trendWindow', /integer/],
    ['unknown central key', 'central: { token: x }', 'central.token', /not a known key/],
    ['stream enabled text', 'stream: { enabled: "yes" }', 'stream.enabled', /true or false/],
    ['stream maxClients', 'stream: { maxClients: 1.5 }', 'stream.maxClients', /integer/],
    ['stream buffer', 'stream: { maxBufferBytes: 1GB2 }', 'stream.maxBufferBytes', /size/],
    ['stream heartbeat', 'stream: { heartbeat: 0s }', 'stream.heartbeat', /duration/],
    ['stream deadband', 'stream: { deadband: .nan }', 'stream.deadband', /deadband/],
  ])('%s → an error naming %s', (_what, yaml, key, message) => {
    const e = errorOf(BASE + yaml + '\n');
    expect(e.key).toBe(key);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(key.replace(/\[\d+\]$/, ''))).toBe(true);
  });

  it('never throws anything but a ConfigError for hostile values in these sections', () => {
    const value = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('url', 'token', 'tokens', 'deadband', 'env', 'x'), fc.string(), { maxKeys: 3 })
    );
    fc.assert(
      fc.property(fc.constantFrom('edge', 'upstream', 'central', 'stream'), value, (key, v) => {
        const doc = JSON.stringify({
          prometheus: { url: 'http://p' },
          indicators: [{ name: 'a', query: 'x' }],
          [key]: v,
        });
        try {
          parseConfig(doc, {}, { env: {} });
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 400 }
    );
  });
});
