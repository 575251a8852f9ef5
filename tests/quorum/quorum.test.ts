/**
 * The entropy quorum with real processes: a real Prometheus scrapes the same test exporter as three observers
 * (jobs `observer-a`, `-b`, `-c`, each given its `prober` label by relabeling, each reading the exporter's
 * view for that observer), one observer seeing a degraded view; the engine (built CLI) polls it.
 *
 * Checked: the engine's quorum state per host matches the expected table through an incident and through
 * observer churn (jobs going down); the quorum metrics are exported; and the browser's `quorum` output —
 * `quorumHistory` from src/core, which the data source's frames function runs (src/frames/quorumFrames.ts,
 * whose frame handling its own tests cover), here on the samples read back from Prometheus — equals the
 * engine's state, flag and reason at every evaluation observed; and so does the built data source's `quorum`
 * output run in headless Chromium (the harness page, src/harness) against the same Prometheus.
 */
import { createServer, Server } from 'node:http';
import { QUORUM_STATE_CODES, quorumHistory, QuorumHistorySeries } from '../../src/core';
import type { HostProfileWithQuorum } from '../../src/engine/quorum/render';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildHarness, harnessOutDir, launchChromium, serveHarness } from '../../src/bench/harness';
import { freePort, PROMTOOL_BIN, startPrometheus, TestPrometheus } from '../helpers/processes';
import { ensureBuilt, getJson, ROOT, sleep, startEngine, TestEngine, waitFor } from '../engine/harness';

jest.setTimeout(240_000);

const STEP = 1000;
const WINDOW = 8;
const HOSTS = ['host-a', 'host-b', 'host-c', 'host-d'];
const OBSERVERS = ['a', 'b', 'c'];
const QUORUM = { forMs: 2000, flagLevel: 0.6, flagForMs: 4000, stalenessMs: 4000, knownForMs: 60_000 };

/** Serves `/observer/<name>`: each host's probe result and cpu as that observer sees them. */
class ObserverExporter {
  readonly server: Server;
  port = 0;
  /** observer → hosts it sees failing its check / erratic. */
  readonly failing = new Map<string, Set<string>>(OBSERVERS.map((o) => [o, new Set()]));
  readonly erratic = new Map<string, Set<string>>(OBSERVERS.map((o) => [o, new Set()]));
  /** Observers whose scrape fails (their series go stale in Prometheus). */
  readonly down = new Set<string>();
  private readonly scrapes = new Map<string, number>();
  private seed = 4242;

  constructor() {
    this.server = createServer((req, res) => {
      const observer = /^\/observer\/(\w+)$/.exec(req.url ?? '')?.[1] ?? '';
      if (!OBSERVERS.includes(observer) || this.down.has(observer)) {
        res.writeHead(503);
        res.end('down');
        return;
      }
      const n = (this.scrapes.get(observer) ?? 0) + 1;
      this.scrapes.set(observer, n);
      const lines = ['# TYPE he_probe_success gauge', '# TYPE he_test_cpu gauge'];
      for (const host of HOSTS) {
        const cpu = this.erratic.get(observer)!.has(host) ? this.next() : n % 2 === 0 ? 0.05 : 0.15;
        lines.push(`he_probe_success{host="${host}"} ${this.failing.get(observer)!.has(host) ? 0 : 1}`);
        lines.push(`he_test_cpu{host="${host}"} ${cpu}`);
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(lines.join('\n') + '\n');
    });
  }

  private next(): number {
    this.seed = (this.seed * 48271) % 2147483647;
    return this.seed / 2147483647;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let exporter: ObserverExporter;
let prometheus: TestPrometheus;
let engine: TestEngine | undefined;
let enginePort: number;
/** Every engine assessment seen: evaluation time → host → [state, flagged, reason]. */
const observed = new Map<number, Map<string, [string, boolean, string]>>();
let recording = true;
let recorder: Promise<void>;

async function profiles(): Promise<Map<string, HostProfileWithQuorum>> {
  const body = await getJson<{ hosts: HostProfileWithQuorum[] }>(`${engine!.url}/api/v1/profiles`);
  return new Map(body.hosts.map((h) => [h.host, h]));
}

/** Polls the engine's profiles about four times per evaluation and keeps every quorum assessment it sees. */
async function record(): Promise<void> {
  while (recording) {
    try {
      for (const p of (await profiles()).values()) {
        if (p.quorum) {
          const at = observed.get(p.quorum.evaluatedAtMs) ?? new Map();
          at.set(p.host, [p.quorum.state, p.quorum.flagged, p.quorum.reason]);
          observed.set(p.quorum.evaluatedAtMs, at);
        }
      }
    } catch {
      // the engine may be between start and ready
    }
    await sleep(200);
  }
}

type Table = Record<string, string>;

/** What the harness page exposes (tests/tsconfig.json has no DOM library). */
interface HarnessWindow {
  harness: {
    ready: boolean;
    run(
      targets: readonly unknown[],
      intervalMs: number
    ): Promise<{
      errors: string[];
      frames: Array<{
        name?: string;
        times: number[];
        values: Array<number | null>;
        others: Record<string, unknown[]>;
      }>;
    }>;
  };
}

async function expectTable(
  what: string,
  table: Table,
  timeoutMs = 60_000
): Promise<Map<string, HostProfileWithQuorum>> {
  let last = '';
  try {
    return await waitFor(
      what,
      async () => {
        const p = await profiles();
        const got = Object.fromEntries(HOSTS.map((h) => [h, p.get(h)?.quorum?.state ?? 'absent']));
        last = JSON.stringify(got);
        return HOSTS.every((h) => got[h] === table[h]) ? p : undefined;
      },
      timeoutMs
    );
  } catch (e) {
    throw new Error(
      `${(e as Error).message}: expected ${JSON.stringify(table)}, last seen ${last}\n${engine!.output().slice(-2000)}`
    );
  }
}

/** Prometheus `query_range`, one history series per result series (host and observer from its labels). */
async function promSeries(
  query: string,
  startMs: number,
  endMs: number,
  extra: Omit<QuorumHistorySeries, 'host' | 'observer' | 'times' | 'values'>
): Promise<QuorumHistorySeries[]> {
  const params = new URLSearchParams({
    query,
    start: String(startMs / 1000),
    end: String(endMs / 1000),
    step: String(STEP / 1000),
  });
  const body = await getJson<{
    data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
  }>(`${prometheus.url}/api/v1/query_range?${params}`);
  return body.data.result.map((r) => ({
    ...extra,
    host: r.metric.host,
    observer: r.metric.prober,
    times: r.values.map(([t]) => Math.round(t * 1000)),
    values: r.values.map(([, v]) => Number(v)),
  }));
}

beforeAll(async () => {
  ensureBuilt();
  exporter = new ObserverExporter();
  await exporter.start();
  const jobs = OBSERVERS.map(
    (o) => `
  - job_name: observer-${o}
    metrics_path: /observer/${o}
    static_configs: [{ targets: ['127.0.0.1:${exporter.port}'] }]
    relabel_configs: [{ target_label: prober, replacement: ${o} }]`
  ).join('');
  enginePort = await freePort();
  const engineJob = `\n  - job_name: engine\n    static_configs: [{ targets: ['127.0.0.1:${enginePort}'] }]`;
  prometheus = await startPrometheus({
    config: `global: { scrape_interval: 1s }\nscrape_configs:${jobs}${engineJob}\n`,
  });
  await waitFor(
    'a window of samples per observer in Prometheus',
    async () => {
      const end = Math.floor(Date.now() / STEP) * STEP;
      const got = await promSeries('he_test_cpu', end - WINDOW * STEP, end, { source: 'x', role: 'indicator' });
      return got.length === HOSTS.length * OBSERVERS.length && got.every((f) => f.times.length > WINDOW)
        ? true
        : undefined;
    },
    90_000
  );
}, 180_000);

afterAll(async () => {
  recording = false;
  await recorder;
  await engine?.stop();
  await prometheus?.stop();
  await exporter?.stop();
});

describe('the entropy quorum over a real Prometheus with three observers', () => {
  let firstEval: number;

  it('matches the expected table through an incident and through observer churn', async () => {
    engine = await startEngine(
      `
prometheus: { url: '${prometheus.url}', timeout: 2s }
interval: 1s
staleness: 1m
defaults: { hostLabel: host, window: ${WINDOW}, baseline: { warmup: 4 } }
indicators:
  - { name: cpu, query: 'max by (host) (he_test_cpu)' }
quorum:
  observerLabel: prober
  checks: he_probe_success
  staleness: 4s
  knownFor: 1m
  unpredictable: { zQuorum: 3, for: 2s }
  flag: { entropyLevel: 0.6, for: 4s }
  indicators:
    - { name: cpu, query: he_test_cpu }
`,
      enginePort
    );
    recorder = record();
    const calm = await expectTable('all healthy', {
      'host-a': 'healthy',
      'host-b': 'healthy',
      'host-c': 'healthy',
      'host-d': 'healthy',
    });
    const a = calm.get('host-a')!;
    expect(a.quorum).toMatchObject({ quorum: 2, known: 3, active: 3, failing: [], flagged: false });
    expect(a.indicators.cpu.entropy).not.toBeNull(); // the host-level indicator lives on beside the quorum
    firstEval = Math.min(...HOSTS.map((h) => calm.get(h)!.quorum!.sinceMs));
    await sleep(6 * STEP); // baselines warm up (warmup 4) on the calm pattern

    // The incident. host-b: observer c alone sees it failing and erratic (a degraded view, not the host).
    // host-c: a and b see it erratic, checks pass. host-d: a and b see its checks fail.
    exporter.failing.get('c')!.add('host-b');
    exporter.erratic.get('c')!.add('host-b');
    exporter.erratic.get('a')!.add('host-c');
    exporter.erratic.get('b')!.add('host-c');
    exporter.failing.get('a')!.add('host-d');
    exporter.failing.get('b')!.add('host-d');
    const incident = await expectTable('the incident', {
      'host-a': 'healthy',
      'host-b': 'healthy',
      'host-c': 'suspect',
      'host-d': 'unhealthy',
    });
    expect(incident.get('host-b')!.quorum!.reason).toMatch(/checks fail for c only, below the quorum/);
    expect(incident.get('host-c')!.quorum!.reason).toMatch(
      /^suspect: unpredictable for at least 2s by a, b .*a: cpu Hn/
    );
    expect(incident.get('host-d')!.quorum).toMatchObject({ failing: ['a', 'b'], code: QUORUM_STATE_CODES.unhealthy });
    const flagged = await waitFor(
      'host-c flagged',
      async () => ((await profiles()).get('host-c')?.quorum?.flagged ? true : undefined),
      30_000
    );
    expect(flagged).toBe(true);
    // Through all of it, the degraded view of one observer never made host-b anything but healthy.
    for (const at of observed.values()) {
      expect(at.get('host-b')?.[0] ?? 'healthy').toBe('healthy');
    }

    // Churn: observer b's job goes down. Its views go stale after 4 s; 2 of 3 known still make the quorum.
    exporter.down.add('b');
    const churn = await expectTable('b gone', {
      'host-a': 'healthy',
      'host-b': 'healthy',
      'host-c': 'healthy',
      'host-d': 'healthy',
    });
    expect(churn.get('host-d')!.quorum).toMatchObject({ active: 2, known: 3, failing: ['a'] });
    // Then c as well: one active observer of three known is too few to judge.
    exporter.down.add('c');
    const lost = await expectTable('b and c gone', {
      'host-a': 'unknown',
      'host-b': 'unknown',
      'host-c': 'unknown',
      'host-d': 'unknown',
    });
    expect(lost.get('host-a')!.quorum!.reason).toMatch(
      /^unknown: 1 of 3 known observers active, quorum 2 — too few to judge \(active: a\); stale: b, c$/
    );
  });

  it('exports the quorum metrics, which Prometheus scrapes back and promtool parses', async () => {
    const text = await (await fetch(`${engine!.url}/metrics`)).text();
    for (const host of HOSTS) {
      expect(text).toContain(`health_entropy_quorum_state{host="${host}"} -1\n`);
      expect(text).toContain(`health_entropy_quorum_observers{host="${host}",kind="known"} 3\n`);
    }
    const lint = spawnSync(PROMTOOL_BIN, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect((lint.stdout + lint.stderr).trim()).toBe('health_entropy_bits use base unit "bytes" instead of "bits"');
    const scraped = await waitFor('health_entropy_quorum_state in Prometheus', async () => {
      const body = await getJson<{
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      }>(`${prometheus.url}/api/v1/query?query=${encodeURIComponent('health_entropy_quorum_state == -1')}`);
      return body.data.result.length === HOSTS.length ? body.data.result : undefined;
    });
    expect(scraped.map((r) => r.metric.host).sort()).toEqual(HOSTS);
    // The rule file's expression for unhealthy hosts ran over this series during the incident.
    const wasUnhealthy = await getJson<{ data: { result: Array<{ metric: Record<string, string> }> } }>(
      `${prometheus.url}/api/v1/query?query=${encodeURIComponent('max_over_time(health_entropy_quorum_state[5m]) == 2')}`
    );
    expect(wasUnhealthy.data.result.map((r) => r.metric.host)).toEqual(['host-d']);
  });

  it('the browser quorum output on the samples read back from Prometheus equals the engine at every evaluation seen', async () => {
    recording = false;
    await recorder;
    const evaluations = [...observed.keys()].sort((x, y) => x - y);
    const end = evaluations[evaluations.length - 1];
    // The engine backfilled a window before its first evaluation: start the browser's data there too.
    const start = firstEval;
    const series = [
      ...(await promSeries('he_probe_success', start, end, { source: 'A', role: 'checks' })),
      ...(await promSeries('he_test_cpu', start, end, {
        source: 'B',
        role: 'indicator',
        indicator: 'cpu',
        pipeline: { entropy: { window: WINDOW }, baseline: { warmup: 4 } },
      })),
    ];
    expect(series).toHaveLength(2 * HOSTS.length * OBSERVERS.length);
    const timeline = quorumHistory(series, { quorum: QUORUM, stepMs: STEP, to: end });
    let compared = 0;
    const states = new Set<string>();
    for (const t of evaluations.filter((x) => x >= firstEval)) {
      for (const [host, engineView] of observed.get(t)!) {
        const browser = timeline.get(host)?.find((a) => a.at === t);
        expect({ t, host, browser: browser && [browser.state, browser.flagged, browser.reason] }).toEqual({
          t,
          host,
          browser: engineView,
        });
        compared++;
        states.add(engineView[0]);
      }
    }
    expect(states).toEqual(new Set(['healthy', 'suspect', 'unhealthy', 'unknown']));
    expect(compared).toBeGreaterThan(HOSTS.length * 20);
  });

  it('the built data source in Chromium (quorum output) equals the engine at every evaluation seen', async () => {
    const dist = join(ROOT, 'dist', 'datasource', 'module.js');
    const source = join(ROOT, 'src', 'frames', 'quorumFrames.ts');
    if (!existsSync(dist) || statSync(dist).mtimeMs < statSync(source).mtimeMs) {
      execFileSync('npm', ['run', '--silent', 'build:plugin'], { cwd: ROOT, stdio: 'ignore' });
    }
    const evaluations = [...observed.keys()].sort((x, y) => x - y);
    const end = evaluations[evaluations.length - 1];
    const harnessDir = harnessOutDir();
    await buildHarness(ROOT, harnessDir);
    const server = await serveHarness(harnessDir, join(ROOT, 'dist'), prometheus.url);
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/?view=bench&from=${firstEval}&to=${end}`);
      await page.waitForFunction(() => (globalThis as unknown as HarnessWindow).harness?.ready === true, undefined, {
        timeout: 60_000,
      });
      // The data source reaches back before the panel's range for windows and streaks; Prometheus has samples
      // from before the engine started, so keep only those the engine saw (from its first backfilled step).
      const since = `and on() (vector(time()) >= ${firstEval / 1000})`;
      const common = { output: 'quorum', observerLabel: 'prober', hostLabel: 'host' };
      const targets = [
        {
          ...common,
          refId: 'A',
          expr: `he_probe_success ${since}`,
          quorumRole: 'checks',
          quorum: { for: '2s', flagLevel: 0.6, flagFor: '4s', staleness: '4s', knownFor: '1m' },
        },
        {
          ...common,
          refId: 'B',
          expr: `he_test_cpu ${since}`,
          quorumRole: 'indicator',
          indicator: 'cpu',
          window: WINDOW,
          warmup: 4,
        },
      ];
      const result = await page.evaluate(([t, step]) => (globalThis as unknown as HarnessWindow).harness.run(t, step), [
        targets,
        STEP,
      ] as const);
      expect(result.errors).toEqual([]);
      expect(result.frames.map((f) => f.name)).toEqual(HOSTS);
      let compared = 0;
      for (const t of evaluations.filter((x) => x >= firstEval)) {
        for (const [host, engineView] of observed.get(t)!) {
          const f = result.frames.find((x) => x.name === host)!;
          const i = f.times.indexOf(t);
          const code = QUORUM_STATE_CODES[engineView[0] as keyof typeof QUORUM_STATE_CODES];
          expect({ t, host, browser: [f.values[i], f.others.flagged[i], f.others.reason[i]] }).toEqual({
            t,
            host,
            browser: [code, engineView[1] ? 1 : 0, engineView[2]],
          });
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(HOSTS.length * 20);
      await page.close();
    } finally {
      await browser.close();
      await server.close();
      rmSync(harnessDir, { recursive: true, force: true });
    }
  });
});
