/**
 * Allocation metrics: each resource's last decision (so Prometheus rules can use decisions), its allocation,
 * the outbox and webhook delivery. README "Allocation: metrics" documents every family and value.
 */
import type { Decision } from '../../core';
import { escapeLabel } from '../series';
import { Counter, Histogram, Metric } from '../telemetry';
import type { ActionState } from './outbox';

/** What the metrics read at render time. */
export interface MetricsView {
  decisions(): Array<{ resource: string; host: string | null; decision: Decision }>;
  allocations(): Array<{ resource: string; dimension: string; value: number }>;
  counts(): Record<ActionState, number>;
  webhookEnabled(): boolean;
}

/** `health_entropy_decision` values. */
export const DECISION_VALUE = { scale_up: 1, none: 0, scale_down: -1 } as const;

function labels(pairs: Array<[string, string | undefined]>): string {
  const parts = pairs.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}="${escapeLabel(v!)}"`);
  return `{${parts.join(',')}}`;
}

function gauge(out: string[], name: string, help: string, lines: string[]): void {
  out.push(`# HELP ${name} ${help}\n# TYPE ${name} gauge\n`, ...lines);
}

/** Counters the outbox and delivery update, and the gauges read from {@link MetricsView}. */
export class ActionMetrics implements Metric {
  readonly created = new Counter(
    'health_entropy_actions_total',
    'Actions written to the outbox, by source (engine, alert), type and dry_run.'
  );
  readonly deliveries = new Counter(
    'health_entropy_webhook_deliveries_total',
    'Webhook delivery attempts by result (delivered, gone, rate_limited, http_4xx, http_5xx, redirect, timeout, network).'
  );
  readonly failures = new Counter(
    'health_entropy_webhook_failures_total',
    'Webhook delivery attempts that did not deliver (every result but delivered).'
  );
  readonly dead = new Counter(
    'health_entropy_actions_dead_total',
    'Actions marked dead: not delivered within webhook.maxAge (kept in the store, listed by /api/v1/actions).'
  );
  readonly latency = new Histogram(
    'health_entropy_webhook_delivery_seconds',
    'Time from an action being written to the outbox to its delivery (2xx).',
    [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600]
  );
  readonly decisionErrors = new Counter(
    'health_entropy_decision_errors_total',
    'Evaluations whose decisions could not be committed to the store (logged; retried at the next evaluation).'
  );

  constructor(private readonly view: MetricsView) {}

  render(out: string[]): void {
    const decisions = this.view.decisions();
    gauge(
      out,
      'health_entropy_decision',
      'Last decision per resource: 1 scale up, -1 scale down, 0 none; labels say which policy row (kind), why an action was not taken (blocked) and whether it was a dry run.',
      decisions.map(
        ({ resource, host, decision: d }) =>
          `health_entropy_decision${labels([
            ['resource', resource],
            ['host', host ?? undefined],
            ['action', d.action],
            ['kind', d.kind],
            ['blocked', d.blocked],
            ['dry_run', String(d.dryRun)],
          ])} ${DECISION_VALUE[d.action]}\n`
      )
    );
    gauge(
      out,
      'health_entropy_decision_alert',
      'Policy alerts raised by the last decision (early_warning, saturation, monitor_closely), 1 while active.',
      decisions.flatMap(({ resource, host, decision: d }) =>
        d.alerts.map(
          (alert) =>
            `health_entropy_decision_alert${labels([
              ['resource', resource],
              ['host', host ?? undefined],
              ['alert', alert],
            ])} 1\n`
        )
      )
    );
    gauge(
      out,
      'health_entropy_allocation',
      'Current allocation per resource and dimension (after the actions taken; dry runs change nothing).',
      this.view.allocations().map(
        ({ resource, dimension, value }) =>
          `health_entropy_allocation${labels([
            ['resource', resource],
            ['dimension', dimension],
          ])} ${value}\n`
      )
    );
    const counts = this.view.counts();
    gauge(out, 'health_entropy_actions_outbox_depth', 'Actions waiting for delivery (pending).', [
      `health_entropy_actions_outbox_depth ${counts.pending}\n`,
    ]);
    gauge(out, 'health_entropy_actions_dead', 'Dead actions kept in the store.', [
      `health_entropy_actions_dead ${counts.dead}\n`,
    ]);
    gauge(out, 'health_entropy_webhook_enabled', '0 after the webhook answered 410 Gone (until restart), else 1.', [
      `health_entropy_webhook_enabled ${this.view.webhookEnabled() ? 1 : 0}\n`,
    ]);
    for (const m of [this.created, this.deliveries, this.failures, this.dead, this.latency, this.decisionErrors]) {
      m.render(out);
    }
  }
}
