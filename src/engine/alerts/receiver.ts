/**
 * The alert receiver's logic (transport-free, like the remote-write receiver): authenticate, check the
 * content type, parse and check the whole notification, decide every alert, hand the intents to the
 * {@link AlertSink} and answer only after it returned (it commits durably), with one outcome per alert.
 *
 * Status codes follow what the senders do with them: Alertmanager retries a 5xx at once and gives up on a 4xx;
 * both it and Grafana send a failed notification again at the next group interval. So a body that can never
 * succeed is a 4xx, and a refusal that a fix on the engine's side cures (no sink yet, no auth configured, the
 * store failing) is a 503.
 */
import type { Logger } from 'pino';
import type { AlertOutcome, AlertSink } from '../alert-contract';
import { AlertAuthConfig, authenticate } from './auth';
import { AlertDecision, decideAlert } from './intents';
import { AlertMetrics } from './metrics';
import { AlertOrigin, Notification, parseNotification, PayloadError } from './payload';

/** What became of one alert of a notification, in the response body. */
export type AlertResult = {
  index: number;
  alertname: string;
  fingerprint: string;
} & (AlertOutcome | { status: 'ignored' | 'resolved' | 'invalid'; reason: string });

/** The response of one request: a status code and a JSON body. */
export interface ReceiveResult {
  status: number;
  body: { origin: AlertOrigin; alerts: AlertResult[]; counts: Record<string, number> } | { error: string };
  /** `WWW-Authenticate` for a 401. */
  challenge?: string;
}

type Headers = Record<string, string | string[] | undefined>;

/** Receives alert notifications for a sink that may appear later (the allocation side registers it). */
export class AlertReceiver {
  private warnedNoAuth = false;

  constructor(
    private readonly auth: AlertAuthConfig,
    private readonly sink: () => AlertSink | undefined,
    private readonly metrics: AlertMetrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now
  ) {}

  /** Handles one request body (raw bytes, as the HMAC signature covers them). */
  handle(body: Buffer, headers: Headers): ReceiveResult {
    const result = this.receive(body, headers);
    const origin = 'origin' in result.body ? result.body.origin : 'unknown';
    this.metrics.requests.inc({ origin, code: String(result.status) });
    return result;
  }

  private receive(body: Buffer, headers: Headers): ReceiveResult {
    const now = this.now();
    const auth = authenticate(this.auth, headers, body, now);
    if (!auth.ok) {
      if (auth.status === 503 && !this.warnedNoAuth) {
        this.warnedNoAuth = true;
        this.logger.warn(
          'an alert arrived but alerts has no bearerToken, basicAuth or grafanaHmac: refusing alerts (503)'
        );
      }
      return { status: auth.status, body: { error: auth.error }, challenge: auth.challenge };
    }
    const rawType = headers['content-type'];
    const type = (Array.isArray(rawType) ? rawType[0] : (rawType ?? '')).split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      return {
        status: 415,
        body: {
          error: `content-type must be application/json (an Alertmanager or Grafana webhook), got ${JSON.stringify(type.slice(0, 100))}`,
        },
      };
    }
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch (e) {
      return { status: 400, body: { error: `the body is not valid JSON: ${(e as Error).message.slice(0, 200)}` } };
    }
    let notification: Notification;
    try {
      notification = parseNotification(doc);
    } catch (e) {
      if (e instanceof PayloadError) {
        return { status: 400, body: { error: e.message } };
      }
      throw e;
    }
    return this.apply(notification, now);
  }

  private apply(notification: Notification, now: number): ReceiveResult {
    const origin = notification.origin;
    const decisions: AlertDecision[] = notification.alerts.map((a) => decideAlert(notification, a));
    // One intent per dedup key and request: a sender listing the same alert twice gets one action.
    const unique = new Map<string, number>();
    const intents = [];
    for (const d of decisions) {
      if (d.kind === 'intent' && !unique.has(d.intent.dedupKey)) {
        unique.set(d.intent.dedupKey, intents.length);
        intents.push(d.intent);
      }
    }
    let outcomes: AlertOutcome[] = [];
    if (intents.length > 0) {
      const sink = this.sink();
      if (sink === undefined) {
        return {
          status: 503,
          body: {
            error:
              'no allocation side to act on alerts: this engine has no resources configured (the alert was not recorded; the sender retries)',
          },
        };
      }
      try {
        outcomes = sink.applyAlerts(intents, now);
        if (outcomes.length !== intents.length) {
          throw new Error(`the sink returned ${outcomes.length} outcomes for ${intents.length} intents`);
        }
      } catch (e) {
        this.logger.error({ err: (e as Error).message, intents: intents.length }, 'recording alert intents failed');
        return {
          status: 503,
          body: { error: 'the alerts could not be recorded durably (see the engine log); the sender should retry' },
        };
      }
    }
    const seen = new Set<number>();
    const results: AlertResult[] = decisions.map((d, index) => {
      const alert = notification.alerts[index];
      const base = { index, alertname: alert.labels.alertname ?? '', fingerprint: alert.fingerprint };
      if (d.kind !== 'intent') {
        return { ...base, status: d.kind, reason: d.reason };
      }
      const i = unique.get(d.intent.dedupKey)!;
      if (seen.has(i)) {
        const first = outcomes[i];
        const actionId = 'actionId' in first ? first.actionId : undefined;
        return {
          ...base,
          status: 'duplicate',
          reason: 'the same alert appears earlier in this notification',
          actionId,
        };
      }
      seen.add(i);
      return { ...base, ...outcomes[i] };
    });
    const counts: Record<string, number> = {};
    for (const r of results) {
      counts[r.status] = (counts[r.status] ?? 0) + 1;
      this.metrics.received.inc({ origin, result: r.status });
      if (r.status === 'invalid') {
        this.logger.warn({ origin, alertname: r.alertname, reason: r.reason }, 'alert not acted on');
      }
    }
    this.logger.info({ origin, groupKey: notification.groupKey.slice(0, 200), counts }, 'alert notification received');
    return { status: 200, body: { origin, alerts: results, counts } };
  }
}
