/**
 * Config sections that touch the outside world: the listen address, the Prometheus connection and its
 * authentication, and secrets read from the environment or files (never inline).
 */
import type { EngineConfig } from './config';
import { checkKeys, ConfigError, durationAt, isMap, mapAt, show, stringAt } from './fields';

/** `host:port`, `:port` or `[v6]:port`. */
export function parseListen(key: string, value: unknown): { host: string; port: number } {
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

/** An http(s) URL (as given); `example` goes into the error message. */
export function httpUrlAt(key: string, value: unknown, example: string): string {
  const url = stringAt(key, value);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(key, `${key} must be an http(s) URL like ${example}, got ${show(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(key, `${key} must use http or https, got ${show(url)}`);
  }
  return url;
}

/** Reads a secret reference at a key. */
export type SecretReader = (key: string, value: unknown) => string;

/** The `prometheus` section; undefined when absent. */
export function parsePrometheus(value: unknown, secret: SecretReader): EngineConfig['prometheus'] {
  if (value === undefined) {
    return undefined;
  }
  const p = mapAt('prometheus', value);
  checkKeys('prometheus', p, ['url', 'timeout', 'bearerToken', 'basicAuth']);
  const url = httpUrlAt('prometheus.url', p.url, 'http://prometheus:9090');
  const headers = clientAuthHeaders('prometheus', p, secret);
  return {
    url: url.replace(/\/+$/, ''),
    timeoutMs: durationAt('prometheus.timeout', p.timeout ?? '10s', 100, 600_000),
    headers,
  };
}

/**
 * The `authorization` header of an HTTP client section (`prometheus`, `alertmanager`): `bearerToken` or
 * `basicAuth: {username, password}`, exclusive, secrets through {@link readSecret}.
 */
export function clientAuthHeaders(
  key: string,
  p: Record<string, unknown>,
  secret: SecretReader
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (p.bearerToken !== undefined && p.basicAuth !== undefined) {
    throw new ConfigError(`${key}.basicAuth`, `${key}.basicAuth and ${key}.bearerToken are exclusive: set one`);
  }
  if (p.bearerToken !== undefined) {
    headers.authorization = `Bearer ${secret(`${key}.bearerToken`, p.bearerToken)}`;
  }
  if (p.basicAuth !== undefined) {
    const { username, password } = basicAuthAt(`${key}.basicAuth`, p.basicAuth, secret);
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  return headers;
}

/** `basicAuth: {username, password}`: the username plain, the password a secret reference. */
export function basicAuthAt(key: string, value: unknown, secret: SecretReader): { username: string; password: string } {
  const b = mapAt(key, value);
  checkKeys(key, b, ['username', 'password']);
  const username = stringAt(`${key}.username`, b.username);
  if (username.includes(':')) {
    throw new ConfigError(
      `${key}.username`,
      `${key}.username must not contain ":" (HTTP basic auth), got ${show(username)}`
    );
  }
  return { username, password: secret(`${key}.password`, b.password) };
}

/** `{env: NAME}` or `{file: PATH}`; an inline string is refused so that no secret is ever committed. */
export function readSecret(
  key: string,
  value: unknown,
  env: NodeJS.ProcessEnv,
  readFile: (p: string) => string
): string {
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
