/**
 * The alert rules: the Prometheus rule file passes `promtool check rules` and its unit tests
 * (`promtool test rules`); the Grafana-managed rules are the same rules in Grafana's provisioning format,
 * over the provisioned Prometheus, routed to the engine's contact point.
 */
import { PROMTOOL_BIN } from '../helpers/processes';
import {
  KNOWN_METRICS,
  metricNames,
  PLANNED_METRICS,
  provisionedDataSources,
  readText,
  readYaml,
  run,
  Tree,
} from './files';

const PROM_RULES = 'deploy/prometheus/health-entropy.rules.yml';
const PROM_TESTS = 'deploy/prometheus/health-entropy.rules.test.yml';
const GRAFANA_RULES = 'provisioning/alerting/health-entropy-rules.yaml';
const ACTIONS = ['scale_up', 'scale_down', 'alert_only'];

const prometheusRules: Tree[] = (readYaml(PROM_RULES).groups as Tree[]).flatMap((g) => g.rules);
const grafanaDoc = readYaml(GRAFANA_RULES);
const grafanaRules: Tree[] = (grafanaDoc.groups as Tree[]).flatMap((g) => g.rules);

describe('Prometheus rule file', () => {
  it('passes promtool check rules', () => {
    const r = run(PROMTOOL_BIN, ['check', 'rules', PROM_RULES]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`SUCCESS: ${prometheusRules.length} rules found`);
  });

  it('passes its unit tests (promtool test rules)', () => {
    const r = run(PROMTOOL_BIN, ['test', 'rules', PROM_TESTS]);
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('has a unit test for every alert', () => {
    const tested = new Set(
      (readYaml(PROM_TESTS).tests as Tree[]).flatMap((t) =>
        (t.alert_rule_test as Tree[]).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)
      )
    );
    expect([...tested].sort()).toEqual(prometheusRules.map((r) => r.alert).sort());
  });

  it('covers early warning, saturation, entropy collapse and quorum, each telling the engine what to do', () => {
    const names = prometheusRules.map((r) => r.alert);
    for (const name of [
      'HealthEntropyEarlyWarning',
      'HealthEntropySaturation',
      'HealthEntropyCollapse',
      'HealthEntropyQuorumUnhealthy',
    ]) {
      expect(names).toContain(name);
    }
    for (const rule of prometheusRules) {
      expect(ACTIONS).toContain(rule.labels.healthentropy_action);
      expect(rule.annotations.summary).toEqual(expect.any(String));
    }
    // A collapsed (flatlined) indicator must never lead to a scale-down.
    expect(prometheusRules.find((r) => r.alert === 'HealthEntropyCollapse').labels.healthentropy_action).toBe(
      'alert_only'
    );
    expect(prometheusRules.find((r) => r.alert === 'HealthEntropySaturation').labels.healthentropy_action).toBe(
      'scale_up'
    );
  });

  it('names only metrics the engine exports (planned ones are said to be planned)', () => {
    for (const rule of prometheusRules) {
      for (const name of metricNames(rule.expr)) {
        expect({ alert: rule.alert, name, known: KNOWN_METRICS.has(name) }).toEqual({
          alert: rule.alert,
          name,
          known: true,
        });
      }
    }
    const text = readText(PROM_RULES);
    for (const planned of PLANNED_METRICS.filter((m) => prometheusRules.some((r) => metricNames(r.expr).includes(m)))) {
      const at = text.indexOf(planned);
      expect(text.slice(Math.max(0, at - 600), at)).toMatch(/Available once the (quorum|allocation) feature lands/i);
    }
  });
});

describe('Grafana-managed rules', () => {
  it('are up to date with the Prometheus rule file (node scripts/grafana-alert-rules.js --check)', () => {
    const r = run(process.execPath, ['scripts/grafana-alert-rules.js', '--check']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('have the shape of a Grafana alerting provisioning file', () => {
    expect(grafanaDoc.apiVersion).toBe(1);
    for (const g of grafanaDoc.groups as Tree[]) {
      expect(g).toMatchObject({
        orgId: 1,
        name: expect.any(String),
        folder: 'Health Entropy',
        interval: expect.stringMatching(/^\d+[smh]$/),
      });
    }
    const uids = grafanaRules.map((r) => r.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const rule of grafanaRules) {
      expect(rule.uid).toMatch(/^[\w-]{1,40}$/);
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(['NoData', 'Alerting', 'OK', 'KeepLast']).toContain(rule.noDataState);
      expect(['Error', 'Alerting', 'OK', 'KeepLast']).toContain(rule.execErrState);
      const refIds = (rule.data as Tree[]).map((q) => q.refId);
      expect(refIds).toContain(rule.condition);
      for (const q of rule.data as Tree[]) {
        expect(q.model.refId).toBe(q.refId);
        expect(q.relativeTimeRange).toEqual({ from: expect.any(Number), to: expect.any(Number) });
      }
    }
  });

  it('query only the provisioned Prometheus, and Grafana expressions', () => {
    const provisioned = provisionedDataSources();
    for (const q of grafanaRules.flatMap((r) => r.data as Tree[])) {
      if (q.datasourceUid === '__expr__') {
        expect(q.model.datasource).toEqual({ type: '__expr__', uid: '__expr__' });
        expect(['math', 'threshold', 'reduce', 'classic_conditions']).toContain(q.model.type);
      } else {
        expect(provisioned.get(q.datasourceUid)).toBe('prometheus');
        expect(q.model.datasource).toEqual({ type: 'prometheus', uid: q.datasourceUid });
        expect(q.model.instant).toBe(true);
      }
    }
  });

  it('are the same rules as the Prometheus ones (expression, pending period, labels, annotations)', () => {
    expect(grafanaRules.map((r) => r.title)).toEqual(prometheusRules.map((r) => r.alert));
    for (const [i, rule] of grafanaRules.entries()) {
      const source = prometheusRules[i];
      const query = (rule.data as Tree[]).find((q) => q.datasourceUid !== '__expr__');
      expect(query.model.expr).toBe(source.expr);
      expect(rule.for).toBe(source.for);
      expect(rule.labels).toEqual(source.labels);
      // Grafana's `$value` describes every query; `$values.A.Value` is the number Prometheus's `$value` is.
      const annotations = Object.fromEntries(
        Object.entries(source.annotations as Record<string, string>).map(([k, v]) => [
          k,
          v.replace(/\$value\b/g, `$values.${query.refId}.Value`),
        ])
      );
      expect(rule.annotations).toEqual(annotations);
    }
  });

  it('keep `$` out of labels and `${` out of annotations (Grafana would read them as environment variables)', () => {
    for (const rule of grafanaRules) {
      for (const value of Object.values(rule.labels as Record<string, string>)) {
        expect(value).not.toContain('$');
      }
      for (const value of Object.values(rule.annotations as Record<string, string>)) {
        expect(value).not.toContain('${');
      }
    }
  });

  it('reach the engine through a webhook contact point with a bearer token from the environment', () => {
    const doc = readYaml('provisioning/alerting/contact-points.yaml');
    expect(doc.apiVersion).toBe(1);
    const [point] = doc.contactPoints as Tree[];
    const [receiver] = point.receivers as Tree[];
    expect(receiver).toMatchObject({ type: 'webhook', uid: expect.any(String) });
    expect(receiver.settings).toMatchObject({
      url: 'http://health-entropy:9464/api/v1/alerts',
      httpMethod: 'POST',
      authorization_scheme: 'Bearer',
      // Interpolated by Grafana from its environment: never a token in the file.
      authorization_credentials: '$HEALTH_ENTROPY_ALERTS_TOKEN',
    });

    const policies = readYaml('provisioning/alerting/policies.yaml');
    const [root] = policies.policies as Tree[];
    const route = (root.routes as Tree[]).find((r) => r.receiver === point.name);
    expect(route).toBeDefined();
    const [[label, op, value]] = route.object_matchers as string[][];
    expect([label, op]).toEqual(['healthentropy_action', '=~']);
    const matcher = new RegExp(`^(?:${value})$`);
    // Every action a rule asks for is routed to the engine.
    for (const rule of grafanaRules) {
      expect(matcher.test(rule.labels.healthentropy_action)).toBe(true);
    }
    expect(matcher.test('')).toBe(false);
  });
});
