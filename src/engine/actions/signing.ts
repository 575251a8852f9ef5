/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "<webhook-id>.<webhook-timestamp>.<body>">`. The id is the action's and stays the same on every retry; the
 * timestamp is the attempt's, so a receiver's replay window (typically 5 minutes) holds for late retries too.
 */
import { createHmac } from 'node:crypto';

/** The `v1,<base64>` signature of one attempt. */
export function signature(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.`).update(body, 'utf8').digest('base64');
  return `v1,${mac}`;
}

/** The headers of one attempt. */
export function webhookHeaders(key: Buffer, id: string, nowMs: number, body: string): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'health-entropy-engine',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature(key, id, timestamp, body),
  };
}
