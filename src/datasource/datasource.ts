/**
 * The entropy data source: wraps an upstream Prometheus data source, asks it for the panel's range extended
 * back by the window, and returns the entropy computed in the browser by `src/core`.
 */
import {
  CoreApp,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceApi,
  DataSourceInstanceSettings,
  dateTime,
  LoadingState,
  MetricFindValue,
  ScopedVars,
  TestDataSourceResponse,
} from '@grafana/data';
import { config, getDataSourceSrv, getTemplateSrv } from '@grafana/runtime';
import { DataQuery } from '@grafana/schema';
import { defer, from, lastValueFrom, map, merge, mergeMap, Observable, of } from 'rxjs';
import { interpolateQuery } from './interpolate';
import { liveQuery, LiveTransport, liveUrl } from './live';
import { resolveLive } from './resolveLive';
import { quorumLookbackMs } from './quorumQuery';
import { QueryError, ResolvedQuery, resolveQuery } from './resolveQuery';
import { toEntropyResponse } from './response';
import { DEFAULT_QUERY, EntropyDataSourceOptions, EntropyQuery } from './types';

/** Step used when Grafana does not give one (Explore without a panel width). */
const FALLBACK_STEP_MS = 15_000;

/** The upstream request and everything needed to read its answer. */
export interface UpstreamPlan {
  upstream: DataSourceApi;
  request: DataQueryRequest | undefined;
  queries: ResolvedQuery[];
  errors: QueryError[];
}

export class DataSource extends DataSourceApi<EntropyQuery, EntropyDataSourceOptions> {
  readonly settings: EntropyDataSourceOptions;
  /** Where Grafana proxies this instance's routes (`…/engine` is the engine). */
  readonly proxyUrl: string;
  /** How live queries reach the stream (fetch; tests feed their own). */
  liveTransport: LiveTransport | undefined;

  constructor(instanceSettings: DataSourceInstanceSettings<EntropyDataSourceOptions>) {
    super(instanceSettings);
    this.settings = instanceSettings.jsonData ?? {};
    this.proxyUrl = `${config.appSubUrl ?? ''}${instanceSettings.url ?? `/api/datasources/proxy/uid/${instanceSettings.uid}`}`;
  }

  getDefaultQuery(_app: CoreApp): Partial<EntropyQuery> {
    return DEFAULT_QUERY;
  }

  /** What query history and collapsed query rows show: `baseline of rate(x[5m]) (W=60)`. */
  getQueryDisplayText(query: EntropyQuery): string {
    const window = query.window ?? this.settings.window;
    return `${query.output ?? 'entropy'} of ${query.expr ?? ''}${window ? ` (W=${window})` : ''}`;
  }

  filterQuery(query: EntropyQuery): boolean {
    return !query.hide;
  }

  applyTemplateVariables(query: EntropyQuery, scopedVars: ScopedVars): EntropyQuery {
    return interpolateQuery(getTemplateSrv(), query, scopedVars);
  }

  interpolateVariablesInQueries(queries: EntropyQuery[], scopedVars: ScopedVars): EntropyQuery[] {
    return queries.map((q) => this.applyTemplateVariables(q, scopedVars));
  }

  /** The upstream Prometheus, or an error that says how to fix the settings. */
  async getUpstream(): Promise<DataSourceApi> {
    const uid = this.settings.upstreamUid;
    if (!uid) {
      throw new Error(
        `${this.name}: no upstream Prometheus data source is set; choose one in the data source settings`
      );
    }
    let upstream: DataSourceApi;
    try {
      // The replacement (getDataSourceInstance in @grafana/runtime/unstable) is not in Grafana 12.3, which we support.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      upstream = await getDataSourceSrv().get({ uid });
    } catch (e) {
      throw new Error(
        `${this.name}: the upstream data source ${uid} could not be loaded (${e instanceof Error ? e.message : String(e)})`
      );
    }
    if (upstream.type !== 'prometheus') {
      throw new Error(
        `${this.name}: the upstream data source "${upstream.name}" is of type ${upstream.type}, not prometheus`
      );
    }
    return upstream;
  }

  /** Resolves the queries and builds one upstream request for all of them. */
  async plan(request: DataQueryRequest<EntropyQuery>): Promise<UpstreamPlan> {
    const upstream = await this.getUpstream();
    const from = request.range.from.valueOf();
    const to = request.range.to.valueOf();
    const queries: ResolvedQuery[] = [];
    const errors: QueryError[] = [];
    for (const target of request.targets.filter((t) => this.filterQuery(t))) {
      try {
        queries.push(
          resolveQuery(this.applyTemplateVariables(target, request.scopedVars), this.settings, { from, to })
        );
      } catch (e) {
        if (!(e instanceof QueryError)) {
          throw e;
        }
        errors.push(e);
      }
    }
    if (queries.length === 0) {
      return { upstream, request: undefined, queries, errors };
    }
    const baseStep = request.intervalMs > 0 ? request.intervalMs : FALLBACK_STEP_MS;
    // Every query's first point needs its window (and baseline warm-up) of samples before `from`.
    // …and the quorum's streaks their `for` before that.
    const lookbackMs =
      Math.max(...queries.map((q) => q.lookbackSamples * Math.max(baseStep, q.minStepMs))) + quorumLookbackMs(queries);
    const start = dateTime(from - lookbackMs);
    return {
      upstream,
      queries,
      errors,
      request: {
        ...request,
        requestId: `${request.requestId}-upstream`,
        range: { from: start, to: request.range.to, raw: { from: start, to: request.range.to } },
        targets: queries.map((q) => ({
          refId: q.refId,
          datasource: upstream.getRef(),
          expr: q.expr,
          interval: q.minStep,
          range: true,
          instant: false,
          format: 'time_series',
        })),
      },
    };
  }

  /**
   * Live queries stream from the engine; the others are computed from the upstream Prometheus. Unsubscribing
   * cancels the upstream request (Grafana's Prometheus data source cancels its fetch) and closes streams.
   */
  query(request: DataQueryRequest<EntropyQuery>): Observable<DataQueryResponse> {
    const live = request.targets.filter((t) => this.filterQuery(t) && t.output === 'live');
    if (live.length === 0) {
      return this.computed(request);
    }
    const computed = request.targets.filter((t) => t.output !== 'live');
    const streams = live.map((t) => this.live(this.applyTemplateVariables(t, request.scopedVars)));
    return computed.some((t) => this.filterQuery(t))
      ? merge(...streams, this.computed({ ...request, targets: computed }))
      : merge(...streams);
  }

  /** One live query: its stream, or a response naming what is wrong with it. */
  live(target: EntropyQuery): Observable<DataQueryResponse> {
    const resolved = resolveLive(target, this.settings);
    if (typeof resolved === 'string') {
      return of({
        data: [],
        key: `healthentropy-live-${target.refId}`,
        state: LoadingState.Error,
        errors: [{ refId: target.refId, message: resolved }],
      });
    }
    return liveQuery({
      url: liveUrl(`${this.proxyUrl}/engine`, resolved.hosts, resolved.indicators),
      refId: resolved.refId,
      capacity: resolved.capacity,
      transport: this.liveTransport,
    });
  }

  private computed(request: DataQueryRequest<EntropyQuery>): Observable<DataQueryResponse> {
    return defer(() => this.plan(request)).pipe(
      mergeMap((plan) => {
        const read = { queries: plan.queries, errors: plan.errors, upstreamName: `Prometheus "${plan.upstream.name}"` };
        if (!plan.request) {
          return of(toEntropyResponse({ data: [], state: LoadingState.Done }, read));
        }
        return from(plan.upstream.query(plan.request)).pipe(map((res) => toEntropyResponse(res, read)));
      })
    );
  }

  /** Runs `vector(1)` through the upstream, the same path as every query. */
  async testDatasource(): Promise<TestDataSourceResponse> {
    try {
      const upstream = await this.getUpstream();
      const now = Date.now();
      const range = { from: dateTime(now - 300_000), to: dateTime(now) };
      const started = Date.now();
      const res = await lastValueFrom(
        from(
          upstream.query({
            requestId: `${this.uid}-test`,
            interval: '60s',
            intervalMs: 60_000,
            range: { ...range, raw: range },
            scopedVars: {},
            targets: [
              {
                refId: 'test',
                expr: 'vector(1)',
                range: true,
                instant: false,
                datasource: upstream.getRef(),
              } as DataQuery,
            ],
            timezone: 'utc',
            app: 'health-entropy-test',
            startTime: started,
          })
        )
      );
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- data sources written for older Grafana still set `error`
      const err = res.errors?.[0] ?? res.error;
      if (err) {
        return {
          status: 'error',
          message: `Upstream Prometheus "${upstream.name}" did not answer a test query: ${err.message ?? 'unknown error'}`,
        };
      }
      if (!res.data?.length) {
        return {
          status: 'error',
          message: `Upstream Prometheus "${upstream.name}" answered a test query with no data`,
        };
      }
      return {
        status: 'success',
        message: `Upstream Prometheus "${upstream.name}" answered a test query in ${Date.now() - started} ms`,
      };
    } catch (e) {
      return { status: 'error', message: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Variable queries (`label_values(up, instance)`) go to the upstream Prometheus as they are. */
  async metricFindQuery(
    query: string,
    options?: { scopedVars?: ScopedVars; range?: DataQueryRequest['range'] }
  ): Promise<MetricFindValue[]> {
    const upstream = await this.getUpstream();
    if (!upstream.metricFindQuery) {
      throw new Error(`${this.name}: the upstream data source "${upstream.name}" does not support variable queries`);
    }
    const interpolated = getTemplateSrv().replace(query, options?.scopedVars);
    return upstream.metricFindQuery(interpolated, options);
  }
}
