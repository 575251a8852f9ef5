import fc from 'fast-check';
import { parseConfig } from '../config';
import { selects } from '../selector';
import { EngineState } from '../state';
import { Telemetry } from '../telemetry';
import { encodeWriteRequest, EncodeSeries, snappy } from './encoder';
import { decodeWriteRequest } from './protobuf';
import { RemoteWriteReceiver } from './receiver';

const HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };
const NOW = 1_000_000;
// Two indicators select `up`: one series feeds two engine series (two routes).
const CONFIG = `
defaults: { window: 3, baseline: { warmup: 2 } }
indicators:
  - { name: up, selector: 'up' }
  - { name: upjob, selector: 'up{job="a"}', hostLabel: host }
  - { name: load, selector: 'load' }
`;

function newState(maxSeries: number): EngineState {
  const c = parseConfig(CONFIG, {}, { env: {} });
  return new EngineState({ indicators: c.indicators, hostBaseline: {}, stalenessMs: 60_000, maxSeries });
}

/**
 * The receiver's steps one sample at a time, through `EngineState.ingest`: the reference. Series that go
 * nowhere are counted first, then the samples (the order the counters' label sets are created in).
 */
function reference(state: EngineState, telemetry: Telemetry, body: Buffer): void {
  const inds = [...state.indicators.values()];
  const skipped: Record<string, number> = {};
  const count = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
  const decoded: Array<{ routes: Array<{ name: string; host: string }>; samples: Array<[number, number, boolean]> }> =
    [];
  decodeWriteRequest(body, {
    series: (_key, labels) => {
      const map = new Map(labels());
      const matched = inds.filter((i) => selects(i.selector!, map));
      const routes = matched
        .filter((i) => map.get(i.hostLabel))
        .map((i) => ({ name: i.name, host: map.get(i.hostLabel)! }));
      if (routes.length === 0) {
        count(matched.length > 0 ? 'no_host_label' : 'unmatched');
      }
      decoded.push({ routes, samples: [] });
    },
    sample: (t, v, stale) => decoded[decoded.length - 1].samples.push([t, v, stale]),
  });
  let admitted = 0;
  for (const { routes, samples } of decoded) {
    for (const [t, v, stale] of samples) {
      for (const r of routes) {
        if (stale) {
          state.end(r.name, r.host);
          count('stale_marker');
        } else if (t > NOW + 10 * 60_000) {
          count('too_far_in_future');
        } else {
          const reason = state.ingest(state.indicators.get(r.name)!, r.host, t, v, NOW);
          if (reason === undefined) {
            admitted++;
          } else {
            count(reason);
          }
        }
      }
    }
  }
  telemetry.ingested.inc({ source: 'remote_write' }, admitted);
  for (const [reason, n] of Object.entries(skipped)) {
    telemetry.skipped.inc({ source: 'remote_write', reason }, n);
  }
}

function summary(state: EngineState, telemetry: Telemetry) {
  const out: string[] = [];
  telemetry.render(out);
  const series = [...state.hosts.values()].flatMap((h) =>
    [...h.series.values()].map((s) => ({ ...s.snapshot(), ended: s.ended, current: s.current && { ...s.current } }))
  );
  return { series, telemetry: out.join('') };
}

const labels = fc.constantFrom<Array<[string, string]>>(
  [
    ['__name__', 'up'],
    ['instance', 'a'],
    ['job', 'a'],
    ['host', 'h1'],
  ],
  [
    ['__name__', 'up'],
    ['instance', 'b'],
  ],
  [
    ['__name__', 'load'],
    ['instance', 'a'],
  ],
  [
    ['__name__', 'load'],
    ['instance', ''],
  ],
  [['__name__', 'other']]
);
const sample = fc.tuple(
  fc.oneof(
    fc.integer({ min: 0, max: 40 }).map((k) => k * 1000),
    fc.constant(NOW + 3_600_000)
  ),
  fc.oneof(fc.double({ min: 0, max: 1 }), fc.constant(NaN), fc.constant<'stale'>('stale'))
);
const request = fc.array(fc.record({ labels, samples: fc.array(sample, { maxLength: 6 }) }), { maxLength: 8 });

describe('RemoteWriteReceiver', () => {
  it('leaves the state and counters as per-sample EngineState.ingest does', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 5 }), (reqs, max) => {
        const state = newState(max);
        const telemetry = new Telemetry();
        const receiver = new RemoteWriteReceiver(
          state,
          telemetry,
          { maxDecompressedBytes: 1 << 20, bearerToken: undefined },
          () => NOW
        );
        const refState = newState(max);
        const refTelemetry = new Telemetry();
        for (const r of reqs) {
          const raw = encodeWriteRequest(r as EncodeSeries[]);
          expect(receiver.handle(snappy(raw), HEADERS).status).toBe(204);
          reference(refState, refTelemetry, raw);
        }
        expect(summary(state, telemetry)).toEqual(summary(refState, refTelemetry));
      }),
      { numRuns: 300 }
    );
  });

  it('applies nothing from a request that fails to decode', () => {
    const state = newState(10);
    const receiver = new RemoteWriteReceiver(
      state,
      new Telemetry(),
      { maxDecompressedBytes: 1 << 20, bearerToken: undefined },
      () => NOW
    );
    const good = encodeWriteRequest([
      {
        labels: [
          ['__name__', 'load'],
          ['instance', 'a'],
        ],
        samples: [[1000, 0.5]],
      },
    ]);
    const truncated = Buffer.concat([good, good.subarray(0, good.length - 3)]);
    expect(receiver.handle(snappy(truncated), HEADERS).status).toBe(400);
    expect(state.size).toBe(0);
    expect(receiver.handle(snappy(good), HEADERS).status).toBe(204);
    expect(state.size).toBe(1);
  });
});
