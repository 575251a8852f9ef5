/**
 * The provisioned dashboards (provisioning/dashboards/*.json) are Grafana dashboard JSON that reference only
 * provisioned data sources, metrics the engine exports (or planned ones, said so on the panel), our plugin
 * ids and stock panels, with options our panel and data source understand.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { QUORUM_STATE_CODES } from '../../src/core';
import { EntropyQuery, OUTPUTS } from '../../src/datasource/types';
import { DEFAULT_PANEL_OPTIONS } from '../../src/panel/types';
import {
  KNOWN_METRICS,
  metricNames,
  PLANNED_METRICS,
  pluginIds,
  provisionedDataSources,
  readJson,
  readYaml,
  ROOT,
  Tree,
} from './files';

const DIR = 'provisioning/dashboards';
const files = readdirSync(join(ROOT, DIR)).filter((f) => f.endsWith('.json'));
const dashboards: Array<[string, Tree]> = files.map((f) => [f, readJson(`${DIR}/${f}`)]);
const ids = pluginIds();
const STOCK_PANELS = ['row', 'timeseries', 'stat', 'bargauge', 'table', 'state-timeline'];

/** Every key a query of our data source may have: `keyof EntropyQuery` makes the compiler check the list. */
const QUERY_KEYS: Array<keyof EntropyQuery> = [
  'refId',
  'datasource',
  'hide',
  'expr',
  'legendFormat',
  'output',
  'unit',
  'minStep',
  'indicator',
  'weight',
  'warmup',
  'estimator',
  'window',
  'binning',
  'bins',
  'lo',
  'hi',
  'width',
  'order',
  'delay',
  'hostLabel',
];

/** Panels, with the panels of collapsed rows. */
function allPanels(d: Tree): Tree[] {
  return (d.panels as Tree[]).flatMap((p) => [p, ...((p.panels as Tree[] | undefined) ?? [])]);
}

const targets = (d: Tree): Array<[Tree, Tree]> =>
  allPanels(d).flatMap((p) => ((p.targets as Tree[] | undefined) ?? []).map((t) => [p, t] as [Tree, Tree]));
const variable = (d: Tree, name: string): Tree => (d.templating.list as Tree[]).find((v) => v.name === name);

/** A data source reference with `${var}` resolved through the dashboard's data source variable. */
function resolveUid(d: Tree, uid: string): string {
  const m = /^\$\{?(\w+)\}?$/.exec(uid);
  if (!m) {
    return uid;
  }
  const v = variable(d, m[1]);
  expect(v).toMatchObject({ type: 'datasource' });
  return v.current.value;
}

describe('provisioned dashboards', () => {
  it('are the two the issue asks for, with unique uids', () => {
    expect(dashboards.map(([, d]) => d.title).sort()).toEqual(['Fleet entropy', 'Host entropy']);
    expect(new Set(dashboards.map(([, d]) => d.uid)).size).toBe(dashboards.length);
    for (const [, d] of dashboards) {
      expect(d).toMatchObject({
        uid: expect.stringMatching(/^[\w-]{1,40}$/),
        schemaVersion: expect.any(Number),
        editable: true,
      });
      expect(Array.isArray(d.panels)).toBe(true);
    }
  });

  it('have a provider that loads them from the mounted folder', () => {
    const doc = readYaml(`${DIR}/dashboards.yaml`);
    expect(doc.apiVersion).toBe(1);
    expect(doc.providers).toEqual([
      expect.objectContaining({
        type: 'file',
        folder: 'Health Entropy',
        options: expect.objectContaining({ path: '/etc/grafana/provisioning/dashboards' }),
      }),
    ]);
  });

  it.each(dashboards)('%s: panel ids are unique and panels fit the 24-column grid without overlapping', (_, d) => {
    const panels = allPanels(d);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      const { x, y, w, h } = p.gridPos;
      expect([x, y, w, h].every(Number.isInteger)).toBe(true);
      expect(x + w).toBeLessThanOrEqual(24);
    }
    for (let i = 0; i < panels.length; i++) {
      for (let j = i + 1; j < panels.length; j++) {
        const a = panels[i].gridPos;
        const b = panels[j].gridPos;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect({ a: panels[i].title, b: panels[j].title, overlap }).toEqual({
          a: panels[i].title,
          b: panels[j].title,
          overlap: false,
        });
      }
    }
  });

  it.each(dashboards)('%s: uses only stock panels and ours', (_, d) => {
    for (const p of allPanels(d)) {
      expect([...STOCK_PANELS, ids.panel]).toContain(p.type);
    }
  });

  it.each(dashboards)('%s: every data source is a provisioned uid of the right type', (_, d) => {
    const provisioned = provisionedDataSources();
    const refs: Tree[] = [
      ...allPanels(d)
        .filter((p) => p.type !== 'row')
        .map((p) => p.datasource),
      ...targets(d).map(([, t]) => t.datasource),
      ...(d.templating.list as Tree[]).filter((v) => v.datasource).map((v) => v.datasource),
    ];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const uid = resolveUid(d, ref.uid);
      expect(provisioned.has(uid)).toBe(true);
      expect(provisioned.get(uid)).toBe(ref.type);
    }
    for (const v of (d.templating.list as Tree[]).filter((x) => x.type === 'datasource')) {
      expect(provisioned.get(v.current.value)).toBe(v.query);
    }
  });

  it.each(dashboards)(
    '%s: queries name only metrics the engine exports (or planned ones the panel says are planned)',
    (_, d) => {
      const exprs: Array<[Tree, string]> = [
        ...targets(d).map(([p, t]) => [p, t.expr] as [Tree, string]),
        ...(d.templating.list as Tree[])
          .filter((v) => v.type === 'query')
          .map((v) => [v, v.definition] as [Tree, string]),
      ];
      for (const [owner, expr] of exprs) {
        expect(typeof expr).toBe('string');
        const names = metricNames(expr);
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) {
          expect({ expr, name, known: KNOWN_METRICS.has(name) }).toEqual({ expr, name, known: true });
          if (PLANNED_METRICS.includes(name)) {
            expect(owner.description).toMatch(/Available once the (allocation|quorum) feature lands/);
          }
        }
      }
    }
  );

  it.each(dashboards)(
    '%s: query variables are label_values() strings (an object form would need label and metric fields)',
    (_, d) => {
      const vars = (d.templating.list as Tree[]).filter((v) => v.type === 'query');
      expect(vars.length).toBeGreaterThan(0);
      for (const v of vars) {
        expect(v.query).toBe(v.definition);
        expect(v.query).toMatch(/^label_values\(.+, \w+\)$/);
      }
    }
  );

  it.each(dashboards)('%s: template variables used in queries are defined', (_, d) => {
    const defined = new Set((d.templating.list as Tree[]).map((v) => v.name));
    const used = [...JSON.stringify(targets(d).map(([, t]) => t)).matchAll(/\$\{?([A-Za-z]\w*)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) {
      expect(defined).toContain(name);
    }
  });

  it.each(dashboards)('%s: our panel gets exactly the options it has, of the right types', (_, d) => {
    const ours = allPanels(d).filter((p) => p.type === ids.panel);
    expect(ours.length).toBeGreaterThan(0);
    for (const p of ours) {
      expect(Object.keys(p.options).sort()).toEqual(Object.keys(DEFAULT_PANEL_OPTIONS).sort());
      for (const [key, value] of Object.entries(DEFAULT_PANEL_OPTIONS)) {
        expect(typeof p.options[key]).toBe(typeof value);
      }
      expect(['compute', 'display']).toContain(p.options.mode);
      expect(['entropy', 'z']).toContain(p.options.colorBy);
      // Over the engine's metrics the host is the `host` label and the indicator the `indicator` label.
      expect(p.options).toMatchObject({ mode: 'display', hostLabel: 'host', indicatorLabel: 'indicator' });
    }
  });

  it.each(dashboards)('%s: queries of our data source are valid entropy queries', (_, d) => {
    for (const [, t] of targets(d).filter(([, t]) => t.datasource.type === ids.datasource)) {
      for (const key of Object.keys(t)) {
        expect(QUERY_KEYS).toContain(key);
      }
      expect(OUTPUTS.map((o) => o.value)).toContain(t.output);
      expect(t.expr.length).toBeGreaterThan(0);
    }
  });

  it('panels whose links read ${__field.labels.*} get time-series frames (a table frame has no field labels)', () => {
    const linked = dashboards
      .flatMap(([, d]) => allPanels(d))
      .filter((p) => JSON.stringify(p.fieldConfig ?? {}).includes('__field.labels.'));
    expect(linked.length).toBeGreaterThan(0);
    for (const p of linked) {
      for (const t of p.targets as Tree[]) {
        expect({ panel: p.title, format: t.format ?? 'time_series' }).toEqual({
          panel: p.title,
          format: 'time_series',
        });
      }
    }
  });

  it.each(dashboards)('%s: data links point at a provisioned dashboard', (_, d) => {
    const uids = dashboards.map(([, x]) => x.uid);
    const urls = [...JSON.stringify(d).matchAll(/"url":"\/d\/([\w-]+)\//g)].map((m) => m[1]);
    for (const uid of urls) {
      expect(uids).toContain(uid);
    }
  });

  it('Fleet entropy shows the entropy panel over all hosts, the hosts deviating most, decisions and quorum state', () => {
    const d = dashboards.find(([, x]) => x.title === 'Fleet entropy')![1];
    const exprs = targets(d).map(([, t]) => t.expr as string);
    expect(
      allPanels(d).some(
        (p) => p.type === ids.panel && p.targets.some((t: Tree) => /^health_entropy\{host=~"\$host"\}$/.test(t.expr))
      )
    ).toBe(true);
    expect(exprs.some((e) => /topk\(.*health_entropy_host_z/.test(e))).toBe(true);
    expect(exprs.some((e) => e.includes('health_entropy_decision'))).toBe(true);
    expect(exprs.some((e) => e.includes('health_entropy_quorum_state'))).toBe(true);
    expect(variable(d, 'host')).toMatchObject({ multi: true, includeAll: true });
  });

  it('quorum state panels map exactly the codes the engine exports, to their names', () => {
    const panels = dashboards
      .flatMap(([, d]) => allPanels(d))
      .filter((p) => (p.targets ?? []).some((t: Tree) => String(t.expr).includes('health_entropy_quorum_state')));
    expect(panels.length).toBe(2);
    const expected = Object.fromEntries(Object.entries(QUORUM_STATE_CODES).map(([name, code]) => [String(code), name]));
    for (const p of panels) {
      const options = p.fieldConfig.defaults.mappings[0].options as Record<string, { text: string }>;
      expect(Object.fromEntries(Object.entries(options).map(([code, m]) => [code, m.text]))).toEqual(expected);
    }
  });

  it('Host entropy shows, per indicator, raw value, entropy, baseline band, z and trend, and the host decisions', () => {
    const d = dashboards.find(([, x]) => x.title === 'Host entropy')![1];
    const exprs = targets(d).map(([, t]) => t.expr as string);
    for (const metric of ['health_entropy', 'health_entropy_baseline', 'health_entropy_z', 'health_entropy_trend']) {
      expect(exprs.some((e) => metricNames(e).includes(metric) && e.includes('indicator="$indicator"'))).toBe(true);
    }
    expect(exprs.some((e) => e.includes('health_entropy_decision{host="$host"}'))).toBe(true);
    // The raw value beside its entropy, computed by our data source.
    expect(targets(d).some(([, t]) => t.datasource.type === ids.datasource && t.output === 'raw+entropy')).toBe(true);
    expect(variable(d, 'host')).toMatchObject({ multi: false });
    expect((d.panels as Tree[]).some((p) => p.type === 'row' && p.repeat === 'indicator')).toBe(true);
  });
});
