/**
 * The two alert sections of the engine config: `alerts` (the receiver, `POST /api/v1/alerts`) and
 * `alertmanager` (where the engine pushes its own alerts). Secrets come only from `{env}` or `{file}`.
 */
import { basicAuthAt, clientAuthHeaders, httpUrlAt, SecretReader } from '../config-sources';
import { booleanAt, checkKeys, ConfigError, durationAt, mapAt, sizeAt, stringAt } from '../fields';
import type { AlertAuthConfig } from './auth';

/** The `alerts` section, resolved. */
export interface AlertsConfig {
  enabled: boolean;
  maxBodyBytes: number;
  auth: AlertAuthConfig;
}

/** The `alertmanager` section, resolved; absent → no pushing. */
export interface AlertmanagerConfig {
  /** Base URL; `/api/v2/alerts` is appended. */
  url: string;
  headers: Record<string, string>;
  resendIntervalMs: number;
  timeoutMs: number;
  /** Base of each alert's `generatorURL` (the engine as the people who receive the alert reach it). */
  externalURL: string;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function headerNameAt(key: string, value: unknown): string {
  const name = stringAt(key, value);
  if (!HEADER_NAME.test(name)) {
    throw new ConfigError(
      key,
      `${key} must be an HTTP header name like X-Grafana-Alerting-Signature, got "${name.slice(0, 60)}"`
    );
  }
  return name.toLowerCase();
}

/** `alerts: {enabled, maxBodyBytes, bearerToken, basicAuth, grafanaHmac, unauthenticated}`. */
export function parseAlertsConfig(value: unknown, secret: SecretReader): AlertsConfig {
  const a = mapAt('alerts', value);
  checkKeys('alerts', a, ['enabled', 'maxBodyBytes', 'bearerToken', 'basicAuth', 'grafanaHmac', 'unauthenticated']);
  const auth: AlertAuthConfig = {
    unauthenticated: a.unauthenticated === undefined ? false : booleanAt('alerts.unauthenticated', a.unauthenticated),
  };
  if (a.bearerToken !== undefined) {
    auth.bearerToken = secret('alerts.bearerToken', a.bearerToken);
  }
  if (a.basicAuth !== undefined) {
    auth.basicAuth = basicAuthAt('alerts.basicAuth', a.basicAuth, secret);
  }
  if (a.grafanaHmac !== undefined) {
    const h = mapAt('alerts.grafanaHmac', a.grafanaHmac);
    checkKeys('alerts.grafanaHmac', h, ['secret', 'header', 'timestampHeader', 'maxSkew']);
    auth.grafanaHmac = {
      secret: secret('alerts.grafanaHmac.secret', h.secret),
      header: h.header === undefined ? undefined : headerNameAt('alerts.grafanaHmac.header', h.header),
      timestampHeader:
        h.timestampHeader === undefined
          ? undefined
          : headerNameAt('alerts.grafanaHmac.timestampHeader', h.timestampHeader),
      maxSkewMs: durationAt('alerts.grafanaHmac.maxSkew', h.maxSkew ?? '5m', 1000, 86_400_000),
    };
    if (h.maxSkew !== undefined && auth.grafanaHmac.timestampHeader === undefined) {
      throw new ConfigError(
        'alerts.grafanaHmac.maxSkew',
        'alerts.grafanaHmac.maxSkew applies only with alerts.grafanaHmac.timestampHeader (without it Grafana signs no time)'
      );
    }
  }
  const anyScheme = auth.bearerToken !== undefined || auth.basicAuth !== undefined || auth.grafanaHmac !== undefined;
  if (auth.unauthenticated && anyScheme) {
    throw new ConfigError(
      'alerts.unauthenticated',
      'alerts.unauthenticated: true cannot be combined with alerts.bearerToken, alerts.basicAuth or alerts.grafanaHmac'
    );
  }
  return {
    enabled: a.enabled === undefined ? true : booleanAt('alerts.enabled', a.enabled),
    maxBodyBytes: sizeAt('alerts.maxBodyBytes', a.maxBodyBytes ?? '4MiB', 1024, 256 * 1024 ** 2),
    auth,
  };
}

/** `alertmanager: {url, bearerToken | basicAuth, resendInterval, timeout, externalURL}`; undefined when absent. */
export function parseAlertmanagerConfig(
  value: unknown,
  secret: SecretReader,
  listen: { host: string; port: number }
): AlertmanagerConfig | undefined {
  if (value === undefined) {
    return undefined;
  }
  const m = mapAt('alertmanager', value);
  checkKeys('alertmanager', m, ['url', 'bearerToken', 'basicAuth', 'resendInterval', 'timeout', 'externalURL']);
  const url = httpUrlAt('alertmanager.url', m.url, 'http://alertmanager:9093').replace(/\/+$/, '');
  const host = listen.host === '0.0.0.0' || listen.host === '::' ? 'localhost' : listen.host;
  const defaultExternal = `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}`;
  return {
    url,
    headers: clientAuthHeaders('alertmanager', m, secret),
    resendIntervalMs: durationAt('alertmanager.resendInterval', m.resendInterval ?? '1m', 1000, 3_600_000),
    timeoutMs: durationAt('alertmanager.timeout', m.timeout ?? '10s', 100, 120_000),
    externalURL:
      m.externalURL === undefined
        ? defaultExternal
        : httpUrlAt('alertmanager.externalURL', m.externalURL, 'http://health-entropy:9464').replace(/\/+$/, ''),
  };
}
