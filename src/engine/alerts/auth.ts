/**
 * Authentication of incoming alert notifications: a bearer token (Alertmanager `http_config.authorization`,
 * Grafana's "Authorization header"), HTTP basic (both senders), or Grafana's HMAC signature (contact point
 * `hmacConfig`: lowercase hex HMAC-SHA256 of the body, or of `timestamp + ":" + body` when a timestamp header
 * is configured, the timestamp in Unix seconds). A request passes when it satisfies any configured scheme.
 *
 * Every comparison is of SHA-256 digests with `timingSafeEqual`, so neither the content nor the length of a
 * secret leaks through timing.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The `alerts` auth settings, resolved (secrets already read). */
export interface AlertAuthConfig {
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  grafanaHmac?: {
    secret: string;
    /** Lowercase header name; undefined: `x-grafana-alerting-signature` or `x-grafana-alert-signature`. */
    header?: string;
    /** Lowercase header name; undefined: the body alone is signed. */
    timestampHeader?: string;
    maxSkewMs: number;
  };
  /** Accept requests without credentials (only when no scheme is configured; for local trials). */
  unauthenticated: boolean;
}

/** The outcome: which scheme passed, or a 401/503 with a sentence. */
export type AuthResult =
  | { ok: true; scheme: 'bearer' | 'basic' | 'grafana_hmac' | 'none' }
  | { ok: false; status: 401 | 503; error: string; challenge?: string };

type Headers = Record<string, string | string[] | undefined>;

/** The names Grafana uses: its docs and UI say the first; grafana/alerting's code has defaulted to the second. */
export const GRAFANA_SIGNATURE_HEADERS = ['x-grafana-alerting-signature', 'x-grafana-alert-signature'];

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function digest(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time equality of two strings (compared as digests, so lengths may differ). */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Whether any scheme is configured. */
export function hasScheme(auth: AlertAuthConfig): boolean {
  return auth.bearerToken !== undefined || auth.basicAuth !== undefined || auth.grafanaHmac !== undefined;
}

function checkAuthorization(auth: AlertAuthConfig, value: string): boolean {
  const space = value.indexOf(' ');
  const scheme = space < 0 ? value.toLowerCase() : value.slice(0, space).toLowerCase();
  const credentials = space < 0 ? '' : value.slice(space + 1).trim();
  if (scheme === 'bearer' && auth.bearerToken !== undefined) {
    return safeEqual(credentials, auth.bearerToken);
  }
  if (scheme === 'basic' && auth.basicAuth !== undefined) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    return safeEqual(decoded, `${auth.basicAuth.username}:${auth.basicAuth.password}`);
  }
  return false;
}

function checkHmac(
  hmac: NonNullable<AlertAuthConfig['grafanaHmac']>,
  headers: Headers,
  body: Buffer,
  nowMs: number
): { ok: true } | { ok: false; error: string } {
  const names = hmac.header ? [hmac.header] : GRAFANA_SIGNATURE_HEADERS;
  const name = names.find((n) => header(headers, n) !== undefined)!;
  const given = (header(headers, name) ?? '').trim();
  if (!/^[0-9a-fA-F]{64}$/.test(given)) {
    return {
      ok: false,
      error: `the ${name} header must be 64 hex digits (HMAC-SHA256), got ${given.length} characters`,
    };
  }
  const mac = createHmac('sha256', hmac.secret);
  if (hmac.timestampHeader !== undefined) {
    const ts = (header(headers, hmac.timestampHeader) ?? '').trim();
    if (!/^\d{1,12}$/.test(ts)) {
      return {
        ok: false,
        error: `the ${hmac.timestampHeader} header must be a Unix time in seconds (alerts.grafanaHmac.timestampHeader is set)`,
      };
    }
    const skewMs = Math.abs(nowMs - Number(ts) * 1000);
    if (skewMs > hmac.maxSkewMs) {
      return {
        ok: false,
        error: `the ${hmac.timestampHeader} timestamp is ${Math.round(skewMs / 1000)} s away from the engine's clock; at most alerts.grafanaHmac.maxSkew (${hmac.maxSkewMs / 1000} s)`,
      };
    }
    mac.update(`${ts}:`);
  }
  const expected = mac.update(body).digest('hex');
  if (!safeEqual(given.toLowerCase(), expected)) {
    return { ok: false, error: `the ${name} signature does not match the body (check alerts.grafanaHmac.secret)` };
  }
  return { ok: true };
}

/** Checks one request against the configured schemes. */
export function authenticate(auth: AlertAuthConfig, headers: Headers, body: Buffer, nowMs: number): AuthResult {
  if (!hasScheme(auth)) {
    return auth.unauthenticated
      ? { ok: true, scheme: 'none' }
      : {
          ok: false,
          status: 503,
          error:
            'the alert receiver has no authentication configured (alerts.bearerToken, alerts.basicAuth or alerts.grafanaHmac), so it refuses alerts rather than let anyone trigger scaling',
        };
  }
  const challenge = [
    auth.bearerToken !== undefined ? 'Bearer realm="health-entropy"' : '',
    auth.basicAuth !== undefined ? 'Basic realm="health-entropy"' : '',
  ]
    .filter(Boolean)
    .join(', ');
  const authorization = header(headers, 'authorization');
  if (authorization !== undefined && checkAuthorization(auth, authorization)) {
    return { ok: true, scheme: authorization.toLowerCase().startsWith('bearer') ? 'bearer' : 'basic' };
  }
  if (auth.grafanaHmac !== undefined) {
    const names = auth.grafanaHmac.header ? [auth.grafanaHmac.header] : GRAFANA_SIGNATURE_HEADERS;
    if (names.some((n) => header(headers, n) !== undefined)) {
      const r = checkHmac(auth.grafanaHmac, headers, body, nowMs);
      return r.ok ? { ok: true, scheme: 'grafana_hmac' } : { ok: false, status: 401, error: r.error };
    }
  }
  const accepted = [
    auth.bearerToken !== undefined ? 'a bearer token' : '',
    auth.basicAuth !== undefined ? 'basic auth' : '',
    auth.grafanaHmac !== undefined
      ? `a Grafana HMAC signature (${auth.grafanaHmac.header ?? GRAFANA_SIGNATURE_HEADERS[0]})`
      : '',
  ].filter(Boolean);
  return {
    ok: false,
    status: 401,
    error: `${authorization === undefined ? 'missing' : 'wrong'} credentials: this receiver accepts ${accepted.join(' or ')}`,
    challenge: challenge || undefined,
  };
}
