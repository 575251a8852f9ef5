import fc from 'fast-check';
import { DataFrame, DataQueryRequest, DataQueryResponse, DataSourceApi, dateTime, LoadingState } from '@grafana/data';
import { setDataSourceSrv, setTemplateSrv } from '@grafana/runtime';
import { DataQuery } from '@grafana/schema';
import { firstValueFrom, Observable, of } from 'rxjs';
import { QUORUM_STATE_CODES } from '../core';
import { quorumTimeline } from '../frames/quorumFrames';
import { promFrame } from '../frames/testFrames';
import { instanceSettings, StandInDataSourceSrv, StandInTemplateSrv } from '../testing/standIns';
import { DataSource } from './datasource';
import { QueryError, resolveQuery } from './resolveQuery';
import { EntropyDataSourceOptions, EntropyQuery } from './types';

const STEP = 15_000;
const FROM = 1_700_000_000_000;
const TO = FROM + 60 * STEP;

/** `probe` per host × prober: h2 fails for a and b in the second half. `cpu`: a two-value cycle. */
class ScriptedPrometheus extends DataSourceApi<DataQuery & { expr?: string }> {
  requests: DataQueryRequest[] = [];
  readonly settings = instanceSettings('prom', 'prometheus', 'Prom', {});
  labels: Array<Record<string, string>> = ['h1', 'h2'].flatMap((instance) =>
    ['a', 'b', 'c'].map((prober) => ({ instance, prober }))
  );

  constructor() {
    super(instanceSettings('prom', 'prometheus', 'Prom', {}));
  }

  query(request: DataQueryRequest<DataQuery & { expr?: string }>): Observable<DataQueryResponse> {
    this.requests.push(request);
    const data: DataFrame[] = [];
    const times: number[] = [];
    for (let t = request.range.from.valueOf(); t <= request.range.to.valueOf(); t += request.intervalMs) {
      times.push(t);
    }
    for (const target of request.targets) {
      for (const l of this.labels) {
        const v = (t: number) =>
          target.expr === 'probe'
            ? l.instance === 'h2' && l.prober !== 'c' && t > FROM + 30 * STEP
              ? 0
              : 1
            : (t / STEP) % 2
              ? 0.1
              : 0.9;
        data.push(promFrame(target.refId, l, times, times.map(v)));
      }
    }
    return of({ data, state: LoadingState.Done });
  }

  async testDatasource() {
    return { status: 'success', message: '' };
  }
}

function setup() {
  const upstream = new ScriptedPrometheus();
  const ds = new DataSource(
    instanceSettings<EntropyDataSourceOptions>('entropy', 'healthentropy-entropy-datasource', 'Entropy', {
      upstreamUid: 'prom',
    })
  );
  setDataSourceSrv(new StandInDataSourceSrv().add(upstream, upstream.settings));
  setTemplateSrv(new StandInTemplateSrv({}));
  return { ds, upstream };
}

function request(targets: Array<Partial<EntropyQuery>>): DataQueryRequest<EntropyQuery> {
  const range = { from: dateTime(FROM), to: dateTime(TO) };
  return {
    requestId: 'r1',
    interval: '15s',
    intervalMs: STEP,
    range: { ...range, raw: range },
    scopedVars: {},
    targets: targets.map(
      (t, i) => ({ refId: String.fromCharCode(65 + i), expr: 'cpu', output: 'quorum', ...t }) as EntropyQuery
    ),
    timezone: 'utc',
    app: 'dashboard',
    startTime: 0,
  };
}

const CHECKS: Partial<EntropyQuery> = {
  expr: 'probe',
  quorumRole: 'checks',
  observerLabel: 'prober',
  quorum: { for: '1m', flagFor: '5m' },
};
const CPU: Partial<EntropyQuery> = {
  expr: 'cpu',
  quorumRole: 'indicator',
  observerLabel: 'prober',
  indicator: 'cpu',
  window: 10,
  warmup: 20,
};

describe('the quorum output', () => {
  it('runs every quorum query together: one state timeline per host, over the panel range', async () => {
    const { ds, upstream } = setup();
    const res = await firstValueFrom(ds.query(request([CHECKS, CPU])));
    expect(res.errors).toBeUndefined();
    // Back by the indicator's window and warm-up (30 steps) and by the longest streak (flagFor 5m).
    expect(upstream.requests[0].range.from.valueOf()).toBe(FROM - 30 * STEP - 5 * 60_000);
    expect(res.data.map((f: DataFrame) => [f.name, f.refId])).toEqual([
      ['h1', 'A'],
      ['h2', 'A'],
    ]);
    const [h1, h2] = res.data as DataFrame[];
    const state = (f: DataFrame) => f.fields.find((x) => x.name === 'state')!.values as number[];
    expect(h1.fields[0].values[0]).toBe(FROM);
    expect(h1.fields[0].values.at(-1)).toBe(TO);
    expect(new Set(state(h1))).toEqual(new Set([QUORUM_STATE_CODES.healthy]));
    const times = h2.fields[0].values as number[];
    expect(state(h2)).toEqual(
      times.map((t) => (t > FROM + 30 * STEP ? QUORUM_STATE_CODES.unhealthy : QUORUM_STATE_CODES.healthy))
    );
    expect((h2.fields.find((x) => x.name === 'reason')!.values as string[]).at(-1)).toMatch(
      /^unhealthy: checks fail for a, b/
    );
  });

  it('a series without the observer label is an error on its query; the other outputs still run', async () => {
    const { ds, upstream } = setup();
    upstream.labels = [{ instance: 'h1' }];
    const res = await firstValueFrom(ds.query(request([CHECKS, { expr: 'cpu', output: 'entropy' }])));
    expect(res.errors).toEqual([
      { refId: 'A', message: expect.stringMatching(/^Query A: series \{"instance":"h1"\} has no "prober" label/) },
    ]);
    expect(res.data).toHaveLength(1); // the entropy query's frame
  });

  it('the browser timeline equals quorumTimeline on the frames the upstream returned', async () => {
    const { ds, upstream } = setup();
    const res = await firstValueFrom(ds.query(request([CHECKS, CPU])));
    const up = await firstValueFrom(upstream.query(upstream.requests[0]));
    const byRef = (r: string) => (up.data as DataFrame[]).filter((f) => f.refId === r);
    const timeline = quorumTimeline(
      [
        { refId: 'A', role: 'checks', hostLabel: 'instance', observerLabel: 'prober', frames: byRef('A') },
        {
          refId: 'B',
          role: 'indicator',
          hostLabel: 'instance',
          observerLabel: 'prober',
          indicator: 'cpu',
          frames: byRef('B'),
          pipeline: { entropy: { window: 10 }, baseline: { warmup: 20 } },
        },
      ],
      { refId: 'A', quorum: { forMs: 60_000, flagForMs: 300_000 }, from: FROM, to: TO }
    );
    const h2 = (res.data as DataFrame[])[1];
    expect(h2.fields.find((x) => x.name === 'reason')!.values).toEqual(timeline.get('h2')!.map((a) => a.reason));
  });
});

describe('resolveQuery: quorum fields', () => {
  it.each<[Partial<EntropyQuery>, string, RegExp]>([
    [{ observerLabel: undefined }, 'observerLabel', /needs an observer label/],
    [{ observerLabel: 'a-b' }, 'observerLabel', /needs an observer label/],
    [{ quorumRole: 'both' as 'checks' }, 'quorumRole', /quorumRole must be checks or indicator/],
    [{ quorum: { for: 'soon' } }, 'quorum.for', /quorum\.for must be a duration like 30s/],
    [{ quorum: { staleness: '-1m' } }, 'quorum.staleness', /duration/],
    [{ quorum: { size: 0 } }, 'quorum.size', /quorum\.size must be an integer from 1/],
    [{ quorum: { zQuorum: -1 } }, 'quorum.zQuorum', /greater than 0/],
    [{ quorum: { flagLevel: 3 } }, 'quorum.flagLevel', /\(0, 1\]/],
    [{ quorum: { staleness: '10m', knownFor: '5m' } }, 'quorum.knownFor', /must be ≥ quorum\.staleness/],
    [{ warmup: 0 }, 'warmup', /warmup must be an integer/],
  ])('%j → %s', (patch, field, message) => {
    const q = { refId: 'A', expr: 'x', output: 'quorum', observerLabel: 'prober', ...patch } as EntropyQuery;
    try {
      resolveQuery(q, {});
      throw new Error('expected a QueryError');
    } catch (e) {
      expect(e).toBeInstanceOf(QueryError);
      expect((e as QueryError).field).toBe(field);
      expect((e as QueryError).message).toMatch(message);
    }
  });

  it('takes durations as Grafana intervals, 0s included', () => {
    const r = resolveQuery(
      {
        refId: 'A',
        expr: 'x',
        output: 'quorum',
        observerLabel: 'p',
        quorum: { for: '0s', flagFor: '2h', size: 2 },
      } as EntropyQuery,
      {}
    );
    expect(r.quorum).toMatchObject({
      role: 'indicator',
      observerLabel: 'p',
      options: { forMs: 0, flagForMs: 7_200_000, quorum: 2 },
      lookbackMs: 7_200_000,
    });
  });
});

describe('resolveQuery: hostile quorum fields', () => {
  it('any value in any quorum field resolves or is a QueryError naming a field, never another error', () => {
    const hostile = fc.oneof(
      fc.anything({ maxDepth: 2 }),
      fc.string({ maxLength: 3000 }),
      fc.constantFrom('', '0', '-5m', '1e400s', 'NaN', '__proto__', Infinity, -0)
    );
    const keys = ['size', 'staleness', 'knownFor', 'zQuorum', 'entropyLevel', 'for', 'flagLevel', 'flagFor'];
    fc.assert(
      fc.property(
        fc.constantFrom(...keys, 'observerLabel', 'quorumRole', 'quorum', 'warmup'),
        hostile,
        (key, value) => {
          const q = { refId: 'A', expr: 'x', output: 'quorum', observerLabel: 'p', quorum: {} } as unknown as Record<
            string,
            unknown
          >;
          if (keys.includes(key)) {
            q.quorum = { [key]: value };
          } else {
            q[key] = value;
          }
          try {
            resolveQuery(q as unknown as EntropyQuery, {});
          } catch (e) {
            expect(e).toBeInstanceOf(QueryError);
            expect((e as QueryError).field).toEqual(expect.any(String));
          }
        }
      ),
      { numRuns: 500 }
    );
  });
});
