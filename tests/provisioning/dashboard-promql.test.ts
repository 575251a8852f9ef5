/**
 * Every PromQL query of the provisioned dashboards parses and runs on a real Prometheus (Debian's binary),
 * with the dashboard's template variables substituted as Grafana would. promtool checks rule files only, so
 * this is where a typo in a dashboard query is caught.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startPrometheus, TestPrometheus } from '../helpers/processes';
import { readJson, ROOT, Tree } from './files';

const DIR = 'provisioning/dashboards';
const queries: Array<[string, string, string]> = readdirSync(join(ROOT, DIR))
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => {
    const d = readJson(`${DIR}/${f}`);
    const panels: Tree[] = (d.panels as Tree[]).flatMap((p) => [p, ...((p.panels as Tree[] | undefined) ?? [])]);
    const fromPanels = panels.flatMap((p) =>
      ((p.targets as Tree[] | undefined) ?? []).map(
        (t) => [f, `${p.title} ${t.refId}`, t.expr] as [string, string, string]
      )
    );
    const fromVariables = (d.templating.list as Tree[])
      .filter((v) => v.type === 'query')
      .map((v) => [f, `variable ${v.name}`, v.definition] as [string, string, string]);
    return [...fromPanels, ...fromVariables];
  });

/** Grafana's substitutions: a host, an indicator, `$__rate_interval`; `label_values(m, l)` becomes `m`. */
function substitute(expr: string): string {
  const lv = /^label_values\((.*),\s*\w+\)$/.exec(expr);
  return (lv ? lv[1] : expr)
    .replace(/\$__rate_interval/g, '1m')
    .replace(/\$\{?host\}?/g, 'web-1:9100')
    .replace(/\$\{?indicator\}?/g, 'cpu');
}

let prometheus: TestPrometheus;

beforeAll(async () => {
  prometheus = await startPrometheus({ config: 'global:\n  scrape_interval: 1m\n' });
});

afterAll(async () => {
  await prometheus?.stop();
});

describe('dashboard queries on a real Prometheus', () => {
  it('has queries to check', () => {
    expect(queries.length).toBeGreaterThan(20);
  });

  it.each(queries)('%s: %s is valid PromQL', async (_, __, expr) => {
    const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(substitute(expr))}`);
    const body = (await res.json()) as { status: string; error?: string };
    expect({ expr, status: body.status, error: body.error }).toEqual({ expr, status: 'success', error: undefined });
  });
});
