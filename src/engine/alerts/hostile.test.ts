/**
 * Hostile bodies at POST /api/v1/alerts (fast-check, through fastify.inject with valid credentials, so that
 * they reach the parser): random JSON, wrong types at every field of a real payload, huge arrays and strings,
 * deep nesting, prototype-pollution keys. Always a 4xx with a sentence, never a crash, the sink never called.
 */
import fc from 'fast-check';
import pino from 'pino';
import { parseConfig } from '../config';
import { Engine } from '../engine';
import { ALERTMANAGER_FIRING, copy, GRAFANA_SCALE_DOWN, RecordingSink } from './fixtures';

const HEADERS = { authorization: 'Bearer t', 'content-type': 'application/json' };
const sink = new RecordingSink();
const engine = new Engine(
  parseConfig(
    'indicators: [{ name: l, selector: x }]\nalerts: { bearerToken: { env: T }, maxBodyBytes: 1MiB }',
    {},
    {
      env: { T: 't' },
    }
  ),
  pino({ level: 'silent' }),
  Date.now,
  { alertSink: sink }
);

async function send(payload: string | Buffer) {
  const res = await engine.server.inject({ method: 'POST', url: '/api/v1/alerts', headers: HEADERS, payload });
  return { status: res.statusCode, body: res.json() as { error?: string } };
}

/** Every path to a value inside a payload, e.g. `['alerts', 0, 'labels', 'host']`. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) {
    return [prefix];
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

/** A value of the wrong kind for almost any field (the `fc.constant`s are the classic troublemakers). */
const wrongValue = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1e308, '', 'firing', [], {}, [[[]]], { __proto__: { polluted: 1 } }),
  fc.double(),
  fc.string({ maxLength: 30 }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 })
);

afterEach(() => {
  expect(sink.calls).toHaveLength(0);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe('hostile alert payloads', () => {
  it('random JSON is refused with a 400 sentence', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
        const r = await send(JSON.stringify(value) ?? 'null');
        expect(r.status).toBe(400);
        expect(r.body.error).toMatch(/^(the body|version|alerts|groupKey|status)/);
      }),
      { numRuns: 300 }
    );
  });

  it('a real payload with one field replaced by a wrong value is refused, naming a field, or is harmless', async () => {
    const bases = [ALERTMANAGER_FIRING, GRAFANA_SCALE_DOWN].map((b) => {
      // An alert-only copy: whatever a mutation leaves valid must not reach the sink either.
      const c = copy(b) as Record<string, any>;
      c.alerts[0].labels.healthentropy_action = 'alert_only';
      return c;
    });
    const all = bases.map((b) => paths(b).filter((p) => p.length > 0));
    const seen = { 200: 0, 400: 0 };
    await fc.assert(
      fc.asyncProperty(fc.nat(1), fc.nat(), wrongValue, async (which, pick, value) => {
        const body = copy(bases[which]);
        const path = all[which][pick % all[which].length];
        let at: any = body;
        path.slice(0, -1).forEach((k) => (at = at[k]));
        at[path[path.length - 1]] = value;
        const r = await send(JSON.stringify(body));
        expect([200, 400]).toContain(r.status);
        seen[r.status as 200 | 400]++;
        if (r.status === 400) {
          expect(r.body.error).toMatch(/^(the body|version|alerts|groupKey|status|receiver)/);
        }
      }),
      { numRuns: 500 }
    );
    // Both branches were exercised: most replacements break the payload, some (an annotation, a URL) do not.
    expect(seen[400]).toBeGreaterThan(100);
    expect(seen[200]).toBeGreaterThan(10);
  });

  it('random bytes are refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const r = await send(Buffer.from(bytes));
        expect(r.status).toBe(400);
      }),
      { numRuns: 200 }
    );
  });

  it.each<[string, () => string, RegExp]>([
    ['deep nesting', () => '['.repeat(200_000) + ']'.repeat(200_000), /the body/],
    [
      'deeply nested labels',
      () => JSON.stringify(ALERTMANAGER_FIRING).replace('"labels":', `"labels":${nest(50_000)},"x":`),
      /alerts\[0\]/,
    ],
    [
      'a huge alerts array',
      () => JSON.stringify({ ...ALERTMANAGER_FIRING, alerts: new Array(100_000).fill(0) }),
      /^alerts/,
    ],
    ['a huge label value', () => JSON.stringify(withLabel('host', 'h'.repeat(500_000))), /at most 16384/],
    ['many labels', () => JSON.stringify(withLabels(5000)), /has 5000 entries; at most 256/],
    ['__proto__ at the top', () => `{"__proto__": ${JSON.stringify(ALERTMANAGER_FIRING)}}`, /^version/],
    [
      'constructor.prototype',
      () => '{"constructor": {"prototype": {"polluted": 1}}, "version": "4", "alerts": []}',
      /^groupKey/,
    ],
    [
      '__proto__ as labels',
      () => JSON.stringify(ALERTMANAGER_FIRING).replace('"labels":', '"labels":{"__proto__":{"polluted":1}},"x":'),
      /labels/,
    ],
  ])('%s is refused', async (_name, make, message) => {
    const body = make();
    const r = await send(body.length > 1024 * 1024 ? body.slice(0, 1024 * 1024 - 1) : body);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(message);
  });

  it('a body over the limit is refused with 413 before it is read', async () => {
    const r = await send('['.repeat(2 * 1024 * 1024));
    expect(r.status).toBe(413);
  });
});

/** `{"a":{"a":…"x"…}}` written as text (JSON.stringify itself overflows the stack at this depth). */
function nest(depth: number): string {
  return '{"a":'.repeat(depth) + '"x"' + '}'.repeat(depth);
}

function withLabel(name: string, value: string) {
  const b = copy(ALERTMANAGER_FIRING) as Record<string, any>;
  b.alerts[0].labels[name] = value;
  return b;
}

function withLabels(n: number) {
  const b = copy(ALERTMANAGER_FIRING) as Record<string, any>;
  b.alerts[0].labels = Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, 'v']));
  return b;
}
