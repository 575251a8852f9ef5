/**
 * Prometheus-style legend formats: `{{instance}} cpu` → `node-1:9100 cpu`. Unknown labels render empty, as
 * in Grafana's Prometheus data source.
 */
import { Labels } from '@grafana/data';

const TEMPLATE = /\{\{\s*(.+?)\s*\}\}/g;

/** Renders `format` with `labels`; undefined when there is no format. */
export function renderLegend(format: string | undefined, labels: Labels): string | undefined {
  if (!format) {
    return undefined;
  }
  return format.replace(TEMPLATE, (_, name: string) => labels[name] ?? '');
}

/** `name{a="1", b="2"}`, the way Prometheus prints a series (without `__name__` in the braces). */
export function seriesName(labels: Labels, fallback = ''): string {
  const name = labels.__name__ ?? fallback;
  const pairs = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}="${labels[k]}"`);
  return pairs.length ? `${name}{${pairs.join(', ')}}` : name;
}
