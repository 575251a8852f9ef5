/**
 * The Docker Compose stack, validated as far as a machine without a Docker engine allows: the compose file
 * (Debian's docker-compose v1 `config`), its Prometheus and Alertmanager configs (promtool, amtool, including
 * Alertmanager's routing), and that the services, ports, mounts and names agree with each other.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROMTOOL_BIN } from '../helpers/processes';
import { AMTOOL_BIN, DOCKER_COMPOSE_BIN, pluginIds, readText, readYaml, ROOT, run, Tree } from './files';

const compose = readYaml('docker-compose.yaml');
const services: Record<string, Tree> = compose.services;
const SECRETS = {
  HEALTH_ENTROPY_ALERTS_TOKEN: 'test-token',
  HEALTH_ENTROPY_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
};
const baseEnv = () => {
  const env = { ...process.env };
  delete env.HEALTH_ENTROPY_ALERTS_TOKEN;
  delete env.HEALTH_ENTROPY_WEBHOOK_SECRET;
  return env;
};

/** `host:port` of the engine's listen address in its compose config. */
const engineListen = readYaml('deploy/engine/engine.yaml').listen as string;
const enginePort = engineListen.split(':').pop();

describe('docker-compose.yaml', () => {
  it('is valid for docker-compose config', () => {
    const r = run(DOCKER_COMPOSE_BIN, ['--project-directory', ROOT, '-f', 'docker-compose.yaml', 'config', '-q'], {
      env: { ...baseEnv(), ...SECRETS },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('refuses to start without the alerts token, and says which variable is missing', () => {
    const r = run(DOCKER_COMPOSE_BIN, ['--project-directory', ROOT, '-f', 'docker-compose.yaml', 'config', '-q'], {
      env: baseEnv(),
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('set HEALTH_ENTROPY_ALERTS_TOKEN');
  });

  it('refuses to start without the webhook signing secret (the engine signs every action with it)', () => {
    const r = run(DOCKER_COMPOSE_BIN, ['--project-directory', ROOT, '-f', 'docker-compose.yaml', 'config', '-q'], {
      env: { ...baseEnv(), HEALTH_ENTROPY_ALERTS_TOKEN: 'test-token' },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('set HEALTH_ENTROPY_WEBHOOK_SECRET');
  });

  it('runs Grafana, Prometheus, node-exporter, Alertmanager, the engine and a webhook receiver', () => {
    expect(Object.keys(services).sort()).toEqual([
      'alertmanager',
      'grafana',
      'health-entropy',
      'node-exporter',
      'prometheus',
      'webhook-receiver',
    ]);
    for (const [name, s] of Object.entries(services)) {
      // Every image is pinned (a default version after `:-`), or built here.
      if (s.image && !s.build) {
        expect({ name, image: s.image }).toEqual({
          name,
          image: expect.stringMatching(/:(\$\{\w+:-[\w.-]+\}|[\w.-]+)$/),
        });
      }
    }
  });

  it('pins a Grafana 12.x or 13.x image and loads our unsigned plugins from dist/ with the provisioning', () => {
    const g = services.grafana;
    expect(g.image).toMatch(/^grafana\/grafana(-enterprise)?:\$\{GRAFANA_VERSION:-1[23]\.\d+\.\d+\}$/);
    const ids = pluginIds();
    expect(g.environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS.split(',').sort()).toEqual(
      [ids.app, ids.datasource, ids.panel].sort()
    );
    expect(g.volumes).toEqual(
      expect.arrayContaining([
        `./dist:/var/lib/grafana/plugins/${ids.app}:ro`,
        './provisioning:/etc/grafana/provisioning:ro',
      ])
    );
    // The contact point and the app read these from Grafana's environment.
    expect(readText('provisioning/alerting/contact-points.yaml')).toContain('$HEALTH_ENTROPY_ALERTS_TOKEN');
    expect(g.environment.HEALTH_ENTROPY_ALERTS_TOKEN).toMatch(/^\$\{HEALTH_ENTROPY_ALERTS_TOKEN:\?/);
    expect(readText('provisioning/plugins/apps.yaml')).toContain('$HEALTH_ENTROPY_TOKEN');
    expect(g.environment).toHaveProperty('HEALTH_ENTROPY_TOKEN');
    const home = g.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH.replace(
      '/etc/grafana/provisioning',
      'provisioning'
    );
    expect(existsSync(join(ROOT, home))).toBe(true);
  });

  it('mounts only files and folders that exist (dist/ is built by npm run build)', () => {
    for (const s of Object.values(services)) {
      for (const v of (s.volumes as string[] | undefined) ?? []) {
        const source = v.split(':')[0];
        if (source.startsWith('./') && source !== './dist') {
          expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({ source, exists: true });
        }
      }
    }
  });

  it('builds the engine from the Dockerfile and gives it the config the Dockerfile runs', () => {
    const e = services['health-entropy'];
    expect(e.build).toMatchObject({ context: '.', dockerfile: 'Dockerfile' });
    const dockerfile = readText('Dockerfile');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    expect(cmd).not.toBeNull();
    const configPath = JSON.parse(cmd![1]).slice(-1)[0];
    expect(e.volumes).toContain(`./deploy/engine/engine.yaml:${configPath}:ro`);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${enginePort}$`, 'm'));
    expect(e.ports).toContain(`${enginePort}:${enginePort}`);
    // Reachable from the other containers, not only from its own loopback.
    expect(engineListen).toBe(`0.0.0.0:${enginePort}`);
  });

  it('wires the services by the names and ports they really have', () => {
    const prom = readYaml('deploy/prometheus/prometheus.yml');
    const targets = (prom.scrape_configs as Tree[]).flatMap((c) =>
      (c.static_configs as Tree[]).flatMap((s) => s.targets as string[])
    );
    expect(targets).toEqual(
      expect.arrayContaining(['node-exporter:9100', `health-entropy:${enginePort}`, 'alertmanager:9093'])
    );
    for (const t of targets.filter((x) => !x.startsWith('localhost'))) {
      expect(Object.keys(services)).toContain(t.split(':')[0]);
    }
    const engineAlerts = `http://health-entropy:${enginePort}/api/v1/alerts`;
    expect(
      readYaml('deploy/alertmanager/alertmanager.yml').receivers.find((r: Tree) => r.webhook_configs).webhook_configs[0]
        .url
    ).toBe(engineAlerts);
    expect(readYaml('provisioning/alerting/contact-points.yaml').contactPoints[0].receivers[0].settings.url).toBe(
      engineAlerts
    );
    expect(readYaml('provisioning/plugins/apps.yaml').apps[0].jsonData.engineUrl).toBe(
      `http://health-entropy:${enginePort}`
    );
    expect(readYaml('deploy/engine/engine.yaml').prometheus.url).toBe('http://prometheus:9090');
    const prometheusDs = (readYaml('provisioning/datasources/datasources.yaml').datasources as Tree[]).find(
      (d) => d.type === 'prometheus'
    );
    expect(prometheusDs.url).toBe('http://prometheus:9090');
    expect(services.prometheus.volumes).toContain('./deploy/prometheus:/etc/prometheus:ro');
    expect(services.alertmanager.volumes).toContain('./deploy/alertmanager:/etc/alertmanager:ro');
  });
});

describe('Prometheus and Alertmanager configs of the stack', () => {
  it('prometheus.yml passes promtool check config (with the rule file it loads)', () => {
    const r = run(PROMTOOL_BIN, ['check', 'config', 'deploy/prometheus/prometheus.yml']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('SUCCESS: 1 rule files found');
  });

  it('alertmanager.yml passes amtool check-config', () => {
    const r = run(AMTOOL_BIN, ['check-config', 'deploy/alertmanager/alertmanager.yml']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  });

  it.each([
    [
      ['alertname=HealthEntropySaturation', 'healthentropy_action=scale_up', 'host=app-1:9100'],
      'health-entropy-engine',
    ],
    [
      ['alertname=HealthEntropyHostIdle', 'healthentropy_action=scale_down', 'host=quiet:9100'],
      'health-entropy-engine',
    ],
    [['alertname=HealthEntropyEarlyWarning', 'healthentropy_action=alert_only'], 'health-entropy-engine'],
    [['alertname=SomethingElse', 'severity=critical'], 'null'],
  ])('Alertmanager routes %j to %s', (labels, receiver) => {
    const r = run(AMTOOL_BIN, [
      'config',
      'routes',
      'test',
      '--config.file=deploy/alertmanager/alertmanager.yml',
      ...labels,
    ]);
    // (amtool may warn on stderr that --config.file overrides a URL in /etc/amtool/config.yml.)
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(receiver);
  });

  it('the Alertmanager container writes the token file its config reads, from the environment', () => {
    const am = services.alertmanager;
    const file = readYaml('deploy/alertmanager/alertmanager.yml').receivers.find((r: Tree) => r.webhook_configs)
      .webhook_configs[0].http_config.authorization.credentials_file;
    expect(am.command.join(' ')).toContain(`"$$HEALTH_ENTROPY_ALERTS_TOKEN" > ${file}`);
    expect(am.environment.HEALTH_ENTROPY_ALERTS_TOKEN).toMatch(/^\$\{HEALTH_ENTROPY_ALERTS_TOKEN:\?/);
  });
});
