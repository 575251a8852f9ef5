/**
 * Delivers the outbox to the webhook: the oldest pending action of each resource, several resources at once,
 * one action of a resource at a time (so a resource's actions arrive in order), each attempt signed afresh
 * with the action's own `webhook-id`.
 *
 * State machine of an action: `pending` —2xx→ `delivered`; `pending` —failure→ `pending` (attempts + 1,
 * next attempt after the backoff or `Retry-After`); `pending` —older than `maxAge`→ `dead`. A 410 disables
 * the endpoint (until restart): nothing is sent, nothing is lost, actions wait (or die of age). An attempt cut
 * off by shutdown is not counted: the action is sent again, with the same id, after the restart.
 */
import type { Logger } from 'pino';
import { attempt, retryDelay } from './delivery';
import type { ActionMetrics } from './metrics';
import type { ActionRecord, Outbox } from './outbox';
import { webhookHeaders } from './signing';
import type { WebhookConfig } from './webhook-config';

/** Actions in flight at once (each of another resource). */
const CONCURRENCY = 4;
/** Longest sleep between passes while something is pending (so that expiry is noticed in time). */
const MAX_SLEEP_MS = 60_000;
/** On stop, in-flight attempts get this long to finish before they are aborted. */
const STOP_GRACE_MS = 2000;

/** Whether the endpoint is in use; after a 410 it says since when and why not. */
export interface EndpointStatus {
  url: string;
  enabled: boolean;
  disabledAt: number | null;
  disabledReason: string | null;
}

/** The delivery loop. */
export class Deliverer {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private disabled: { at: number; reason: string } | undefined;

  constructor(
    private readonly webhook: WebhookConfig,
    private readonly outbox: Outbox,
    private readonly metrics: ActionMetrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random
  ) {}

  /** The endpoint's status, for the API. */
  get status(): EndpointStatus {
    return {
      url: this.webhook.url,
      enabled: this.disabled === undefined,
      disabledAt: this.disabled?.at ?? null,
      disabledReason: this.disabled?.reason ?? null,
    };
  }

  /** Starts delivering what the outbox holds (after a restart: whatever was not delivered before). */
  start(): void {
    this.started = true;
    this.wake();
  }

  /** Something new is in the outbox (or time has come): look now. */
  wake(): void {
    if (!this.started || this.stopped) {
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      this.pump();
    } catch (e) {
      // A store error must not stop delivery for good: log and look again later.
      this.logger.error({ err: (e as Error).message }, 'reading the outbox failed; retrying');
      this.sleep(5000);
    }
  }

  /** Waits for in-flight attempts (at most a grace period, then aborts them), and stops. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const all = Promise.all(this.inFlight.values());
    const grace = new Promise<void>((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    await Promise.race([all, grace]);
    this.abort.abort();
    await all;
  }

  private sleep(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), Math.max(0, Math.min(ms, MAX_SLEEP_MS)));
  }

  private pump(): void {
    const now = this.now();
    for (const a of this.outbox.expire(now - this.webhook.maxAgeMs)) {
      this.metrics.dead.inc();
      this.logger.error(
        { id: a.id, resource: a.resource, attempts: a.attempts, lastError: a.lastError, createdAt: a.createdAt },
        'action not delivered within webhook.maxAge: marked dead (kept in the store)'
      );
    }
    const heads = this.outbox.heads();
    if (heads.length === 0) {
      return;
    }
    let wakeAt = Math.min(...heads.map((h) => h.createdAt + this.webhook.maxAgeMs + 1));
    if (this.disabled) {
      this.sleep(wakeAt - now);
      return;
    }
    for (const head of heads) {
      if (this.inFlight.has(head.resource)) {
        continue;
      }
      if (head.nextAttemptAt > now || this.inFlight.size >= CONCURRENCY) {
        wakeAt = Math.min(wakeAt, Math.max(head.nextAttemptAt, now + 1));
        continue;
      }
      const p = this.send(head)
        .catch((e: Error) => this.logger.error({ id: head.id, err: e.message }, 'recording a delivery failed'))
        .finally(() => {
          this.inFlight.delete(head.resource);
          this.wake();
        });
      this.inFlight.set(head.resource, p);
    }
    // Completions wake it too; the timer covers retries that come due and actions that reach maxAge.
    this.sleep(wakeAt - now);
  }

  private async send(a: ActionRecord): Promise<void> {
    const w = this.webhook;
    const r = await attempt(
      w.url,
      webhookHeaders(w.key, a.id, this.now(), a.body),
      a.body,
      w.timeoutMs,
      this.now,
      this.abort.signal
    );
    const now = this.now();
    if (r.result !== 'delivered' && this.stopped) {
      return; // cut off by shutdown: not the receiver's fault, not counted; sent again after restart
    }
    this.metrics.deliveries.inc({ result: r.result });
    const log = { id: a.id, resource: a.resource, attempt: a.attempts + 1, status: r.status };
    if (r.result === 'delivered') {
      this.outbox.markDelivered(a.id, now, r.status!);
      this.metrics.latency.observe({}, (now - a.createdAt) / 1000);
      this.logger.info({ ...log, type: a.type, dryRun: a.dryRun }, 'action delivered');
      return;
    }
    this.metrics.failures.inc();
    if (r.result === 'gone') {
      this.disabled = { at: now, reason: `${w.url} answered 410 Gone at ${new Date(now).toISOString()}` };
      this.outbox.markFailed(a.id, now, now, r.status, r.error!);
      this.logger.error(
        { ...log, url: w.url },
        'webhook answered 410 Gone: endpoint disabled until restart; actions stay in the outbox'
      );
      return;
    }
    const delay = retryDelay(a.attempts + 1, w.backoff, this.random, r.retryAfterMs, w.maxRetryAfterMs);
    this.outbox.markFailed(a.id, now, now + delay, r.status, r.error!);
    this.logger.warn({ ...log, err: r.error, retryInMs: Math.round(delay) }, 'webhook delivery failed; will retry');
  }
}
