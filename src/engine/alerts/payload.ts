/**
 * Webhook notification bodies in: Alertmanager's webhook receiver (`version: "4"`, prometheus/alertmanager
 * `notify/webhook`) and Grafana's webhook contact point (`version: "1"`, grafana/alerting `receivers/webhook`).
 * Both carry the same alert list (`status`, `labels`, `annotations`, `startsAt`, `endsAt`, `fingerprint`,
 * `generatorURL`) under a group key; Grafana adds `orgId`, `state`, `title`, `message` and per-alert URLs,
 * which the engine does not need.
 *
 * The parser reads only the fields it uses, checks their types and sizes, and names the first wrong field in
 * its error. Unknown fields are ignored (both senders add fields over time). It never copies a received object
 * with assignment, so a label called `__proto__` is just a label.
 */

/** Where a notification came from, told apart by its `version`. */
export type AlertOrigin = 'grafana' | 'alertmanager';

/** One alert of a notification, checked. */
export interface ReceivedAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** RFC 3339, exactly as received (part of the dedup key). */
  startsAt: string;
  /** The sender's fingerprint of the label set; empty when the sender gave none. */
  fingerprint: string;
  generatorURL: string;
}

/** A checked notification. */
export interface Notification {
  origin: AlertOrigin;
  groupKey: string;
  status: 'firing' | 'resolved';
  receiver: string;
  alerts: ReceivedAlert[];
}

/** A body that is not a notification; `field` is the JSON path of the first wrong field. */
export class PayloadError extends Error {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(message);
    this.name = 'PayloadError';
  }
}

/** Bounds on what one notification may hold (the body size limit comes first, in the route). */
export const PAYLOAD_LIMITS = {
  alerts: 10_000,
  labelsPerAlert: 256,
  nameLength: 1024,
  labelValueLength: 16 * 1024,
  annotationValueLength: 256 * 1024,
  stringLength: 64 * 1024,
};

// RFC 3339 date-time (Go's time.Time JSON encoding: fraction up to nanoseconds, Z or ±hh:mm).
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  if (typeof value === 'string') {
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only: `constructor` or `toString` must not be read from the prototype. */
function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function stringField(obj: Record<string, unknown>, key: string, path: string, required: boolean): string {
  const v = own(obj, key);
  if (v === undefined && !required) {
    return '';
  }
  if (typeof v !== 'string') {
    throw new PayloadError(path, `${path} must be a string, got ${v === undefined ? 'nothing' : describe(v)}`);
  }
  if (v.length > PAYLOAD_LIMITS.stringLength) {
    throw new PayloadError(path, `${path} is ${v.length} characters long; at most ${PAYLOAD_LIMITS.stringLength}`);
  }
  return v;
}

function statusField(obj: Record<string, unknown>, path: string): 'firing' | 'resolved' {
  const v = own(obj, 'status');
  if (v !== 'firing' && v !== 'resolved') {
    throw new PayloadError(path, `${path} must be "firing" or "resolved", got ${describe(v)}`);
  }
  return v;
}

/** A map of strings (labels, annotations); absent → `{}` only where the sender may omit it. */
function stringMap(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  maxEntries: number,
  maxValue: number
): Record<string, string> {
  const v = own(obj, key);
  if (v === undefined || v === null) {
    // Go encodes an empty KV map as null or {}; both mean "no entries".
    return {};
  }
  if (!isObject(v)) {
    throw new PayloadError(path, `${path} must be an object of strings, got ${describe(v)}`);
  }
  const entries = Object.entries(v);
  if (entries.length > maxEntries) {
    throw new PayloadError(path, `${path} has ${entries.length} entries; at most ${maxEntries} are accepted`);
  }
  for (const [name, value] of entries) {
    const at = `${path}[${JSON.stringify(name.slice(0, 60))}]`;
    if (name === '' || name.length > PAYLOAD_LIMITS.nameLength) {
      throw new PayloadError(at, `${path} has a name of ${name.length} characters; 1 to ${PAYLOAD_LIMITS.nameLength}`);
    }
    if (typeof value !== 'string') {
      throw new PayloadError(at, `${at} must be a string, got ${describe(value)}`);
    }
    if (value.length > maxValue) {
      throw new PayloadError(at, `${at} is ${value.length} characters long; at most ${maxValue}`);
    }
  }
  // fromEntries defines own data properties, so a `__proto__` name never reaches the prototype.
  return Object.fromEntries(entries) as Record<string, string>;
}

function parseAlert(value: unknown, path: string): ReceivedAlert {
  if (!isObject(value)) {
    throw new PayloadError(path, `${path} must be an object (one alert), got ${describe(value)}`);
  }
  const startsAt = stringField(value, 'startsAt', `${path}.startsAt`, true);
  if (!RFC3339.test(startsAt) || Number.isNaN(Date.parse(startsAt))) {
    throw new PayloadError(
      `${path}.startsAt`,
      `${path}.startsAt must be an RFC 3339 time like 2024-01-02T03:04:05.678Z, got ${describe(startsAt)}`
    );
  }
  const labels = stringMap(
    value,
    'labels',
    `${path}.labels`,
    PAYLOAD_LIMITS.labelsPerAlert,
    PAYLOAD_LIMITS.labelValueLength
  );
  if (Object.keys(labels).length === 0) {
    throw new PayloadError(`${path}.labels`, `${path}.labels must hold at least one label (alertname)`);
  }
  // endsAt is not used (firing alerts carry 0001-01-01T00:00:00Z), but a wrong type means a wrong sender.
  stringField(value, 'endsAt', `${path}.endsAt`, false);
  return {
    status: statusField(value, `${path}.status`),
    labels,
    annotations: stringMap(
      value,
      'annotations',
      `${path}.annotations`,
      PAYLOAD_LIMITS.labelsPerAlert,
      PAYLOAD_LIMITS.annotationValueLength
    ),
    startsAt,
    fingerprint: stringField(value, 'fingerprint', `${path}.fingerprint`, false),
    generatorURL: stringField(value, 'generatorURL', `${path}.generatorURL`, false),
  };
}

/** Which sender wrote the body: Alertmanager says version "4"; Grafana "1" (and always sends `orgId`). */
function originOf(body: Record<string, unknown>): AlertOrigin {
  const version = own(body, 'version');
  if (version === '4') {
    return 'alertmanager';
  }
  if (version === '1' || (version === undefined && own(body, 'orgId') !== undefined)) {
    return 'grafana';
  }
  throw new PayloadError(
    'version',
    `version must be "4" (Alertmanager webhook) or "1" (Grafana webhook contact point), got ${
      version === undefined ? 'nothing' : describe(version)
    }`
  );
}

/** Checks a parsed JSON body; throws {@link PayloadError} naming the first wrong field. */
export function parseNotification(body: unknown): Notification {
  if (!isObject(body)) {
    throw new PayloadError(
      '(body)',
      `the body must be a JSON object (an Alertmanager or Grafana webhook notification), got ${describe(body)}`
    );
  }
  const origin = originOf(body);
  const alerts = own(body, 'alerts');
  if (!Array.isArray(alerts)) {
    throw new PayloadError(
      'alerts',
      `alerts must be an array of alerts, got ${alerts === undefined ? 'nothing' : describe(alerts)}`
    );
  }
  if (alerts.length > PAYLOAD_LIMITS.alerts) {
    throw new PayloadError(
      'alerts',
      `alerts holds ${alerts.length} alerts; at most ${PAYLOAD_LIMITS.alerts} per notification are accepted`
    );
  }
  return {
    origin,
    groupKey: stringField(body, 'groupKey', 'groupKey', true),
    status: statusField(body, 'status'),
    receiver: stringField(body, 'receiver', 'receiver', false),
    alerts: alerts.map((a, i) => parseAlert(a, `alerts[${i}]`)),
  };
}
