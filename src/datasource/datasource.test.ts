import {
  DataFrame,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceApi,
  dateTime,
  LoadingState,
  MetricFindValue,
} from '@grafana/data';
import { DataQuery } from '@grafana/schema';
import { setDataSourceSrv, setTemplateSrv } from '@grafana/runtime';
import { firstValueFrom, Observable, of } from 'rxjs';
import { rollingBaseline, rollingEntropy } from '../core';
import { promFrame } from '../frames/testFrames';
import { instanceSettings, StandInDataSourceSrv, StandInTemplateSrv } from '../testing/standIns';
import { DataSource } from './datasource';
import { EntropyDataSourceOptions, EntropyQuery } from './types';

const STEP = 15_000;
const FROM = 1_700_000_000_000;
const TO = FROM + 200 * STEP;

/** A deterministic value per host and time, so expected entropy can be computed independently. */
const signal = (host: string, t: number) => {
  const k = t / STEP + host.length * 7;
  return (Math.sin(k * 0.37) * 0.5 + 0.5) * ((k % 5) / 5) + 0.0001 * (k % 3);
};

/** Answers PromQL with the series above, one per host, over the requested range and step. */
class ScriptedPrometheus extends DataSourceApi<DataQuery & { expr?: string }> {
  requests: DataQueryRequest[] = [];
  unsubscribed = 0;
  behaviour: 'answer' | 'fail' | 'empty' | 'hang' = 'answer';
  hosts = ['h1', 'h2'];

  readonly settings = instanceSettings('prom', 'prometheus', 'Prom', {});

  constructor() {
    super(instanceSettings('prom', 'prometheus', 'Prom', {}));
  }

  query(request: DataQueryRequest<DataQuery & { expr?: string }>): Observable<DataQueryResponse> {
    this.requests.push(request);
    if (this.behaviour === 'hang') {
      return new Observable<DataQueryResponse>(() => () => this.unsubscribed++);
    }
    if (this.behaviour === 'fail') {
      return of({
        data: [],
        errors: [{ refId: request.targets[0].refId, message: 'bad_data: parse error at char 5' }],
        state: LoadingState.Error,
      });
    }
    if (this.behaviour === 'empty') {
      return of({ data: [], state: LoadingState.Done });
    }
    const data: DataFrame[] = [];
    for (const target of request.targets) {
      for (const host of this.hosts) {
        const times: number[] = [];
        for (let t = request.range.from.valueOf(); t <= request.range.to.valueOf(); t += request.intervalMs) {
          times.push(t);
        }
        data.push(
          promFrame(
            target.refId,
            { __name__: 'cpu', instance: host },
            times,
            times.map((t) => signal(host, t))
          )
        );
      }
    }
    return of({ data, state: LoadingState.Done });
  }

  async metricFindQuery(query: string): Promise<MetricFindValue[]> {
    return query === 'label_values(up, instance)' ? this.hosts.map((text) => ({ text })) : [];
  }

  async testDatasource() {
    return { status: 'success', message: '' };
  }
}

function setup(jsonData: EntropyDataSourceOptions = { upstreamUid: 'prom' }, variables = {}) {
  const upstream = new ScriptedPrometheus();
  const settings = instanceSettings('entropy', 'healthentropy-entropy-datasource', 'Entropy', jsonData);
  const ds = new DataSource(settings);
  setDataSourceSrv(new StandInDataSourceSrv().add(upstream, upstream.settings));
  setTemplateSrv(new StandInTemplateSrv(variables));
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
      (t, i) => ({ refId: String.fromCharCode(65 + i), expr: 'cpu', output: 'entropy', ...t }) as EntropyQuery
    ),
    timezone: 'utc',
    app: 'dashboard',
    startTime: 0,
  };
}

const fieldValues = (f: DataFrame, name: string) =>
  f.fields.find((x) => x.name === name)!.values as Array<number | null>;

describe('DataSource.query', () => {
  it('asks upstream for the range extended back by W steps and returns the entropy src/core computes', async () => {
    const { ds, upstream } = setup({ upstreamUid: 'prom', window: 20 });
    const res = await firstValueFrom(ds.query(request([{ legendFormat: '{{instance}}' }])));
    const up = upstream.requests[0];
    expect(up.range.from.valueOf()).toBe(FROM - 20 * STEP);
    expect(up.range.to.valueOf()).toBe(TO);
    expect(up.targets[0]).toMatchObject({ refId: 'A', expr: 'cpu', range: true });
    expect(res.errors).toBeUndefined();
    expect(res.data).toHaveLength(2);
    const frame = res.data[0] as DataFrame;
    const allTimes: number[] = [];
    for (let t = FROM - 20 * STEP; t <= TO; t += STEP) {
      allTimes.push(t);
    }
    const expected = rollingEntropy(
      allTimes,
      allTimes.map((t) => signal('h1', t)),
      { window: 20 }
    ).slice(20);
    expect(frame.fields[0].values[0]).toBe(FROM);
    const got = fieldValues(frame, 'entropy');
    expect(got).toHaveLength(expected.length);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
    expect(got.every((v) => v !== null)).toBe(true);
    expect(frame.fields[1].config).toMatchObject({ displayNameFromDS: 'h1', min: 0, max: 1 });
    expect(frame.fields[1].labels).toMatchObject({ instance: 'h1' });
    expect(frame.meta?.notices).toBeUndefined();
  });

  it('query settings override the instance defaults; baseline output extends by the warm-up as well', async () => {
    const { ds, upstream } = setup({ upstreamUid: 'prom', window: 20 });
    const res = await firstValueFrom(ds.query(request([{ window: 10, output: 'baseline', warmup: 30 }])));
    expect(upstream.requests[0].range.from.valueOf()).toBe(FROM - 40 * STEP);
    const frame = res.data[0] as DataFrame;
    const times: number[] = [];
    for (let t = FROM - 40 * STEP; t <= TO; t += STEP) {
      times.push(t);
    }
    const hn = rollingEntropy(
      times,
      times.map((t) => signal('h1', t)),
      { window: 10 }
    );
    const z = rollingBaseline(hn, { warmup: 30 }).z.slice(40);
    fieldValues(frame, 'z').forEach((v, i) =>
      Number.isNaN(z[i]) ? expect(v).toBeNull() : expect(v).toBeCloseTo(z[i], 12)
    );
    expect(fieldValues(frame, 'z')[0]).not.toBeNull();
  });

  it('a min step larger than the interval widens the lookback', async () => {
    const { ds, upstream } = setup({ upstreamUid: 'prom', window: 10 });
    await firstValueFrom(ds.query(request([{ minStep: '1m' }])));
    expect(upstream.requests[0].range.from.valueOf()).toBe(FROM - 10 * 60_000);
    expect(upstream.requests[0].targets[0]).toMatchObject({ interval: '1m' });
  });

  it('aggregate: one series per host over the queries marked aggregate', async () => {
    const { ds } = setup({ upstreamUid: 'prom', window: 20 });
    const res = await firstValueFrom(
      ds.query(
        request([
          { output: 'aggregate', indicator: 'cpu' },
          { output: 'aggregate', indicator: 'mem', weight: 3 },
          { output: 'entropy' },
        ])
      )
    );
    const names = (res.data as DataFrame[]).map((f) => `${f.refId}:${f.name}`);
    expect(names).toEqual(['C:cpu{instance="h1"}', 'C:cpu{instance="h2"}', 'A:h1', 'A:h2']);
  });

  it('interpolates template variables, multi-values as a regex alternation', async () => {
    const { ds, upstream } = setup({ upstreamUid: 'prom' }, { host: ['a.1', 'b'], job: 'node' });
    await firstValueFrom(
      ds.query(request([{ expr: 'cpu{instance=~"$host", job="${job}"}', legendFormat: '$job {{instance}}' }]))
    );
    expect(upstream.requests[0].targets[0]).toMatchObject({ expr: 'cpu{instance=~"(a\\.1|b)", job="node"}' });
  });

  it('skips hidden queries', async () => {
    const { ds, upstream } = setup();
    await firstValueFrom(ds.query(request([{ hide: true }, { expr: 'mem' }])));
    expect(upstream.requests[0].targets.map((t) => t.refId)).toEqual(['B']);
  });

  it('unsubscribing cancels the upstream request', async () => {
    const { ds, upstream } = setup();
    upstream.behaviour = 'hang';
    const sub = ds.query(request([{}])).subscribe();
    await new Promise((r) => setTimeout(r, 10));
    expect(upstream.requests).toHaveLength(1);
    sub.unsubscribe();
    expect(upstream.unsubscribed).toBe(1);
  });

  it.each([
    ['fail', /Query A \(cpu\): Prometheus "Prom" failed: bad_data: parse error at char 5/],
    ['empty', /Query A: Prometheus "Prom" returned no series for cpu in this time range/],
  ] as const)('an upstream that is %s gives an error naming the query', async (behaviour, message) => {
    const { ds, upstream } = setup();
    upstream.behaviour = behaviour;
    const res = await firstValueFrom(ds.query(request([{}])));
    expect(res.state).toBe(LoadingState.Error);
    expect(res.errors?.[0].refId).toBe('A');
    expect(res.errors?.[0].message).toMatch(message);
  });

  it.each([
    [{ expr: '' }, /Query A: enter a PromQL expression/],
    [{ expr: 'x'.repeat(20_000) }, /Query A: the expression is 20000 characters long; the limit is 16384/],
    [{ window: 0 }, /Query A: window must be an integer from 2 to 100000, got 0/],
    [{ window: NaN }, /Query A: window must be an integer from 2 to 100000, got NaN/],
    [{ bins: 1e9 }, /Query A: bins must be an integer from 2 to 65536/],
    [{ estimator: 'magic' as never }, /Query A: estimator must be one of shannon, permutation, got "magic"/],
    [{ output: '<script>' as never }, /Query A: output must be one of entropy, aggregate, baseline, raw\+entropy/],
    [{ hostLabel: 'in stance' }, /Query A: host label must be a Prometheus label name/],
    [{ minStep: 'soon' }, /Query A: min step must be a duration like 15s or 1m, got "soon"/],
    [{ weight: -1, output: 'aggregate' as const }, /Query A: weight must be a finite number ≥ 0/],
    [{ legendFormat: 'x'.repeat(5000) }, /Query A: legendFormat must be text of at most 1024 characters/],
    [
      { estimator: 'permutation' as const, order: 7, window: 5 },
      /Query A: window \(5\) must hold at least one pattern/,
    ],
  ])('bad input %# is a readable error and no upstream request', async (patch, message) => {
    const { ds, upstream } = setup();
    const res = await firstValueFrom(ds.query(request([patch])));
    expect(res.errors?.[0].message).toMatch(message);
    expect(res.errors?.[0].message?.length).toBeLessThan(300);
    expect(upstream.requests).toHaveLength(0);
  });

  it('a huge upstream answer is refused with a way out, not computed', async () => {
    const { ds, upstream } = setup({ upstreamUid: 'prom', window: 20 });
    // 50,000 hosts × 221 samples > 10 million.
    upstream.hosts = Array.from({ length: 50_000 }, (_, i) => `h${i}`);
    const res = await firstValueFrom(ds.query(request([{}])));
    expect(res.errors?.[0].message).toMatch(
      /^Query A: Prometheus "Prom" returned 50000 series with 11050000 samples, more than the 10000000 .*avg by \(instance\)/
    );
    expect(res.data).toEqual([]);
  }, 60_000);

  it('a good query still runs beside a bad one', async () => {
    const { ds } = setup();
    const res = await firstValueFrom(ds.query(request([{ window: 1 }, {}])));
    expect(res.errors?.map((e) => e.refId)).toEqual(['A']);
    expect((res.data as DataFrame[]).map((f) => f.refId)).toEqual(['B', 'B']);
  });

  it('without an upstream the error says where to set it', async () => {
    const { ds } = setup({});
    await expect(firstValueFrom(ds.query(request([{}])))).rejects.toThrow(
      /no upstream Prometheus data source is set; choose one in the data source settings/
    );
  });

  it('an upstream of another type is refused', async () => {
    const { ds } = setup({ upstreamUid: 'loki' });
    const loki = new ScriptedPrometheus();
    Object.assign(loki, { type: 'loki', uid: 'loki', name: 'Logs' });
    setDataSourceSrv(
      new StandInDataSourceSrv().add(loki, { ...loki.settings, uid: 'loki', type: 'loki', name: 'Logs' })
    );
    await expect(firstValueFrom(ds.query(request([{}])))).rejects.toThrow(/"Logs" is of type loki, not prometheus/);
  });
});

describe('DataSource.testDatasource', () => {
  it('reports the upstream answering in one sentence', async () => {
    const { ds, upstream } = setup();
    const res = await ds.testDatasource();
    expect(res).toMatchObject({ status: 'success' });
    expect(res.message).toMatch(/^Upstream Prometheus "Prom" answered a test query in \d+ ms$/);
    expect(upstream.requests[0].targets[0]).toMatchObject({ expr: 'vector(1)' });
  });

  it('reports a failing upstream without throwing', async () => {
    const { ds, upstream } = setup();
    upstream.behaviour = 'fail';
    await expect(ds.testDatasource()).resolves.toMatchObject({
      status: 'error',
      message: expect.stringMatching(/did not answer a test query: bad_data/),
    });
  });

  it('reports a missing upstream without throwing', async () => {
    const { ds } = setup({});
    await expect(ds.testDatasource()).resolves.toMatchObject({
      status: 'error',
      message: expect.stringMatching(/no upstream Prometheus/),
    });
  });
});

describe('DataSource.getQueryDisplayText', () => {
  it('says what is computed from which expression', () => {
    const { ds } = setup({ upstreamUid: 'prom', window: 45 });
    expect(ds.getQueryDisplayText({ refId: 'A', expr: 'rate(x[5m])', output: 'baseline' })).toBe(
      'baseline of rate(x[5m]) (W=45)'
    );
    expect(ds.getQueryDisplayText({ refId: 'A', expr: 'up', output: 'entropy', window: 10 })).toBe(
      'entropy of up (W=10)'
    );
  });
});

describe('DataSource.metricFindQuery', () => {
  it('delegates variable queries to the upstream, interpolated', async () => {
    const { ds } = setup({ upstreamUid: 'prom' }, { metric: 'up' });
    await expect(ds.metricFindQuery('label_values($metric, instance)')).resolves.toEqual([
      { text: 'h1' },
      { text: 'h2' },
    ]);
  });
});
