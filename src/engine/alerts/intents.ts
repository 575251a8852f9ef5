/**
 * From a checked notification to what each alert asks for: an {@link AlertIntent} for a firing alert that
 * carries `healthentropy_action="scale_up"|"scale_down"` and a `host` or `resource` label, and a stated reason
 * for every other alert (no action label, `alert_only`, resolved, or a label the engine cannot act on).
 *
 * The target is read from `host` and `resource` only, never `instance`: alerts from rules over the engine's
 * own metrics also carry the engine's scrape `instance` and `job`.
 */
import { createHash } from 'node:crypto';
import type { AlertIntent } from '../alert-contract';
import type { AlertOrigin, Notification, ReceivedAlert } from './payload';

/** The label that says what to do. */
export const ACTION_LABEL = 'healthentropy_action';
/** Values of {@link ACTION_LABEL}; `alert_only` is acknowledged and never scales. */
export const ACTIONS = ['scale_up', 'scale_down', 'alert_only'] as const;

const SUMMARY_MAX = 1000;

/** What the receiver decided for one alert before anything is recorded. */
export type AlertDecision =
  { kind: 'intent'; intent: AlertIntent } | { kind: 'ignored' | 'resolved' | 'invalid'; reason: string };

/**
 * The dedup key: the same origin, group key, fingerprint, `startsAt` and status is the same notification of
 * the same alert, however often it arrives (Alertmanager's `repeat_interval`, a retry after a timeout, both
 * peers of an HA pair, Grafana's repeat). Hashed, since group keys hold whole label sets.
 */
export function dedupKey(origin: AlertOrigin, groupKey: string, alert: ReceivedAlert): string {
  const fingerprint = alert.fingerprint || labelsFingerprint(alert.labels);
  const hash = createHash('sha256')
    .update(JSON.stringify([origin, groupKey, fingerprint, alert.startsAt, alert.status]))
    .digest('hex');
  return `${origin}:${hash.slice(0, 32)}`;
}

/** Stands in for a missing sender fingerprint: the sorted label set, hashed. */
export function labelsFingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

function label(labels: Record<string, string>, name: string): string | undefined {
  const v = Object.prototype.hasOwnProperty.call(labels, name) ? labels[name] : undefined;
  return v === undefined || v === '' ? undefined : v;
}

/** Decides one alert. */
export function decideAlert(n: Notification, alert: ReceivedAlert): AlertDecision {
  const action = label(alert.labels, ACTION_LABEL);
  if (alert.status === 'resolved') {
    return { kind: 'resolved', reason: 'resolved: a resolved alert asks for no action' };
  }
  if (action === undefined) {
    return { kind: 'ignored', reason: `no ${ACTION_LABEL} label: acknowledged, nothing to do` };
  }
  if (action === 'alert_only') {
    return { kind: 'ignored', reason: `${ACTION_LABEL}="alert_only": acknowledged, nothing to scale` };
  }
  if (action !== 'scale_up' && action !== 'scale_down') {
    return {
      kind: 'invalid',
      reason: `${ACTION_LABEL}=${JSON.stringify(action.slice(0, 60))} is not one of ${ACTIONS.join(', ')}; nothing done`,
    };
  }
  const host = label(alert.labels, 'host');
  const resource = label(alert.labels, 'resource');
  if (host === undefined && resource === undefined) {
    return {
      kind: 'invalid',
      reason: `${ACTION_LABEL}="${action}" needs a host or resource label to say what to scale (instance is not read); nothing done`,
    };
  }
  const summary = label(alert.annotations, 'summary') ?? label(alert.annotations, 'description');
  return {
    kind: 'intent',
    intent: {
      action,
      ...(resource !== undefined ? { resource } : {}),
      ...(host !== undefined ? { host } : {}),
      dedupKey: dedupKey(n.origin, n.groupKey, alert),
      alertname: label(alert.labels, 'alertname') ?? '',
      origin: n.origin,
      labels: alert.labels,
      ...(summary !== undefined ? { summary: summary.slice(0, SUMMARY_MAX) } : {}),
      startsAt: alert.startsAt,
    },
  };
}
