/**
 * Metrics of both alert directions, registered with the engine's {@link Telemetry} so that they render on
 * `/metrics` with the rest.
 */
import { Counter, Gauge, Telemetry } from '../telemetry';

/** Counters and gauges of the alert receiver and the Alertmanager pusher. */
export class AlertMetrics {
  readonly requests = new Counter(
    'health_entropy_alert_requests_total',
    'Alert notifications received on /api/v1/alerts, by origin (grafana, alertmanager, unknown) and status code.'
  );
  readonly received = new Counter(
    'health_entropy_alerts_received_total',
    'Alerts received, by origin and result (recorded, duplicate, blocked, unmatched, ignored, resolved, invalid).'
  );
  readonly pushes = new Counter(
    'health_entropy_alertmanager_pushes_total',
    'Pushes of the engine alerts to Alertmanager, by result (ok, error).'
  );
  readonly pushedAlerts = new Counter(
    'health_entropy_alertmanager_alerts_sent_total',
    'Alerts sent to Alertmanager in successful pushes, by state (firing, resolved).'
  );
  readonly active = new Gauge('health_entropy_engine_alerts_active', 'Engine alerts active now, by kind.');
  readonly lastPush = new Gauge(
    'health_entropy_alertmanager_last_success_timestamp_seconds',
    'Time of the last successful push to Alertmanager.'
  );

  constructor(telemetry?: Telemetry) {
    for (const m of [this.requests, this.received, this.pushes, this.pushedAlerts, this.active, this.lastPush]) {
      telemetry?.register(m);
    }
  }
}
