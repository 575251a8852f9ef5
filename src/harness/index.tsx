/**
 * The browser harness: a page that stands in for Grafana around our built plugins (see DEVELOPMENT.md).
 * Views by URL: `?view=config|query|panel|live|bench&theme=light|dark&from=ms&to=ms` (`live` also takes
 * `engineUrl`, the data source's jsonData that the harness server's `engine` route forwards to).
 */
import * as emotionCss from '@emotion/css';
import * as grafanaData from '@grafana/data';
import { DataQuery } from '@grafana/schema';
import {
  createTheme,
  DataFrame,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceApi,
  DataSourceInstanceSettings,
  DataSourcePlugin,
  DataSourceSettings,
  dateTime,
  FieldColorModeId,
  LoadingState,
  PanelData,
  PanelPlugin,
  PanelProps,
} from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import { setBackendSrv, setDataSourceSrv, setTemplateSrv } from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import { GlobalStyles, PortalContainer, ThemeContext } from '@grafana/ui';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as rxjs from 'rxjs';
import { lastValueFrom, of } from 'rxjs';
import { rollingEntropy } from '../core';
import { instanceSettings, StandInDataSourceSrv, StandInTemplateSrv } from '../testing/standIns';
import type { EntropyDataSourceOptions } from '../datasource/types';
import { DEFAULT_PANEL_OPTIONS } from '../panel/types';
import { loadAmdModule } from './amd';
import { FetchBackendSrv, requestListeners, requestLog } from './backendSrv';
import { PrometheusStandIn } from './prometheus';

/** Where Grafana serves the app's files; the nested plugins sit below it. */
const PLUGIN_BASE = '/public/plugins/healthentropy-app';
const SHARED: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  'react/jsx-runtime': jsxRuntime,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  '@emotion/css': emotionCss,
  rxjs,
};

/** What the page reports to the test (read with `page.evaluate`). */
interface HarnessState {
  ready: boolean;
  error?: string;
  frames?: Array<{
    refId?: string;
    name?: string;
    labels: Record<string, string>;
    times: number[];
    values: Array<number | null>;
    /** The frame's other fields by name (the quorum output's `flagged` and `reason`). */
    others: Record<string, unknown[]>;
  }>;
  requests: typeof requestLog;
  testResult?: { status: string; message: string };
  variableValues?: string[];
  bench?: (series: number, points: number, runs: number) => Promise<unknown>;
  /** Runs queries through the built data source; errors come back as text. */
  run?: (targets: EntropyQuery[], intervalMs?: number) => Promise<{ frames: HarnessState['frames']; errors: string[] }>;
  /** Starts a query and unsubscribes as soon as its upstream request is on the wire. */
  cancel?: () => Promise<Array<{ url: string; aborted: boolean }>>;
  /** The live view: responses received, the errors of the last one, and a way to unsubscribe. */
  live?: { responses: number; errors: string[]; state?: string };
  stopLive?: () => void;
}
const state: HarnessState = { ready: false, requests: requestLog };
(window as unknown as { harness: HarnessState }).harness = state;

type EntropyQuery = DataQuery & Record<string, unknown>;
type EntropyPlugin = DataSourcePlugin<DataSourceApi<EntropyQuery>, EntropyQuery>;

const params = new URLSearchParams(window.location.search);
const view = params.get('view') ?? 'panel';
const theme = createTheme({ colors: { mode: params.get('theme') === 'dark' ? 'dark' : 'light' } });
const from = Number(params.get('from') ?? Date.now() - 3_600_000);
const to = Number(params.get('to') ?? Date.now());
const window_ = Number(params.get('window') ?? 20);
const targets: EntropyQuery[] = JSON.parse(
  params.get('targets') ??
    JSON.stringify([
      { refId: 'A', expr: 'node_cpu_busy_ratio', indicator: 'cpu', output: 'baseline', warmup: 10 },
      { refId: 'B', expr: 'node_memory_used_ratio', indicator: 'memory', output: 'baseline', warmup: 10 },
    ])
);

function request(t: EntropyQuery[], intervalMs = 15_000): DataQueryRequest<EntropyQuery> {
  const range = { from: dateTime(from), to: dateTime(to) };
  return {
    requestId: `harness-${Math.random()}`,
    interval: `${intervalMs / 1000}s`,
    intervalMs,
    range: { ...range, raw: range },
    scopedVars: {},
    targets: t,
    timezone: 'utc',
    app: 'dashboard',
    startTime: Date.now(),
  };
}

/** One answer of a data source (whose query() may return a Promise or an Observable). */
function answer(ds: DataSourceApi<EntropyQuery>, req: DataQueryRequest<EntropyQuery>): Promise<DataQueryResponse> {
  return lastValueFrom(rxjs.from(ds.query(req)));
}

function summarize(frames: DataFrame[]): HarnessState['frames'] {
  return frames.map((f) => {
    const value = f.fields.find((x) => x.name === 'entropy' || x.name === 'aggregate') ?? f.fields[1];
    const others = Object.fromEntries(f.fields.filter((x) => x !== value && x !== f.fields[0]).map((x) => [x.name, x.values as unknown[]]));
    return { refId: f.refId, name: f.name, labels: value.labels ?? {}, times: f.fields[0].values as number[], values: value.values as Array<number | null>, others };
  });
}

function Page({ children }: { children: React.ReactNode }) {
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div style={{ padding: 16, background: theme.colors.background.primary, minHeight: '100vh' }}>{children}</div>
      <PortalContainer />
    </ThemeContext.Provider>
  );
}

function ConfigView({ plugin, settings }: { plugin: EntropyPlugin; settings: DataSourceInstanceSettings }) {
  const Editor = plugin.components.ConfigEditor!;
  const [options, setOptions] = React.useState({ ...settings, secureJsonFields: {} } as unknown as DataSourceSettings);
  return (
    <div data-testid="harness-config">
      <Editor options={options} onOptionsChange={setOptions} />
      <pre data-testid="harness-config-json">{JSON.stringify(options.jsonData)}</pre>
    </div>
  );
}

function QueryView({ plugin, ds }: { plugin: EntropyPlugin; ds: DataSourceApi<EntropyQuery> }) {
  const Editor = plugin.components.QueryEditor!;
  const [query, setQuery] = React.useState<EntropyQuery>(targets[0]);
  const [result, setResult] = React.useState('');
  const run = React.useCallback(() => {
    answer(ds, request([query])).then(
      (res) => setResult(res.errors?.length ? `error: ${res.errors[0].message}` : `${res.data.length} frames`),
      (e) => setResult(`error: ${e.message}`)
    );
  }, [ds, query]);
  return (
    <div data-testid="harness-query">
      <Editor datasource={ds} query={query} onChange={(q) => setQuery(q as EntropyQuery)} onRunQuery={run} />
      <pre data-testid="harness-query-json">{JSON.stringify(query)}</pre>
      <div data-testid="harness-query-result">{result}</div>
    </div>
  );
}

function PanelView({ panel, data, mode }: { panel: PanelPlugin; data: PanelData; mode: 'compute' | 'display' }) {
  const Panel = panel.panel as React.ComponentType<PanelProps>;
    // Options as a saved dashboard holds them (Grafana's option editors registry is not part of the harness).
  const options = { ...DEFAULT_PANEL_OPTIONS, mode, colorBy: 'entropy', window: window_, warmup: 10, showValues: true };
  const fieldConfig = {
    defaults: {
      color: { mode: FieldColorModeId.ContinuousGrYlRd },
      decimals: 3,
      links: [{ title: 'Host dashboard', url: '/d/host?var-host=${host}&var-indicator=${indicator}' }],
    },
    overrides: [],
  };
  return (
    <div data-testid={`harness-panel-${mode}`} style={{ marginBottom: 16 }}>
      <h4 style={{ color: theme.colors.text.primary }}>Entropy health ({mode})</h4>
      <Panel
        id={1}
        data={data}
        timeRange={data.timeRange}
        timeZone="utc"
        options={options}
        fieldConfig={fieldConfig}
        width={640}
        height={220}
        transparent={false}
        renderCounter={0}
        title="Entropy health"
        eventBus={new grafanaData.EventBusSrv()}
        onOptionsChange={() => undefined}
        onFieldConfigChange={() => undefined}
        onChangeTimeRange={() => undefined}
        replaceVariables={(s: string, vars?: grafanaData.ScopedVars) => new StandInTemplateSrv().replace(s, vars)}
      />
    </div>
  );
}

/** A live query followed into the panel (Display mode), re-rendered on every response. */
function LiveView({ panel, ds }: { panel: PanelPlugin; ds: DataSourceApi<EntropyQuery> }) {
  const [data, setData] = React.useState<PanelData | undefined>();
  React.useEffect(() => {
    const req = request([{ refId: 'L', output: 'live', liveCapacity: 50 }]);
    state.live = { responses: 0, errors: [] };
    const sub = rxjs.from(ds.query(req)).subscribe((res) => {
      state.live = { responses: state.live!.responses + 1, errors: (res.errors ?? []).map((e) => e.message ?? ''), state: res.state };
      setData({ series: res.data, state: res.state ?? LoadingState.Streaming, timeRange: req.range });
    });
    state.stopLive = () => sub.unsubscribe();
    return () => sub.unsubscribe();
  }, [ds]);
  return data ? <PanelView panel={panel} data={data} mode="display" /> : <div data-testid="harness-live-waiting">connecting</div>;
}

/** 1,000 series × 1,000 points from query() to frames, against an in-page upstream (no network). */
async function bench(Plugin: EntropyPlugin, series: number, points: number, runs: number) {
  const step = 15_000;
  const end = to;
  const frames: DataFrame[] = [];
  for (let s = 0; s < series; s++) {
    const times = new Array<number>(points);
    const values = new Array<number>(points);
    for (let i = 0; i < points; i++) {
      times[i] = end - (points - 1 - i) * step;
      values[i] = (Math.sin(i * 0.1 + s) + 1) / 2 * ((i * 7919 + s * 104729) % 97) / 97;
    }
    frames.push(grafanaData.createDataFrame({ refId: 'A', fields: [{ name: 'Time', type: grafanaData.FieldType.time, values: times }, { name: 'Value', type: grafanaData.FieldType.number, values, labels: { instance: `host-${s}` } }] }));
  }
  const upstreamSettings = instanceSettings('bench-prom', 'prometheus', 'Bench', {});
  class InPage extends DataSourceApi {
    query(): rxjs.Observable<DataQueryResponse> {
      return of({ data: frames, state: LoadingState.Done });
    }
    async testDatasource() {
      return { status: 'success', message: '' };
    }
  }
  const upstream = new InPage(upstreamSettings);
  const settings = instanceSettings<EntropyDataSourceOptions>('bench', 'healthentropy-entropy-datasource', 'Bench entropy', { upstreamUid: 'bench-prom', window: 60 });
  const ds = new Plugin.DataSourceClass(settings as DataSourceInstanceSettings) as DataSourceApi<EntropyQuery>;
  registry.add(upstream, upstreamSettings);
  const range = { from: dateTime(end - (points - 61) * step), to: dateTime(end) };
  const req = { ...request([{ refId: 'A', expr: 'bench', output: 'entropy' }], step), range: { ...range, raw: range } };
  const times: number[] = [];
  let outFrames = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const res = await answer(ds, req);
    times.push(performance.now() - t0);
    outFrames = res.data.length;
  }
  // The same math alone (src/core's batch API on typed arrays), to tell the core's share from the frames'.
  const typed = frames.map((f) => [Float64Array.from(f.fields[0].values as number[]), Float64Array.from(f.fields[1].values as number[])]);
  const core: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (const [t, v] of typed) {
      rollingEntropy(t, v, { window: 60 });
    }
    core.push(performance.now() - t0);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const sorted = [...times].sort((a, b) => a - b);
  return {
    series,
    points,
    runs,
    frames: outFrames,
    medianMs: median(times),
    minMs: sorted[0],
    maxMs: sorted[runs - 1],
    allMs: times,
    coreOnlyMedianMs: median(core),
    userAgent: navigator.userAgent,
  };
}

const registry = new StandInDataSourceSrv();

async function boot() {
  setBackendSrv(new FetchBackendSrv());
  setTemplateSrv(new StandInTemplateSrv({ host: ['host-1', 'host-2', 'host-3'] }));
  setDataSourceSrv(registry);
  const dsModule = await loadAmdModule<{ plugin: EntropyPlugin }>(`${PLUGIN_BASE}/datasource/module.js`, SHARED);
  const panelModule = await loadAmdModule<{ plugin: PanelPlugin }>(`${PLUGIN_BASE}/panel/module.js`, SHARED);
  const promSettings = instanceSettings('prom', 'prometheus', 'Prometheus', {});
  const prom = new PrometheusStandIn(promSettings, '/api/datasources/proxy/uid/prom');
  const settings = instanceSettings<EntropyDataSourceOptions>('entropy', 'healthentropy-entropy-datasource', 'Health Entropy', {
    upstreamUid: 'prom',
    window: window_,
    ...(params.get('engineUrl') ? { engineUrl: params.get('engineUrl')! } : {}),
  });
  const ds = new dsModule.plugin.DataSourceClass(settings as DataSourceInstanceSettings) as DataSourceApi<EntropyQuery>;
  registry.add(prom, promSettings).add(ds, settings);
  state.bench = (series, points, runs) => bench(dsModule.plugin, series, points, runs);
  state.run = async (t, intervalMs) => {
    try {
      const res = await answer(ds, request(t, intervalMs));
      return { frames: summarize(res.data), errors: (res.errors ?? []).map((e) => e.message ?? '') };
    } catch (e) {
      return { frames: [], errors: [e instanceof Error ? e.message : String(e)] };
    }
  };
  state.cancel = async () => {
    const before = requestLog.length;
    let sub: rxjs.Subscription | undefined;
    const onWire = new Promise<void>((resolve) => {
      const listener = () => {
        requestListeners.delete(listener);
        // Unsubscribe as soon as the request is out, before Prometheus can answer.
        queueMicrotask(() => {
          sub?.unsubscribe();
          resolve();
        });
      };
      requestListeners.add(listener);
    });
    sub = rxjs.from(ds.query(request(targets))).subscribe();
    await onWire;
    return requestLog.slice(before);
  };

  const root = createRoot(document.getElementById('root')!);
  if (view === 'config') {
    root.render(<Page><ConfigView plugin={dsModule.plugin} settings={settings} /></Page>);
  } else if (view === 'query') {
    root.render(<Page><QueryView plugin={dsModule.plugin} ds={ds} /></Page>);
  } else if (view === 'live') {
    root.render(<Page><LiveView panel={panelModule.plugin} ds={ds} /></Page>);
  } else if (view === 'panel') {
    const res = await answer(ds, request(targets));
    if (res.errors?.length) {
      throw new Error(res.errors.map((e) => e.message).join('; '));
    }
    state.frames = summarize(res.data);
    const raw = await lastValueFrom(prom.query(request(targets.map((t) => ({ ...t, refId: String(t.indicator ?? t.refId) }))) as never));
    const timeRange = request([]).range;
    state.testResult = (await ds.testDatasource()) as HarnessState['testResult'];
    state.variableValues = (await ds.metricFindQuery!('label_values(node_cpu_busy_ratio, instance)')).map((v) => v.text);
    root.render(
      <Page>
        <PanelView panel={panelModule.plugin} data={{ series: res.data, state: LoadingState.Done, timeRange }} mode="display" />
        <PanelView panel={panelModule.plugin} data={{ series: raw.data, state: LoadingState.Done, timeRange }} mode="compute" />
      </Page>
    );
  } else {
    root.render(<Page><div data-testid="harness-bench">bench</div></Page>);
  }
  // Let React commit before the test reads the page.
  await new Promise((r) => setTimeout(r, 50));
  state.ready = true;
}

boot().catch((e) => {
  state.error = e instanceof Error ? `${e.message}\n${e.stack}` : String(e);
  state.ready = true;
});
