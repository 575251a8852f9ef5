/**
 * Alerts out: the engine's own active alerts ({@link EngineAlertSource}s: the decision loop, the quorum
 * tracker) pushed to Alertmanager's `POST /api/v2/alerts`, the way Prometheus pushes its rule alerts.
 *
 * Each check (every engine interval) collects the active alerts; a push happens when the set changed, when
 * alerts ended, or when `resendInterval` has passed. Active alerts are sent with `endsAt` four resend intervals
 * ahead (Prometheus's rule), so Alertmanager resolves them by itself if the engine stops pushing; an alert that
 * is over is sent once more with `endsAt` = the time it ended. A failed push is logged, counted and retried at
 * the next check; nothing here throws into the engine.
 */
import type { Logger } from 'pino';
import type { EngineAlert, EngineAlertSource } from '../alert-contract';
import type { AlertmanagerConfig } from './config';
import { ACTION_LABEL } from './intents';
import { AlertMetrics } from './metrics';

/** One alert as Alertmanager's v2 API takes it (`postableAlert`). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** Alert name and default severity per documented kind; other kinds get `HealthEntropy<Kind>`, warning. */
export const KINDS: Record<string, { alertname: string; severity: string }> = {
  early_warning: { alertname: 'HealthEntropyEarlyWarning', severity: 'warning' },
  saturation: { alertname: 'HealthEntropySaturation', severity: 'critical' },
  monitor_closely: { alertname: 'HealthEntropyMonitorClosely', severity: 'info' },
  quorum_unhealthy: { alertname: 'HealthEntropyQuorumUnhealthy', severity: 'critical' },
  quorum_flagged: { alertname: 'HealthEntropyQuorumFlagged', severity: 'warning' },
};

/** Labels the engine sets itself; an alert's extra labels cannot override them. */
const RESERVED = new Set(['alertname', 'host', 'resource', 'kind', ACTION_LABEL]);
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** `endsAt` of an active alert, in resend intervals ahead (as Prometheus does for its rule alerts). */
export const ENDS_AT_INTERVALS = 4;

function alertnameOf(kind: string): string {
  return (
    KINDS[kind]?.alertname ??
    `HealthEntropy${kind
      .split(/[^a-zA-Z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join('')}`
  );
}

/**
 * The label set of an engine alert. `healthentropy_action` is never set: Alertmanager routes that label to
 * the engine's own receiver, and an engine alert coming back as an action would be a loop.
 */
export function alertLabels(a: EngineAlert): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.labels ?? {})) {
    if (!RESERVED.has(k) && LABEL_NAME.test(k) && typeof v === 'string' && v !== '') {
      labels[k] = v;
    }
  }
  labels.alertname = alertnameOf(a.kind);
  labels.kind = a.kind;
  labels.severity = labels.severity ?? KINDS[a.kind]?.severity ?? 'warning';
  if (a.host) {
    labels.host = a.host;
  }
  if (a.resource) {
    labels.resource = a.resource;
  }
  return labels;
}

/** Identity of an alert in Alertmanager: its sorted label set. */
export function labelsKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]])
  );
}

/** Builds the postable form of an engine alert that is active at `now` (or ended at `endsMs`). */
export function toPostable(a: EngineAlert, now: number, endsMs: number, externalURL: string): PostableAlert {
  return {
    labels: alertLabels(a),
    annotations: { summary: a.reason },
    startsAt: new Date(Math.min(a.since, now)).toISOString(),
    endsAt: new Date(endsMs).toISOString(),
    generatorURL: a.host
      ? `${externalURL}/api/v1/profiles?host=${encodeURIComponent(a.host)}`
      : `${externalURL}/api/v1/profiles`,
  };
}

/** Pushes the engine's active alerts to one Alertmanager. */
export class AlertPusher {
  /** What Alertmanager holds as firing, by label key. */
  private sent = new Map<string, PostableAlert>();
  /** Ended alerts not yet delivered as resolved, with the time they ended. */
  private pending = new Map<string, { alert: PostableAlert; endedMs: number }>();
  private lastPushMs = -Infinity;
  private failed = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly config: AlertmanagerConfig,
    private readonly sources: () => readonly EngineAlertSource[],
    private readonly metrics: AlertMetrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now
  ) {}

  /** Checks every `checkIntervalMs` (the engine interval, capped by the resend interval). Idempotent. */
  start(checkIntervalMs: number): void {
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.check(), Math.min(checkIntervalMs, this.config.resendIntervalMs));
    }
  }

  /** Stops checking and waits for a push under way. Active alerts are not resolved: they expire by `endsAt`. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** One check (a push if due); one at a time, a check during a push is skipped. */
  check(): Promise<void> {
    if (this.inFlight === undefined) {
      this.inFlight = this.run().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private collect(now: number): Map<string, PostableAlert> {
    const active = new Map<string, PostableAlert>();
    const byKind: Record<string, number> = {};
    for (const source of this.sources()) {
      let alerts: EngineAlert[];
      try {
        alerts = source.activeAlerts();
      } catch (e) {
        this.logger.error({ err: (e as Error).message }, 'an engine alert source failed; its alerts are left out');
        continue;
      }
      for (const a of alerts) {
        const p = toPostable(a, now, now + ENDS_AT_INTERVALS * this.config.resendIntervalMs, this.config.externalURL);
        const key = labelsKey(p.labels);
        if (!active.has(key)) {
          active.set(key, p);
          byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
        }
      }
    }
    for (const kind of new Set([...Object.keys(byKind), ...Object.keys(KINDS)])) {
      this.metrics.active.set({ kind }, byKind[kind] ?? 0);
    }
    return active;
  }

  private async run(): Promise<void> {
    const now = this.now();
    const active = this.collect(now);
    for (const [key, alert] of this.sent) {
      if (!active.has(key)) {
        this.pending.set(key, { alert: { ...alert, endsAt: new Date(now).toISOString() }, endedMs: now });
        this.sent.delete(key);
      }
    }
    const expiry = ENDS_AT_INTERVALS * this.config.resendIntervalMs;
    for (const [key, p] of this.pending) {
      // Firing again, or long enough ago that Alertmanager resolved it by its endsAt: nothing to send.
      if (active.has(key) || now - p.endedMs > expiry) {
        this.pending.delete(key);
      }
    }
    const changed = [...active.keys()].some((k) => !this.sent.has(k));
    const due = now - this.lastPushMs >= this.config.resendIntervalMs;
    if (!changed && this.pending.size === 0 && !(due && active.size > 0) && !this.failed) {
      return;
    }
    const resolved = [...this.pending.values()].map((p) => p.alert);
    const body = [...active.values(), ...resolved];
    if (body.length === 0) {
      this.failed = false;
      return;
    }
    try {
      await this.post(body);
      this.sent = active;
      this.pending.clear();
      this.lastPushMs = now;
      this.failed = false;
      this.metrics.pushes.inc({ result: 'ok' });
      this.metrics.pushedAlerts.inc({ state: 'firing' }, active.size);
      this.metrics.pushedAlerts.inc({ state: 'resolved' }, resolved.length);
      this.metrics.lastPush.set({}, now / 1000);
    } catch (e) {
      this.failed = true;
      this.metrics.pushes.inc({ result: 'error' });
      this.logger.warn(
        { url: this.config.url, err: (e as Error).message, alerts: body.length },
        'pushing engine alerts to Alertmanager failed; retrying at the next check'
      );
    }
  }

  private async post(alerts: PostableAlert[]): Promise<void> {
    const res = await fetch(`${this.config.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.config.headers },
      body: JSON.stringify(alerts),
      redirect: 'error',
      signal: AbortSignal.timeout(this.config.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) {
      throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
    }
  }
}
