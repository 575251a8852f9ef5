/**
 * The `webhook:` section: where actions are POSTed, the Standard Webhooks signing secret, and how delivery
 * retries. Secret values never appear in an error message.
 */
import type { SecretReader } from '../config-sources';
import { checkKeys, ConfigError, durationAt, mapAt, show, stringAt } from '../fields';

/** Delivery settings, validated. Durations in milliseconds. */
export interface WebhookConfig {
  url: string;
  /** The HMAC-SHA256 key (decoded from `whsec_…`, or the raw secret's UTF-8 bytes). */
  key: Buffer;
  /** Per request, connect to last byte. */
  timeoutMs: number;
  /** An action not delivered this long after it was created is marked `dead` (kept, never dropped). */
  maxAgeMs: number;
  /** Exponential backoff between attempts of one action: `initial · 2^(n−1)`, at most `max`, with jitter. */
  backoff: { initialMs: number; maxMs: number };
  /** Longest `Retry-After` honoured (a longer one waits this long). */
  maxRetryAfterMs: number;
  /** Delivered actions (and alert dedup keys) older than this are removed from the store. */
  retentionMs: number;
}

const KEYS = ['url', 'secret', 'timeout', 'maxAge', 'backoff', 'maxRetryAfter', 'retention'];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The signing key of a secret. `whsec_<base64>` (the Standard Webhooks form, what the demo receiver and the
 * Standard Webhooks libraries expect) is base64-decoded and must give 24–64 bytes; any other secret is used
 * as raw UTF-8 bytes and must be at least 16 characters (a receiver must then use the same raw key).
 */
export function signingKey(key: string, secret: string): Buffer {
  if (secret.startsWith('whsec_')) {
    const b64 = secret.slice('whsec_'.length);
    const bytes = BASE64.test(b64) && b64.length % 4 === 0 ? Buffer.from(b64, 'base64') : undefined;
    if (!bytes || bytes.length < 24 || bytes.length > 64) {
      throw new ConfigError(
        key,
        `${key} starts with whsec_ but what follows is not base64 of 24 to 64 bytes (the value is not shown); ` +
          'make one with: echo whsec_$(openssl rand -base64 32)'
      );
    }
    return bytes;
  }
  if (secret.length < 16) {
    throw new ConfigError(
      key,
      `${key} is ${secret.length} characters; a raw secret needs at least 16 (or use whsec_ + base64 of 24–64 bytes)`
    );
  }
  return Buffer.from(secret, 'utf8');
}

/** Validates a webhook URL: absolute, http or https, no user:password (it would end up in logs). */
export function parseWebhookUrl(key: string, value: unknown): string {
  const text = stringAt(key, value);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(
      key,
      `${key} must be an absolute http(s) URL like https://hooks.example.com/actions, got ${show(text)}`
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(key, `${key} must use http or https, got ${show(url.protocol.replace(/:$/, ''))}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(key, `${key} must not contain user:password (the signature authenticates the engine)`);
  }
  if (url.hash !== '') {
    throw new ConfigError(key, `${key} must not have a #fragment, got ${show(text)}`);
  }
  return url.toString();
}

/** The `webhook` section; undefined when absent. */
export function parseWebhook(value: unknown, secret: SecretReader): WebhookConfig | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const w = mapAt('webhook', value);
  checkKeys('webhook', w, KEYS);
  const url = parseWebhookUrl('webhook.url', w.url);
  if (w.secret === undefined) {
    throw new ConfigError(
      'webhook.secret',
      'webhook.secret is required ({env: NAME} or {file: PATH}): every action is signed (Standard Webhooks)'
    );
  }
  const key = signingKey('webhook.secret', secret('webhook.secret', w.secret));
  const b = mapAt('webhook.backoff', w.backoff);
  checkKeys('webhook.backoff', b, ['initial', 'max']);
  const initialMs = durationAt('webhook.backoff.initial', b.initial ?? '1s', 10, 3_600_000);
  const maxMs = durationAt('webhook.backoff.max', b.max ?? '5m', initialMs, 86_400_000);
  const maxAgeMs = durationAt('webhook.maxAge', w.maxAge ?? '24h', 1000, 365 * 86_400_000);
  return {
    url,
    key,
    timeoutMs: durationAt('webhook.timeout', w.timeout ?? '10s', 10, 600_000),
    maxAgeMs,
    backoff: { initialMs, maxMs },
    maxRetryAfterMs: durationAt('webhook.maxRetryAfter', w.maxRetryAfter ?? '1h', 0, 86_400_000),
    retentionMs: durationAt('webhook.retention', w.retention ?? '7d', maxAgeMs, 3650 * 86_400_000),
  };
}
