/**
 * Stand-in for Grafana's Prometheus data source (whose queries run in Grafana's Go backend): asks a real
 * Prometheus `query_range` through the harness's data source proxy and returns frames shaped as Grafana's
 * backend returns them (one frame per series: `Time`, `Value` with the series' labels).
 */
import {
  createDataFrame,
  DataFrame,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceApi,
  DataSourceInstanceSettings,
  FieldType,
  LoadingState,
  MetricFindValue,
} from '@grafana/data';
import { DataQuery } from '@grafana/schema';
import { getBackendSrv } from '@grafana/runtime';
import { catchError, forkJoin, map, Observable, of } from 'rxjs';
import { seriesName } from '../frames/legend';

interface PromQuery extends DataQuery {
  expr: string;
  interval?: string;
}

interface Matrix {
  status: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
}

/** Prometheus's limit on points per series in one range query. */
const MAX_POINTS = 11_000;

function intervalMs(s: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(s ?? '');
  if (!m) {
    return 0;
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

/** The step Grafana's Prometheus data source uses: the larger of interval, min step and range / 11000. */
export function promStep(fromMs: number, toMs: number, requestIntervalMs: number, minStep?: string): number {
  const safe = Math.ceil((toMs - fromMs) / MAX_POINTS / 1000) * 1000;
  return Math.max(requestIntervalMs, intervalMs(minStep), safe, 1000);
}

export class PrometheusStandIn extends DataSourceApi<PromQuery> {
  readonly proxyUrl: string;

  constructor(settings: DataSourceInstanceSettings, proxyUrl: string) {
    super(settings);
    this.proxyUrl = proxyUrl;
  }

  query(request: DataQueryRequest<PromQuery>): Observable<DataQueryResponse> {
    const from = request.range.from.valueOf();
    const to = request.range.to.valueOf();
    const perTarget = request.targets.map((target) => {
      const step = promStep(from, to, request.intervalMs, target.interval);
      // Aligned to the step, as Grafana does, so that results are cacheable and comparable.
      const start = Math.floor(from / step) * step;
      const end = Math.floor(to / step) * step;
      return getBackendSrv()
        .fetch<Matrix>({
          url: `${this.proxyUrl}/api/v1/query_range`,
          method: 'GET',
          params: { query: target.expr, start: start / 1000, end: end / 1000, step: step / 1000 },
        })
        .pipe(
          map((res) => ({ refId: target.refId, frames: toFrames(target.refId, res.data) })),
          catchError((e) => of({ refId: target.refId, error: (e?.data as Matrix)?.error ?? e?.statusText ?? String(e) }))
        );
    });
    return forkJoin(perTarget).pipe(
      map((parts) => {
        const data: DataFrame[] = [];
        const errors = [];
        for (const p of parts) {
          if ('error' in p) {
            errors.push({ refId: p.refId, message: p.error });
          } else {
            data.push(...p.frames);
          }
        }
        return { data, errors: errors.length ? errors : undefined, state: errors.length ? LoadingState.Error : LoadingState.Done };
      })
    );
  }

  /** `label_values(label)` and `label_values(selector, label)`. */
  async metricFindQuery(query: string): Promise<MetricFindValue[]> {
    const m = /^label_values\((?:(.+),\s*)?(\w+)\)$/.exec(query.trim());
    if (!m) {
      throw new Error(`the harness's Prometheus supports label_values() only, got ${query}`);
    }
    const params = m[1] ? { 'match[]': m[1] } : undefined;
    const res = await getBackendSrv().get<{ data: string[] }>(`${this.proxyUrl}/api/v1/label/${m[2]}/values`, params);
    return res.data.map((text) => ({ text }));
  }

  async testDatasource() {
    return { status: 'success', message: 'ok' };
  }
}

function toFrames(refId: string, body: Matrix): DataFrame[] {
  return (body.data?.result ?? []).map((s) =>
    createDataFrame({
      refId,
      name: seriesName(s.metric),
      fields: [
        { name: 'Time', type: FieldType.time, values: s.values.map(([t]) => Math.round(t * 1000)), config: {} },
        { name: 'Value', type: FieldType.number, values: s.values.map(([, v]) => Number(v)), labels: s.metric, config: {} },
      ],
    })
  );
}
