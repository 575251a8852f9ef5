/**
 * What the provisioning tests share: the repository's files, parsed; the real tools they run; and the names
 * a dashboard or rule may reference (metrics the engine exports, data source uids, our plugin ids).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(__dirname, '..', '..');

export const AMTOOL_BIN = process.env.AMTOOL_BIN ?? '/usr/bin/amtool';
/** Debian's `docker-compose` (v1), which validates a compose file without a Docker engine. */
export const DOCKER_COMPOSE_BIN = process.env.DOCKER_COMPOSE_BIN ?? '/usr/bin/docker-compose';

export function readText(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

// Parsed files are plain JSON-like trees; tests narrow them with expectations, so `any` is the honest type.

export type Tree = any;

export function readYaml(path: string): Tree {
  return parse(readText(path));
}

export function readJson(path: string): Tree {
  return JSON.parse(readText(path));
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion (these tools are quick) and returns its exit status and output. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const r = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) {
    throw new Error(`${command} could not run: ${r.error.message}`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Series the engine exports on /metrics today. */
export const ENGINE_METRICS = [
  'health_entropy',
  'health_entropy_bits',
  'health_entropy_baseline',
  'health_entropy_deviation',
  'health_entropy_z',
  'health_entropy_trend',
  'health_entropy_surprisal',
  'health_entropy_anomaly_score',
  'health_entropy_host',
  'health_entropy_host_max',
  'health_entropy_host_baseline',
  'health_entropy_host_deviation',
  'health_entropy_host_z',
  'health_entropy_source_up',
  'health_entropy_samples_ingested_total',
  'health_entropy_samples_skipped_total',
  'health_entropy_series',
  'health_entropy_hosts',
  'health_entropy_ready',
  // The entropy quorum (issue 7), with `quorum:` in the engine config.
  'health_entropy_quorum_state',
  'health_entropy_quorum_flagged',
  'health_entropy_quorum_size',
  'health_entropy_quorum_observers',
  'health_entropy_quorum_series',
];

/** Planned (allocation, issue 5): a panel or rule using one must say so. */
export const PLANNED_METRICS = ['health_entropy_decision'];

/** node-exporter series the raw-utilization queries use (the compose stack's indicators). */
export const NODE_EXPORTER_METRICS = [
  'node_cpu_seconds_total',
  'node_memory_MemAvailable_bytes',
  'node_memory_MemTotal_bytes',
];

export const KNOWN_METRICS = new Set([...ENGINE_METRICS, ...PLANNED_METRICS, ...NODE_EXPORTER_METRICS]);

/**
 * Metric names in a PromQL expression: every `health_entropy*` or `node_*` identifier, and every identifier
 * followed by a `{` selector. Quoted strings (label values, regexes) and `[5m]` ranges are removed first.
 */
export function metricNames(expr: string): string[] {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\[[^\]]*\]/g, '');
  const names = new Set<string>();
  for (const m of bare.matchAll(/\b(health_entropy\w*|node_\w+)\b/g)) {
    names.add(m[1]);
  }
  for (const m of bare.matchAll(/\b([a-zA-Z_:][\w:]*)\s*\{/g)) {
    names.add(m[1]);
  }
  return [...names];
}

/** The data sources provisioned in provisioning/datasources/datasources.yaml, by uid. */
export function provisionedDataSources(): Map<string, string> {
  const doc = readYaml('provisioning/datasources/datasources.yaml');
  return new Map((doc.datasources as Tree[]).map((d) => [d.uid as string, d.type as string]));
}

/** The ids in src/plugin.json, src/datasource/plugin.json and src/panel/plugin.json. */
export function pluginIds(): { app: string; datasource: string; panel: string } {
  return {
    app: readJson('src/plugin.json').id,
    datasource: readJson('src/datasource/plugin.json').id,
    panel: readJson('src/panel/plugin.json').id,
  };
}
