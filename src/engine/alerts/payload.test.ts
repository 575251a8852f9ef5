import { ALERTMANAGER_FIRING, ALERTMANAGER_RESOLVED, copy, GRAFANA_DOCS, GRAFANA_SCALE_DOWN } from './fixtures';
import { parseNotification, PayloadError, PAYLOAD_LIMITS } from './payload';

type Body = Record<string, any>;

describe('parseNotification on real-shaped payloads', () => {
  it.each([
    ['Alertmanager firing', ALERTMANAGER_FIRING, 'alertmanager', 'firing', 1],
    ['Alertmanager resolved', ALERTMANAGER_RESOLVED, 'alertmanager', 'resolved', 1],
    ['Grafana docs example', GRAFANA_DOCS, 'grafana', 'firing', 2],
    ['Grafana provisioned rule', GRAFANA_SCALE_DOWN, 'grafana', 'firing', 1],
  ])('%s', (_name, body, origin, status, count) => {
    const n = parseNotification(copy(body));
    expect(n.origin).toBe(origin);
    expect(n.status).toBe(status);
    expect(n.groupKey).toBe(body.groupKey);
    expect(n.alerts).toHaveLength(count);
    const [a] = n.alerts;
    const src = body.alerts[0];
    expect(a).toEqual({
      status: src.status,
      labels: src.labels,
      annotations: src.annotations,
      startsAt: src.startsAt,
      fingerprint: src.fingerprint,
      generatorURL: src.generatorURL,
    });
  });

  it('takes a body without version but with orgId as Grafana (older contact points)', () => {
    const body: Body = copy(GRAFANA_DOCS);
    delete body.version;
    expect(parseNotification(body).origin).toBe('grafana');
  });

  it('accepts null or missing maps and a missing fingerprint', () => {
    const body: Body = copy(ALERTMANAGER_FIRING);
    body.alerts[0].annotations = null;
    delete body.alerts[0].fingerprint;
    delete body.alerts[0].endsAt;
    const [a] = parseNotification(body).alerts;
    expect(a.annotations).toEqual({});
    expect(a.fingerprint).toBe('');
  });

  it('keeps a label called __proto__ as a label and never touches a prototype', () => {
    const body: Body = JSON.parse(
      JSON.stringify(ALERTMANAGER_FIRING).replace('"job":', '"__proto__":"polluted","constructor":"c","job":')
    );
    const [a] = parseNotification(body).alerts;
    expect(Object.getPrototypeOf(a.labels)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(a.labels, '__proto__')).toBe(true);
    expect(a.labels.constructor).toBe('c');
    expect(({} as Body).polluted).toBeUndefined();
  });
});

describe('parseNotification refuses what is wrong, naming the field', () => {
  const am = (change: (b: Body) => void): Body => {
    const b: Body = copy(ALERTMANAGER_FIRING);
    change(b);
    return b;
  };
  const big = 'x'.repeat(PAYLOAD_LIMITS.labelValueLength + 1);
  it.each<[string, unknown, string, RegExp]>([
    ['an array', [ALERTMANAGER_FIRING], '(body)', /must be a JSON object .* got an array/],
    ['null', null, '(body)', /got null/],
    ['a string', 'firing', '(body)', /got "firing"/],
    ['no version', am((b) => delete b.version), 'version', /version must be "4" .* or "1" .*got nothing/],
    ['version 3', am((b) => (b.version = '3')), 'version', /got "3"/],
    ['numeric version', am((b) => (b.version = 4)), 'version', /got number 4/],
    ['no alerts', am((b) => delete b.alerts), 'alerts', /alerts must be an array of alerts, got nothing/],
    ['alerts an object', am((b) => (b.alerts = {})), 'alerts', /got an object/],
    ['no groupKey', am((b) => delete b.groupKey), 'groupKey', /groupKey must be a string, got nothing/],
    ['status wrong', am((b) => (b.status = 'FIRING')), 'status', /status must be "firing" or "resolved"/],
    ['alert not an object', am((b) => (b.alerts = [1])), 'alerts[0]', /alerts\[0\] must be an object/],
    ['alert status', am((b) => (b.alerts[0].status = 'pending')), 'alerts[0].status', /got "pending"/],
    ['startsAt missing', am((b) => delete b.alerts[0].startsAt), 'alerts[0].startsAt', /must be a string, got nothing/],
    ['startsAt not a time', am((b) => (b.alerts[0].startsAt = 'yesterday')), 'alerts[0].startsAt', /RFC 3339/],
    ['startsAt a number', am((b) => (b.alerts[0].startsAt = 1700000000)), 'alerts[0].startsAt', /must be a string/],
    ['labels an array', am((b) => (b.alerts[0].labels = ['a'])), 'alerts[0].labels', /object of strings, got an array/],
    ['labels empty', am((b) => (b.alerts[0].labels = {})), 'alerts[0].labels', /at least one label/],
    [
      'label a number',
      am((b) => (b.alerts[0].labels.host = 3)),
      'alerts[0].labels["host"]',
      /must be a string, got number 3/,
    ],
    [
      'label nested',
      am((b) => (b.alerts[0].labels.host = { a: 1 })),
      'alerts[0].labels["host"]',
      /must be a string, got an object/,
    ],
    ['label too long', am((b) => (b.alerts[0].labels.host = big)), 'alerts[0].labels["host"]', /at most 16384/],
    [
      'annotation a list',
      am((b) => (b.alerts[0].annotations.summary = [])),
      'alerts[0].annotations["summary"]',
      /got an array/,
    ],
    ['fingerprint a number', am((b) => (b.alerts[0].fingerprint = 7)), 'alerts[0].fingerprint', /must be a string/],
    ['endsAt null', am((b) => (b.alerts[0].endsAt = null)), 'alerts[0].endsAt', /must be a string, got null/],
    ['second alert wrong', am((b) => b.alerts.push({ ...b.alerts[0], labels: 'x' })), 'alerts[1].labels', /got "x"/],
  ])('%s', (_name, body, field, message) => {
    let error: unknown;
    try {
      parseNotification(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PayloadError);
    expect((error as PayloadError).field).toBe(field);
    expect((error as PayloadError).message).toMatch(message);
    expect((error as PayloadError).message.startsWith(field === '(body)' ? 'the body' : field)).toBe(true);
  });

  it('bounds the number of alerts and labels', () => {
    const many: Body = copy(ALERTMANAGER_FIRING);
    many.alerts = Array.from({ length: PAYLOAD_LIMITS.alerts + 1 }, () => many.alerts[0]);
    expect(() => parseNotification(many)).toThrow(/alerts holds 10001 alerts; at most 10000/);
    const labels: Body = copy(ALERTMANAGER_FIRING);
    labels.alerts[0].labels = Object.fromEntries(
      Array.from({ length: PAYLOAD_LIMITS.labelsPerAlert + 1 }, (_, i) => [`l${i}`, 'v'])
    );
    expect(() => parseNotification(labels)).toThrow(/alerts\[0\].labels has 257 entries; at most 256/);
  });
});
