/**
 * The seam between the alert receiver and sender (`src/engine/alerts/`) and the allocation side
 * (`src/engine/actions/`): what an incoming alert asks for, what became of it, and the engine's own alerts that
 * go out to an Alertmanager. Types only, so that both sides can be built and tested on their own.
 */

/** What one firing alert asks the engine to do (resolved alerts ask for nothing and never become intents). */
export interface AlertIntent {
  action: 'scale_up' | 'scale_down';
  /** The resource named by the alert's `resource` label, if any. */
  resource?: string;
  /** The host named by the alert's `host` label, if any (at least one of `resource`, `host` is set). */
  host?: string;
  /** Same key → one action: derived from the group key, fingerprint, `startsAt` and status. */
  dedupKey: string;
  alertname: string;
  origin: 'grafana' | 'alertmanager';
  labels: Record<string, string>;
  /** The `summary` (or `description`) annotation, for the action's reason. */
  summary?: string;
  /** RFC 3339, as received. */
  startsAt: string;
}

/** What became of one intent; every outcome says why. */
export type AlertOutcome =
  | { status: 'recorded'; actionId: string; dryRun: boolean; reason: string }
  | { status: 'duplicate'; actionId?: string; reason: string }
  | { status: 'blocked'; reason: string }
  | { status: 'unmatched'; reason: string };

/** Applies the policy guards (bounds, cooldown, dry run) to alert intents and records the result durably. */
export interface AlertSink {
  /** Returns only after every outcome is committed to the store (so a 2xx means nothing is lost). */
  applyAlerts(intents: AlertIntent[], now: number): AlertOutcome[];
}

/** An alert the engine raises itself (policy alerts and quorum states), pushed to Alertmanager while active. */
export interface EngineAlert {
  /** `early_warning`, `saturation`, `monitor_closely`, or another documented name. */
  kind: string;
  host: string;
  resource?: string;
  /** When it became active, ms. */
  since: number;
  reason: string;
  /** Extra labels (e.g. `indicator`), already valid Prometheus label names. */
  labels?: Record<string, string>;
}

/** Whatever knows the engine's currently active alerts (the decision loop, the quorum tracker). */
export interface EngineAlertSource {
  activeAlerts(): EngineAlert[];
}
