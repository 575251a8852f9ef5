/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`) on a loopback port, with its own config and data
 * directory, clustering off; and small clients for its v2 API and its own metrics.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PostableAlert } from '../../src/engine/alerts/pusher';
import { RunningProcess, startProcess } from './processes';

export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

/**
 * An Alertmanager config that routes every alert to the engine's `/api/v1/alerts` on `enginePort` (bearer
 * token from `$DIR/token`, the file `startAlertmanager` writes from `files.token`), quickly and with repeats.
 */
export const engineReceiverConfig = (enginePort: number): string => `
route:
  receiver: engine
  group_by: ['alertname', 'host']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: engine
    webhook_configs:
      - url: http://127.0.0.1:${enginePort}/api/v1/alerts
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: $DIR/token
`;

/** A started Alertmanager; `dir` holds its config and whatever files the test writes beside it. */
export interface TestAlertmanager extends RunningProcess {
  url: string;
  dir: string;
}

/** Starts Alertmanager with `config` (YAML) on `port`; `files` are written into its directory first. */
export async function startAlertmanager(
  config: string,
  port: number,
  files: Record<string, string> = {}
): Promise<TestAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'he-am-'));
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
  }
  writeFileSync(join(dir, 'alertmanager.yml'), config.replaceAll('$DIR', dir));
  const proc = await startProcess(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No gossip: a lone instance, and no port of its own to collide with other tests.
      '--cluster.listen-address=',
      '--log.level=info',
    ],
    { readyUrl: `http://127.0.0.1:${port}/-/ready`, timeoutMs: 60_000 }
  );
  const stop = proc.stop;
  return {
    ...proc,
    url: `http://127.0.0.1:${port}`,
    dir,
    async stop(signal?: NodeJS.Signals) {
      await stop(signal);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One alert as `GET /api/v2/alerts` returns it (the fields the tests read). */
export interface GettableAlert extends PostableAlert {
  status: { state: string };
}

/** `POST /api/v2/alerts`. */
export async function postAlerts(url: string, alerts: unknown[]): Promise<void> {
  const res = await fetch(`${url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts),
  });
  if (!res.ok) {
    throw new Error(`POST ${url}/api/v2/alerts: HTTP ${res.status}: ${await res.text()}`);
  }
}

/** `GET /api/v2/alerts` (active, silenced and inhibited; resolved alerts are not listed). */
export async function getAlerts(url: string): Promise<GettableAlert[]> {
  const res = await fetch(`${url}/api/v2/alerts`);
  return (await res.json()) as GettableAlert[];
}

/** The sum of one metric family on Alertmanager's own `/metrics`, over series whose labels contain `match`. */
export async function amMetric(url: string, name: string, match = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      if (line.includes(match)) {
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
  }
  return sum;
}
