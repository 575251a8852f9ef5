/**
 * The data source's live mode in headless Chromium, following a real engine (the built CLI) through the
 * harness's stand-in for Grafana's proxy route `engine` (URL from jsonData, bearer token from
 * secureJsonData, exactly as plugin.json declares them). The engine is fed by remote write from the test;
 * the panel's cells must change when the data does and equal the engine's `/api/v1/profiles` within ε + q/2.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { seeded } from '../../src/core/testing';
import type { HostProfile } from '../../src/engine/profiles';
import { encodeWriteRequest, EncodeSeries, snappy } from '../../src/engine/remote-write/encoder';
import {
  buildHarness,
  harnessOutDir,
  HarnessBrowser,
  HarnessServer,
  launchChromium,
  serveHarness,
} from '../../src/bench/harness';
import { freePort } from '../helpers/processes';
import { ensureBuilt, getJson, startEngine, TestEngine, waitFor } from '../engine/harness';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const ARTIFACTS = join(ROOT, 'artifacts', 'browser');
const TOKEN = 'live-stream-token';
const BOUND = 0.01 + 0.001 / 2;
const HOSTS = ['host-1', 'host-2', 'host-3'];
const CELL = '[data-testid="harness-panel-display"] [data-testid="data-testid he-panel-cell"]';

interface Cell {
  host: string;
  indicator: string;
  hn: number;
}
type Win = {
  harness: {
    ready: boolean;
    error?: string;
    live?: { responses: number; errors: string[]; state?: string };
    stopLive?: () => void;
  };
};

function newest(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n = Math.max(n, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return n;
}

let engine: TestEngine;
let server: HarnessServer | undefined;
let browser: HarnessBrowser | undefined;
let work: string;
let harnessDir: string;
let t = Math.floor(Date.now() / 1000) * 1000 - 60_000;

/** Remote-writes `n` samples per host × indicator; `spread` 0 keeps each series on two values, 1 spreads them. */
async function feed(n: number, spread: number, seed: number): Promise<void> {
  const r = seeded(seed);
  const series: EncodeSeries[] = [];
  const times = Array.from({ length: n }, (_, i) => t + i * 1000);
  t += n * 1000;
  for (const host of HOSTS) {
    for (const metric of ['he_cpu', 'he_mem']) {
      series.push({
        labels: [
          ['__name__', metric],
          ['instance', host],
        ],
        samples: times.map((ts, i) => [ts, spread === 0 ? 0.3 + 0.1 * (i % 2) : r() * spread]),
      });
    }
  }
  const res = await fetch(`${engine.url}/api/v1/write`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
    body: new Uint8Array(snappy(encodeWriteRequest(series))),
  });
  expect(res.status).toBe(204);
}

async function cells(page: Page): Promise<Cell[]> {
  return page.$$eval(CELL, (els) =>
    (els as unknown as Array<{ getAttribute(n: string): string | null }>).map((e) => ({
      host: e.getAttribute('data-host') ?? '',
      indicator: e.getAttribute('data-indicator') ?? '',
      hn: Number(e.getAttribute('data-entropy')),
    }))
  );
}

/** The engine's own entropy per host/indicator. */
async function truth(): Promise<Map<string, number>> {
  const body = await getJson<{ hosts: HostProfile[] }>(`${engine.url}/api/v1/profiles`);
  const out = new Map<string, number>();
  for (const h of body.hosts) {
    for (const [ind, p] of Object.entries(h.indicators)) {
      if (p.entropy !== null) {
        out.set(`${h.host}/${ind}`, p.entropy);
      }
    }
  }
  return out;
}

/** Waits until the panel shows every series within the bound of the engine's profile; returns the cells. */
async function panelMatchesEngine(page: Page, what: string): Promise<Cell[]> {
  return waitFor(
    what,
    async () => {
      const [shown, want] = [await cells(page), await truth()];
      if (shown.length !== 6 || want.size !== 6) {
        return undefined;
      }
      return shown.every((c) => Math.abs(c.hn - want.get(`${c.host}/${c.indicator}`)!) <= BOUND + 1e-12)
        ? shown
        : undefined;
    },
    60_000
  );
}

async function streamClients(): Promise<number> {
  const text = await (await fetch(`${engine.url}/metrics`)).text();
  return Number(/^health_entropy_stream_clients (\d+)$/m.exec(text)?.[1] ?? NaN);
}

beforeAll(async () => {
  ensureBuilt();
  const src = Math.max(
    ...['core', 'datasource', 'frames', 'panel', 'components'].map((d) => newest(join(ROOT, 'src', d)))
  );
  const bundle = join(DIST, 'datasource', 'module.js');
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < src) {
    execFileSync('npm', ['run', '--silent', 'build:plugin'], { cwd: ROOT, stdio: 'ignore' });
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'he-live-'));
  writeFileSync(join(work, 'token'), `${TOKEN}\n`);
  engine = await startEngine(
    `
interval: 1s
stream: { bearerToken: { file: '${join(work, 'token')}' }, heartbeat: 2s }
defaults: { window: 5, baseline: { warmup: 3 } }
indicators:
  - { name: cpu, selector: he_cpu }
  - { name: mem, selector: he_mem }
`,
    await freePort()
  );
  harnessDir = harnessOutDir();
  await buildHarness(ROOT, harnessDir);
  server = await serveHarness(harnessDir, DIST, undefined, [
    {
      uid: 'entropy',
      pluginJson: join(DIST, 'datasource', 'plugin.json'),
      jsonData: { engineUrl: engine.url },
      secureJsonData: { engineToken: TOKEN },
    },
  ]);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await engine?.stop();
  for (const dir of [work, harnessDir]) {
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

describe('live mode in Chromium, on a real engine', () => {
  it("follows the engine's stream through the proxy route: the panel updates and equals /api/v1/profiles", async () => {
    await feed(8, 0, 1);
    const page = await browser!.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
        problems.push(`console error: ${m.text()}`);
      }
    });
    await page.goto(`${server!.url}/?view=live&engineUrl=${encodeURIComponent(engine.url)}`);
    await page.waitForFunction(() => (globalThis as unknown as Win).harness?.ready === true, undefined, {
      timeout: 60_000,
    });
    expect(await page.evaluate(() => (globalThis as unknown as Win).harness.error)).toBeUndefined();

    const calm = await panelMatchesEngine(page, 'the panel to show the calm series');
    expect(calm.map((c) => c.host).sort()).toEqual([...HOSTS, ...HOSTS].sort());
    const live = await page.evaluate(() => (globalThis as unknown as Win).harness.live!);
    expect(live.state).toBe('Streaming');
    expect(live.errors).toEqual([]);
    expect(await streamClients()).toBe(1);

    // The data turns erratic: entropy rises, and the panel follows without a reload.
    await feed(8, 1, 2);
    const erratic = await waitFor(
      'the panel to change and match again',
      async () => {
        const shown = await panelMatchesEngine(page, 'a match');
        const moved = shown.filter(
          (c) => Math.abs(c.hn - calm.find((x) => x.host === c.host && x.indicator === c.indicator)!.hn) > 2 * BOUND
        );
        return moved.length >= 3 ? shown : undefined;
      },
      60_000
    );
    expect(erratic).toHaveLength(6);
    await page.screenshot({ path: join(ARTIFACTS, 'live-panel-light.png'), fullPage: true });
    expect(problems).toEqual([]);

    // Unsubscribing closes the connection, all the way to the engine.
    await page.evaluate(() => (globalThis as unknown as Win).harness.stopLive!());
    await waitFor(
      'the engine to see the client go',
      async () => ((await streamClients()) === 0 ? true : undefined),
      30_000
    );
    await page.close();
  });
});
