#!/usr/bin/env node
// Writes provisioning/alerting/health-entropy-rules.yaml (Grafana-managed rules) from the Prometheus rule file
// deploy/prometheus/health-entropy.rules.yml, so that both kinds of users get the same rules:
//   node scripts/grafana-alert-rules.js          (rewrite)
//   node scripts/grafana-alert-rules.js --check  (exit 1 when the committed file is out of date)
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const root = path.join(__dirname, '..');
const SOURCE = path.join(root, 'deploy/prometheus/health-entropy.rules.yml');
const TARGET = path.join(root, 'provisioning/alerting/health-entropy-rules.yaml');
/** The Prometheus data source provisioned in provisioning/datasources/datasources.yaml. */
const PROMETHEUS_UID = 'prometheus';
const FOLDER = 'Health Entropy';
/** Series of features still being built (allocation). */
const PLANNED = ['health_entropy_decision'];

/** Grafana's `$value` is a description of every query; `$values.A.Value` is the number Prometheus's `$value` is. */
const grafanaTemplate = (text) => text.replace(/\$value\b/g, '$values.A.Value');

/** `HealthEntropyEarlyWarning` -> `he-early-warning` (Grafana uids are at most 40 characters). */
const uidOf = (alert) =>
  'he-' +
  alert
    .replace(/^HealthEntropy/, '')
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase();

function grafanaRule(rule) {
  return {
    uid: uidOf(rule.alert),
    title: rule.alert,
    condition: 'B',
    data: [
      {
        refId: 'A',
        relativeTimeRange: { from: 600, to: 0 },
        datasourceUid: PROMETHEUS_UID,
        model: {
          refId: 'A',
          datasource: { type: 'prometheus', uid: PROMETHEUS_UID },
          editorMode: 'code',
          expr: rule.expr,
          instant: true,
          range: false,
          intervalMs: 60000,
          maxDataPoints: 43200,
        },
      },
      {
        // The PromQL already keeps only the series in trouble (some with negative values, e.g. z < -3), so the
        // condition is "A returned this series", not a threshold on its value.
        refId: 'B',
        relativeTimeRange: { from: 0, to: 0 },
        datasourceUid: '__expr__',
        model: {
          refId: 'B',
          datasource: { type: '__expr__', uid: '__expr__' },
          type: 'math',
          expression: '$A == $A',
        },
      },
    ],
    // No series means nothing is in trouble; a failing query is an error to look at, not a scaling event.
    noDataState: 'OK',
    execErrState: 'Error',
    for: rule.for ?? '0m',
    annotations: Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, grafanaTemplate(v)])),
    labels: rule.labels ?? {},
    isPaused: false,
  };
}

/** The rules file as `npm run lint:fix` (prettier) would leave it, so that formatting never makes it stale. */
async function render() {
  const source = YAML.parse(fs.readFileSync(SOURCE, 'utf8'));
  const groups = source.groups.map((g) => ({
    orgId: 1,
    name: g.name,
    folder: FOLDER,
    interval: g.interval ?? '1m',
    rules: g.rules.filter((r) => r.alert).map(grafanaRule),
  }));
  const planned = groups
    .flatMap((g) => g.rules)
    .filter((r) => PLANNED.some((m) => r.data[0].model.expr.includes(m)))
    .map(
      (r) =>
        `# ${r.title} uses a metric the engine exports once the allocation feature lands; until then it never fires.`
    );
  const header = [
    '# Grafana-managed alert rules of Health Entropy, over the engine metrics in Prometheus.',
    '# GENERATED from deploy/prometheus/health-entropy.rules.yml by `node scripts/grafana-alert-rules.js`:',
    '# edit that file and rerun the script (the test suite fails when this file is out of date).',
    '# Labels `healthentropy_action` (scale_up | scale_down | alert_only) tell the engine what to do when the',
    '# contact point in contact-points.yaml delivers the alert to its POST /api/v1/alerts.',
    ...planned,
    '',
  ].join('\n');
  const text = header + YAML.stringify({ apiVersion: 1, groups }, { lineWidth: 0 });
  const prettier = require('prettier');
  const options = (await prettier.resolveConfig(TARGET)) ?? {};
  return prettier.format(text, { ...options, filepath: TARGET });
}

if (require.main === module) {
  render().then((text) => {
    if (process.argv.includes('--check')) {
      const current = fs.existsSync(TARGET) ? fs.readFileSync(TARGET, 'utf8') : '';
      if (current !== text) {
        process.stderr.write(
          `${path.relative(root, TARGET)} is out of date: run node scripts/grafana-alert-rules.js\n`
        );
        process.exitCode = 1;
      }
    } else {
      fs.writeFileSync(TARGET, text);
    }
  });
}

module.exports = { render, TARGET, SOURCE };
