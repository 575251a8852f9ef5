/**
 * Real-shaped notification bodies for the tests. `ALERTMANAGER_FIRING` and `ALERTMANAGER_RESOLVED` are what
 * Debian's Alertmanager 0.25 posted to a webhook receiver (captured verbatim, only the clock differs);
 * `GRAFANA_DOCS` is the example of Grafana's webhook notifier documentation (grafana.com, "Webhook JSON
 * payload"), with the top-level fields grafana/alerting's `webhookMessage` adds.
 */
import type { AlertIntent, AlertOutcome, AlertSink } from '../alert-contract';

/** Deep copy, so that a test can change a fixture without touching the others. */
export function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const AM_LABELS = {
  alertname: 'HealthEntropySaturation',
  healthentropy_action: 'scale_up',
  host: 'app-1:9100',
  instance: 'engine:9464',
  job: 'health-entropy',
  severity: 'critical',
};

/** Alertmanager 0.25, `send_resolved: true`, group_by alertname and host: the first (and every repeat) firing. */
export const ALERTMANAGER_FIRING = {
  receiver: 'engine',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: AM_LABELS,
      annotations: { summary: 'app-1:9100 is saturated' },
      startsAt: '2026-12-03T23:26:19.356632471Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=x',
      fingerprint: 'f045e3be4edb9c71',
    },
  ],
  groupLabels: { alertname: 'HealthEntropySaturation', host: 'app-1:9100' },
  commonLabels: AM_LABELS,
  commonAnnotations: { summary: 'app-1:9100 is saturated' },
  externalURL: 'http://vm:19093',
  version: '4',
  groupKey: '{}:{alertname="HealthEntropySaturation", host="app-1:9100"}',
  truncatedAlerts: 0,
};

/** The same alert once resolved. */
export const ALERTMANAGER_RESOLVED = {
  ...ALERTMANAGER_FIRING,
  status: 'resolved',
  alerts: [
    {
      ...ALERTMANAGER_FIRING.alerts[0],
      status: 'resolved',
      endsAt: '2026-12-03T23:26:24Z',
      generatorURL: '',
    },
  ],
};

/** Grafana's documented example (two alerts, no action label), as its webhook contact point sends it. */
export const GRAFANA_DOCS = {
  receiver: 'My Super Webhook',
  status: 'firing',
  orgId: 1,
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1' },
      annotations: {
        description: 'The system has high memory usage',
        runbook_url: 'https://myrunbook.com/runbook/1234',
        summary: 'This alert was triggered for zone us-1',
      },
      startsAt: '2021-10-12T09:51:03.157076+02:00',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'https://play.grafana.org/alerting/1afz29v7z/edit',
      fingerprint: 'c6eadffa33fcdf37',
      silenceURL:
        'https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1',
      dashboardURL: '',
      panelURL: '',
      values: { B: 44.23943737541908, C: 1 },
    },
    {
      status: 'firing',
      labels: { alertname: 'High CPU usage', team: 'blue', zone: 'eu-1' },
      annotations: {
        description: 'The system has high CPU usage',
        runbook_url: 'https://myrunbook.com/runbook/1234',
        summary: 'This alert was triggered for zone eu-1',
      },
      startsAt: '2021-10-12T09:56:03.157076+02:00',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'https://play.grafana.org/alerting/d1rdpdv7k/edit',
      fingerprint: 'bc97ff14869b13e3',
      silenceURL:
        'https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT1%2Cteam%3Dblue%2Czone%3Deu-1',
      dashboardURL: '',
      panelURL: '',
      values: { B: 44.23943737541908, C: 1 },
    },
  ],
  groupLabels: {},
  commonLabels: { team: 'blue' },
  commonAnnotations: {},
  externalURL: 'https://play.grafana.org/',
  version: '1',
  groupKey: '{}:{}',
  truncatedAlerts: 0,
  title: '[FIRING:2]  (blue)',
  state: 'alerting',
  message: '**Firing**\n\nLabels:\n - alertname = T2\n - team = blue\n - zone = us-1\n',
};

/** A Grafana notification of one of our provisioned rules (health-entropy-rules.yaml): scale a quiet host down. */
export const GRAFANA_SCALE_DOWN = {
  ...GRAFANA_DOCS,
  receiver: 'health-entropy-engine',
  groupKey:
    '{}/{healthentropy_action=~"scale_up|scale_down|alert_only"}:{alertname="HealthEntropyHostIdle", host="quiet:9100"}',
  alerts: [
    {
      ...GRAFANA_DOCS.alerts[0],
      labels: {
        alertname: 'HealthEntropyHostIdle',
        grafana_folder: 'Health Entropy',
        healthentropy_action: 'scale_down',
        host: 'quiet:9100',
        instance: 'health-entropy:9464',
        severity: 'info',
      },
      annotations: { summary: 'quiet:9100 has been idle and predictable for 1h' },
      fingerprint: '8e2b0c1d4a5f6789',
    },
  ],
};

/**
 * A test double of the {@link AlertSink} seam (the allocation side is built elsewhere): records every batch
 * it is given and deduplicates by key the way the real sink must (first `recorded`, then `duplicate`).
 */
export class RecordingSink implements AlertSink {
  readonly calls: AlertIntent[][] = [];
  private readonly actions = new Map<string, string>();
  /** When set, the next call throws this (a store failure). */
  failWith: Error | undefined;

  applyAlerts(intents: AlertIntent[]): AlertOutcome[] {
    if (this.failWith) {
      throw this.failWith;
    }
    this.calls.push(intents);
    return intents.map((i) => {
      const known = this.actions.get(i.dedupKey);
      if (known !== undefined) {
        return { status: 'duplicate', actionId: known, reason: 'this alert was already recorded' };
      }
      const actionId = `act-${this.actions.size + 1}`;
      this.actions.set(i.dedupKey, actionId);
      return { status: 'recorded', actionId, dryRun: false, reason: `${i.action} of ${i.resource ?? i.host} recorded` };
    });
  }

  /** Every intent received, in order. */
  get intents(): AlertIntent[] {
    return this.calls.flat();
  }
}
