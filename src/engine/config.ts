/**
 * The engine's configuration: YAML in, a validated {@link EngineConfig} out, resolved once at start.
 *
 * Precedence is explicit (CLI flags) → environment (`HEALTH_ENTROPY_*`) → file → defaults. Every error names
 * the key path, the value and what is allowed. Secrets are never read inline from the file: they come from
 * `{env: NAME}` or `{file: PATH}`, so that the YAML can live in git.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { BaselineOptions, resolveBaselineOptions } from '../core';
import { AlertmanagerConfig, AlertsConfig, parseAlertmanagerConfig, parseAlertsConfig } from './alerts/config';
import { parseActionsConfig, ResourceConfig, WebhookConfig } from './actions/config';
import { parseListen, parsePrometheus, readSecret } from './config-sources';
import {
  booleanAt,
  checkKeys,
  ConfigError,
  durationAt,
  isMap,
  mapAt,
  numberAt,
  show,
  sizeAt,
  stringAt,
} from './fields';
import { IndicatorConfig, parseIndicator, SERIES_KEYS, wrap } from './indicator-config';
import { DELTA_KEYS, DeltaConfig, parseDeltaConfig } from './deltas/config';
import { parseQuorum, QuorumConfig } from './quorum/config';

export { ConfigError } from './fields';
export type { IndicatorConfig } from './indicator-config';

/** Everything the engine needs, validated. Durations in milliseconds, sizes in bytes. */
export interface EngineConfig {
  listen: { host: string; port: number };
  prometheus: { url: string; timeoutMs: number; headers: Record<string, string> } | undefined;
  intervalMs: number;
  persistIntervalMs: number;
  stalenessMs: number;
  /** Longest wait between poll retries while Prometheus is down. */
  maxBackoffMs: number;
  store: { path: string } | undefined;
  remoteWrite: {
    enabled: boolean;
    maxBodyBytes: number;
    maxDecompressedBytes: number;
    bearerToken: string | undefined;
  };
  hostBaseline: BaselineOptions;
  maxSeries: number;
  logLevel: string;
  indicators: IndicatorConfig[];
  /** The alert receiver (`POST /api/v1/alerts`). */
  alerts: AlertsConfig;
  /** Where the engine pushes its own alerts; undefined: nowhere. */
  alertmanager: AlertmanagerConfig | undefined;
  /** Allocatable resources the policy scales (README, "Allocation"). */
  resources: ResourceConfig[];
  /** Where actions are delivered; set whenever resources are. */
  webhook: WebhookConfig | undefined;
  /** Edge name, upstream, central and live stream (issue 6). */
  deltas: DeltaConfig;
  /** The entropy quorum (`quorum:`), if configured. */
  quorum: QuorumConfig | undefined;
}

/** Values given on the command line; they win over the environment and the file. */
export interface ConfigOverrides {
  listen?: string;
  storePath?: string;
  logLevel?: string;
}

/** Where secrets and env overrides are read from (tests pass their own). */
export interface ConfigSources {
  env?: NodeJS.ProcessEnv;
  readFile?: (path: string) => string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const TOP_KEYS = [
  'listen',
  'prometheus',
  'interval',
  'persistInterval',
  'staleness',
  'maxBackoff',
  'store',
  'remoteWrite',
  'defaults',
  'hostBaseline',
  'maxSeries',
  'logLevel',
  'indicators',
  'alerts',
  'alertmanager',
  'resources',
  'webhook',
  ...DELTA_KEYS,
  'quorum',
];

/** Reads and validates a config file; throws {@link ConfigError} (or a file-system error for a missing file). */
export function loadConfigFile(
  path: string,
  overrides: ConfigOverrides = {},
  sources: ConfigSources = {}
): EngineConfig {
  return parseConfig(readFileSync(path, 'utf8'), overrides, sources);
}

/** Validates YAML text. */
export function parseConfig(text: string, overrides: ConfigOverrides = {}, sources: ConfigSources = {}): EngineConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError('(file)', `the file is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isMap(doc)) {
    throw new ConfigError('(file)', `the file must be a YAML map of keys (listen, indicators, ...), got ${show(doc)}`);
  }
  return resolveConfig(doc, overrides, sources);
}

/** Validates an already parsed document. */
export function resolveConfig(
  doc: Record<string, unknown>,
  overrides: ConfigOverrides = {},
  sources: ConfigSources = {}
): EngineConfig {
  const env = sources.env ?? process.env;
  const readFile = sources.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const secret = (key: string, value: unknown) => readSecret(key, value, env, readFile);
  checkKeys('', doc, TOP_KEYS);

  const listen = parseListen(
    overrides.listen !== undefined
      ? '--listen'
      : env.HEALTH_ENTROPY_LISTEN !== undefined
        ? 'HEALTH_ENTROPY_LISTEN'
        : 'listen',
    overrides.listen ?? env.HEALTH_ENTROPY_LISTEN ?? doc.listen ?? '127.0.0.1:9464'
  );
  const logLevelKey =
    overrides.logLevel !== undefined
      ? '--log-level'
      : env.HEALTH_ENTROPY_LOG_LEVEL
        ? 'HEALTH_ENTROPY_LOG_LEVEL'
        : 'logLevel';
  const logLevel = overrides.logLevel ?? env.HEALTH_ENTROPY_LOG_LEVEL ?? doc.logLevel ?? 'info';
  if (typeof logLevel !== 'string' || !LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(logLevelKey, `${logLevelKey} must be one of ${LOG_LEVELS.join(', ')}, got ${show(logLevel)}`);
  }

  const intervalMs = durationAt('interval', doc.interval ?? '15s', 100, 3_600_000);
  const persistIntervalMs = durationAt('persistInterval', doc.persistInterval ?? '1m', 100, 86_400_000);
  const stalenessMs = durationAt('staleness', doc.staleness ?? '5m', intervalMs, 7 * 86_400_000);
  const maxBackoffMs = durationAt('maxBackoff', doc.maxBackoff ?? '1m', 100, 3_600_000);
  const maxSeries = numberAt('maxSeries', doc.maxSeries ?? 1_000_000, 1, 100_000_000, true);

  const prometheus = parsePrometheus(doc.prometheus, secret);
  const storeMap = mapAt('store', doc.store);
  checkKeys('store', storeMap, ['path']);
  const storePath = overrides.storePath ?? env.HEALTH_ENTROPY_STORE ?? storeMap.path;
  const store = storePath === undefined ? undefined : { path: stringAt('store.path', storePath) };

  const rw = mapAt('remoteWrite', doc.remoteWrite);
  checkKeys('remoteWrite', rw, ['enabled', 'maxBodyBytes', 'maxDecompressedBytes', 'bearerToken']);
  const remoteWrite = {
    enabled: rw.enabled === undefined ? true : booleanAt('remoteWrite.enabled', rw.enabled),
    maxBodyBytes: sizeAt('remoteWrite.maxBodyBytes', rw.maxBodyBytes ?? '16MiB', 1024, 1024 ** 3),
    maxDecompressedBytes: sizeAt(
      'remoteWrite.maxDecompressedBytes',
      rw.maxDecompressedBytes ?? '64MiB',
      1024,
      4 * 1024 ** 3
    ),
    bearerToken: rw.bearerToken === undefined ? undefined : secret('remoteWrite.bearerToken', rw.bearerToken),
  };

  const hostBaseline = wrap(() =>
    resolveBaselineOptions(mapAt('hostBaseline', doc.hostBaseline) as BaselineOptions, 'hostBaseline.')
  );
  const defaults = mapAt('defaults', doc.defaults);
  checkKeys('defaults', defaults, SERIES_KEYS);

  const deltas = parseDeltaConfig(doc, { secret, intervalMs, stalenessMs, maxBackoffMs });
  const quorum = parseQuorum(doc.quorum, defaults, intervalMs, prometheus !== undefined);
  // A central may only aggregate its edges, and a quorum alone is a complete config; any other engine needs
  // something to compute.
  const list = (deltas.central !== undefined || quorum) && doc.indicators === undefined ? [] : doc.indicators;
  if (!Array.isArray(list) || (list.length === 0 && !quorum && deltas.central === undefined)) {
    throw new ConfigError(
      'indicators',
      `indicators must be a non-empty list of indicators (it may be empty only with central or quorum), got ${show(doc.indicators)}`
    );
  }
  const indicators = list.map((item, i) => parseIndicator(`indicators[${i}]`, item, defaults, intervalMs));
  const seen = new Set<string>();
  indicators.forEach((ind, i) => {
    if (seen.has(ind.name)) {
      throw new ConfigError(
        `indicators[${i}].name`,
        `indicators[${i}].name ${show(ind.name)} is used by an earlier indicator; names must be unique`
      );
    }
    seen.add(ind.name);
    if (ind.query !== undefined && prometheus === undefined) {
      throw new ConfigError(
        'prometheus.url',
        `prometheus.url is required: indicators[${i}] (${ind.name}) has a query to poll`
      );
    }
  });
  const { resources, webhook } = parseActionsConfig(doc, {
    indicators,
    hostLabel: defaults.hostLabel === undefined ? 'instance' : stringAt('defaults.hostLabel', defaults.hostLabel),
    isCentral: deltas.central !== undefined,
    hasPrometheus: prometheus !== undefined,
    hasStore: store !== undefined,
    secret,
  });
  return {
    listen,
    prometheus,
    intervalMs,
    persistIntervalMs,
    stalenessMs,
    maxBackoffMs,
    store,
    remoteWrite,
    hostBaseline,
    maxSeries,
    logLevel,
    indicators,
    alerts: parseAlertsConfig(doc.alerts, secret),
    alertmanager: parseAlertmanagerConfig(doc.alertmanager, secret, listen),
    resources,
    webhook,
    deltas,
    quorum,
  };
}
