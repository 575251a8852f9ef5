/**
 * The engine's configuration: YAML in, a validated {@link EngineConfig} out, resolved once at start.
 *
 * Precedence is explicit (CLI flags) → environment (`HEALTH_ENTROPY_*`) → file → defaults. Every error names
 * the key path, the value and what is allowed. Secrets are never read inline from the file: they come from
 * `{env: NAME}` or `{file: PATH}`, so that the YAML can live in git.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { BaselineOptions, EntropyOptions, OptionError, resolveBaselineOptions, resolveEntropyOptions } from '../core';
import { DetectorFactory, SeriesPipelineOptions } from '../core/pipeline';
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
import { parseSelector, Selector } from './selector';

export { ConfigError } from './fields';

/** One health indicator: where its series come from and how its entropy is computed. */
export interface IndicatorConfig {
  name: string;
  /** PromQL polled every interval (one series per host), or undefined for remote write. */
  query: string | undefined;
  /** Series selector for remote-write samples, or undefined for polling. */
  selector: Selector | undefined;
  /** Label that names the host (default `instance`). */
  hostLabel: string;
  /** Weight in the host aggregate. */
  weight: number;
  /** What each series' {@link SeriesPipeline} is built with (entropy options are already validated). */
  pipeline: SeriesPipelineOptions;
  /** Optional second detector (surprisal); not configurable from YAML yet, set by code. */
  detector?: DetectorFactory;
}

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
];
const ENTROPY_KEYS = [
  'estimator',
  'window',
  'minFill',
  'maxAge',
  'binning',
  'bins',
  'lo',
  'hi',
  'width',
  'order',
  'delay',
];
const SERIES_KEYS = [...ENTROPY_KEYS, 'hostLabel', 'weight', 'trendWindow', 'baseline'];
const INDICATOR_KEYS = ['name', 'query', 'selector', ...SERIES_KEYS];

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

  if (!Array.isArray(doc.indicators) || doc.indicators.length === 0) {
    throw new ConfigError(
      'indicators',
      `indicators must be a non-empty list of indicators, got ${show(doc.indicators)}`
    );
  }
  const indicators = doc.indicators.map((item, i) => parseIndicator(`indicators[${i}]`, item, defaults, intervalMs));
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
  };
}

function parseListen(key: string, value: unknown): { host: string; port: number } {
  const m = typeof value === 'string' ? /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value) : null;
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new ConfigError(
      key,
      `${key} must be host:port (e.g. 127.0.0.1:9464, :9464 or [::1]:9464), got ${show(value)}`
    );
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

type SecretReader = (key: string, value: unknown) => string;

function parsePrometheus(value: unknown, secret: SecretReader): EngineConfig['prometheus'] {
  if (value === undefined) {
    return undefined;
  }
  const p = mapAt('prometheus', value);
  checkKeys('prometheus', p, ['url', 'timeout', 'bearerToken', 'basicAuth']);
  const url = stringAt('prometheus.url', p.url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      'prometheus.url',
      `prometheus.url must be an http(s) URL like http://prometheus:9090, got ${show(url)}`
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError('prometheus.url', `prometheus.url must use http or https, got ${show(url)}`);
  }
  const headers: Record<string, string> = {};
  if (p.bearerToken !== undefined && p.basicAuth !== undefined) {
    throw new ConfigError(
      'prometheus.basicAuth',
      'prometheus.basicAuth and prometheus.bearerToken are exclusive: set one'
    );
  }
  if (p.bearerToken !== undefined) {
    headers.authorization = `Bearer ${secret('prometheus.bearerToken', p.bearerToken)}`;
  }
  if (p.basicAuth !== undefined) {
    const b = mapAt('prometheus.basicAuth', p.basicAuth);
    checkKeys('prometheus.basicAuth', b, ['username', 'password']);
    const user = stringAt('prometheus.basicAuth.username', b.username);
    const password = secret('prometheus.basicAuth.password', b.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  return {
    url: url.replace(/\/+$/, ''),
    timeoutMs: durationAt('prometheus.timeout', p.timeout ?? '10s', 100, 600_000),
    headers,
  };
}

/** `{env: NAME}` or `{file: PATH}`; an inline string is refused so that no secret is ever committed. */
function readSecret(key: string, value: unknown, env: NodeJS.ProcessEnv, readFile: (p: string) => string): string {
  const allowed = `${key} must be {env: VARIABLE} or {file: PATH} (secrets are not accepted inline)`;
  if (!isMap(value)) {
    throw new ConfigError(key, `${allowed}, got ${typeof value === 'string' ? 'an inline string' : show(value)}`);
  }
  checkKeys(key, value, ['env', 'file']);
  if ((value.env === undefined) === (value.file === undefined)) {
    throw new ConfigError(key, `${allowed}: set exactly one of env and file`);
  }
  let secret: string | undefined;
  if (value.env !== undefined) {
    const name = stringAt(`${key}.env`, value.env);
    secret = env[name];
    if (secret === undefined || secret === '') {
      throw new ConfigError(
        `${key}.env`,
        `${key}.env names the environment variable ${name}, which is not set or empty`
      );
    }
  } else {
    const path = stringAt(`${key}.file`, value.file);
    try {
      secret = readFile(path).trim();
    } catch (e) {
      throw new ConfigError(`${key}.file`, `${key}.file ${show(path)} cannot be read: ${(e as Error).message}`);
    }
    if (secret === '') {
      throw new ConfigError(`${key}.file`, `${key}.file ${show(path)} is empty`);
    }
  }
  return secret;
}

function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OptionError) {
      throw new ConfigError(e.field, e.message);
    }
    throw e;
  }
}

function parseIndicator(
  key: string,
  value: unknown,
  defaults: Record<string, unknown>,
  intervalMs: number
): IndicatorConfig {
  if (!isMap(value)) {
    throw new ConfigError(key, `${key} must be a map with name and query or selector, got ${show(value)}`);
  }
  checkKeys(key, value, INDICATOR_KEYS);
  const name = stringAt(`${key}.name`, value.name);
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) {
    throw new ConfigError(
      `${key}.name`,
      `${key}.name must be letters, digits and _ (not starting with a digit), got ${show(name)}`
    );
  }
  if ((value.query === undefined) === (value.selector === undefined)) {
    throw new ConfigError(key, `${key} (${name}) must have exactly one of query (polled) and selector (remote write)`);
  }
  const query = value.query === undefined ? undefined : stringAt(`${key}.query`, value.query);
  let selector: Selector | undefined;
  if (value.selector !== undefined) {
    const text = stringAt(`${key}.selector`, value.selector);
    try {
      selector = parseSelector(text);
    } catch (e) {
      throw new ConfigError(
        `${key}.selector`,
        `${key}.selector ${show(text)} is not a series selector: ${(e as Error).message}`
      );
    }
  }
  const merged = { ...defaults, ...value };
  const at = (k: string) => (k in value ? `${key}.${k}` : `defaults.${k}`);
  const hostLabel = stringAt(at('hostLabel'), merged.hostLabel ?? 'instance');
  const weight = numberAt(at('weight'), merged.weight ?? 1, 0, 1e9);
  const trendWindow = numberAt(at('trendWindow'), merged.trendWindow ?? 10, 2, 10_000, true);
  const entropy: Record<string, unknown> = {};
  for (const k of ENTROPY_KEYS) {
    if (merged[k] !== undefined && k !== 'maxAge') {
      entropy[k] = merged[k];
    }
  }
  if (merged.maxAge !== undefined) {
    entropy.maxAgeMs = durationAt(at('maxAge'), merged.maxAge, intervalMs, 365 * 86_400_000);
  }
  // Report the key where the user wrote it: the indicator if set there, else defaults.
  const resolved = wrap(() => {
    try {
      return resolveEntropyOptions(entropy as EntropyOptions, `${key}.`);
    } catch (e) {
      if (e instanceof OptionError) {
        const field = e.field.slice(key.length + 1);
        const where = field === 'maxAgeMs' ? at('maxAge') : at(field);
        throw new OptionError(where, e.message.split(e.field).join(where));
      }
      throw e;
    }
  });
  const baselineKey = 'baseline' in value ? `${key}.baseline` : 'defaults.baseline';
  const baseline = wrap(() =>
    resolveBaselineOptions(mapAt(baselineKey, merged.baseline) as BaselineOptions, `${baselineKey}.`)
  );
  return { name, query, selector, hostLabel, weight, pipeline: { entropy: resolved, baseline, trendWindow } };
}
