import { ALERTMANAGER_FIRING, ALERTMANAGER_RESOLVED, copy, GRAFANA_DOCS, GRAFANA_SCALE_DOWN } from './fixtures';
import { decideAlert, dedupKey, labelsFingerprint } from './intents';
import { Notification, parseNotification } from './payload';

type Body = Record<string, any>;

function withLabels(labels: Record<string, string>, status = 'firing'): Notification {
  const body: Body = copy(ALERTMANAGER_FIRING);
  body.alerts[0].labels = { alertname: 'Test', ...labels };
  body.alerts[0].status = status;
  return parseNotification(body);
}

describe('decideAlert', () => {
  it.each<[string, Record<string, string>, string, string, Record<string, unknown>]>([
    [
      'no action label',
      { host: 'a' },
      'firing',
      'ignored',
      { reason: 'no healthentropy_action label: acknowledged, nothing to do' },
    ],
    ['empty action label', { healthentropy_action: '', host: 'a' }, 'firing', 'ignored', {}],
    ['alert_only', { healthentropy_action: 'alert_only', host: 'a' }, 'firing', 'ignored', {}],
    ['resolved scale_up', { healthentropy_action: 'scale_up', host: 'a' }, 'resolved', 'resolved', {}],
    ['unknown action', { healthentropy_action: 'scale_sideways', host: 'a' }, 'firing', 'invalid', {}],
    ['no target', { healthentropy_action: 'scale_up' }, 'firing', 'invalid', {}],
    // An alert from a rule over the engine's metrics carries the engine's own instance: never a target.
    ['instance only', { healthentropy_action: 'scale_up', instance: 'engine:9464' }, 'firing', 'invalid', {}],
  ])('%s → %s', (_name, labels, status, kind, extra) => {
    const n = withLabels(labels, status);
    const d = decideAlert(n, n.alerts[0]);
    expect(d.kind).toBe(kind);
    expect(d).toMatchObject(extra);
    if (kind === 'invalid') {
      expect((d as { reason: string }).reason).toMatch(/healthentropy_action=.*nothing done/);
    }
  });

  it.each<[string, Record<string, string>, Record<string, unknown>]>([
    ['host', { healthentropy_action: 'scale_up', host: 'app-1:9100', instance: 'engine:9464' }, { host: 'app-1:9100' }],
    ['resource', { healthentropy_action: 'scale_down', resource: 'db' }, { resource: 'db', action: 'scale_down' }],
    ['both', { healthentropy_action: 'scale_up', resource: 'db', host: 'h' }, { resource: 'db', host: 'h' }],
  ])('an intent from %s', (_name, labels, expected) => {
    const n = withLabels(labels);
    const d = decideAlert(n, n.alerts[0]);
    expect(d.kind).toBe('intent');
    const intent = (d as Extract<typeof d, { kind: 'intent' }>).intent;
    expect(intent).toMatchObject(expected);
    expect(intent.host).toBe(labels.host);
    expect(intent.resource).toBe(labels.resource);
    expect(intent.origin).toBe('alertmanager');
    expect(intent.alertname).toBe('Test');
    expect(intent.summary).toBe('app-1:9100 is saturated');
    expect(intent.startsAt).toBe(ALERTMANAGER_FIRING.alerts[0].startsAt);
    expect(intent.labels).toEqual({ alertname: 'Test', ...labels });
  });

  it('takes the summary, else the description, truncated', () => {
    const body: Body = copy(GRAFANA_SCALE_DOWN);
    body.alerts[0].annotations = { description: 'd'.repeat(5000) };
    const n = parseNotification(body);
    const d = decideAlert(n, n.alerts[0]);
    expect(d.kind === 'intent' && d.intent.summary).toBe('d'.repeat(1000));
    expect(d.kind === 'intent' && d.intent.origin).toBe('grafana');
  });

  it("leaves the Grafana docs' example (no action label) alone", () => {
    const n = parseNotification(copy(GRAFANA_DOCS));
    expect(n.alerts.map((a) => decideAlert(n, a).kind)).toEqual(['ignored', 'ignored']);
  });
});

describe('dedupKey', () => {
  const firing = parseNotification(copy(ALERTMANAGER_FIRING));
  const key = dedupKey('alertmanager', firing.groupKey, firing.alerts[0]);

  it('is the same for a repeat of the same notification (Alertmanager resends it verbatim)', () => {
    const again = parseNotification(copy(ALERTMANAGER_FIRING));
    expect(dedupKey('alertmanager', again.groupKey, again.alerts[0])).toBe(key);
    expect(key).toMatch(/^alertmanager:[0-9a-f]{32}$/);
  });

  it.each<[string, (b: Body) => void]>([
    ['status', (b) => (b.alerts[0].status = 'resolved')],
    ['startsAt (a new firing of the same alert)', (b) => (b.alerts[0].startsAt = '2026-12-03T23:40:00Z')],
    ['fingerprint', (b) => (b.alerts[0].fingerprint = '0000000000000000')],
    ['group key (another route)', (b) => (b.groupKey = '{}/{x="y"}:{alertname="HealthEntropySaturation"}')],
  ])('changes with the %s', (_name, change) => {
    const b: Body = copy(ALERTMANAGER_FIRING);
    change(b);
    const n = parseNotification(b);
    expect(dedupKey('alertmanager', n.groupKey, n.alerts[0])).not.toBe(key);
  });

  it('changes with the origin, and the resolved fixture differs from the firing one', () => {
    expect(dedupKey('grafana', firing.groupKey, firing.alerts[0])).not.toBe(key);
    const resolved = parseNotification(copy(ALERTMANAGER_RESOLVED));
    expect(dedupKey('alertmanager', resolved.groupKey, resolved.alerts[0])).not.toBe(key);
  });

  it('stands in for a missing fingerprint with the label set, whatever the label order', () => {
    const a = { ...firing.alerts[0], fingerprint: '' };
    const b = { ...a, labels: Object.fromEntries(Object.entries(a.labels).reverse()) };
    expect(dedupKey('alertmanager', 'g', a)).toBe(dedupKey('alertmanager', 'g', b));
    expect(labelsFingerprint(a.labels)).toBe(labelsFingerprint(b.labels));
    expect(labelsFingerprint({ ...a.labels, host: 'other' })).not.toBe(labelsFingerprint(a.labels));
  });
});
