/**
 * The built data source and panel in headless Chromium, against a real Prometheus loaded with known series
 * (promtool tsdb create-blocks-from openmetrics). The page (src/harness) stands in for Grafana; the numbers
 * it shows are compared with src/core run here on the same raw samples fetched from Prometheus.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { aggregate, rollingBaseline, rollingEntropy } from '../../src/core';
import { noise, sine } from '../../src/core/testing';
import { buildHarness, harnessOutDir, HarnessBrowser, HarnessServer, launchChromium, PROXY_BASE, serveHarness } from '../../src/bench/harness';
import { PROMTOOL_BIN, startPrometheus, TestPrometheus } from '../helpers/processes';

// The project-level testTimeout in jest.config.js is not applied by Jest 29 (a global-only option).
jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const ARTIFACTS = join(ROOT, 'artifacts', 'browser');
const STEP = 15_000;
const N = 480;
const W = 20;
const HOSTS = ['host-1', 'host-2', 'host-3'];
const CELL = '[data-testid="data-testid he-panel-cell"]';

// Known series: noise, a sine, and a flat line that turns noisy halfway (entropy rises).
const END = Math.floor((Date.now() - 10 * 60_000) / STEP) * STEP;
const START = END - (N - 1) * STEP;
function seriesFor(metric: string, host: string): Float64Array {
  const k = HOSTS.indexOf(host) + (metric === 'node_memory_used_ratio' ? 10 : 0);
  if (host === 'host-1') {
    return noise(N, 100 + k);
  }
  if (host === 'host-2') {
    return sine(N, 40 + k);
  }
  const burst = noise(N, 200 + k);
  return burst.map((v, i) => (i < N / 2 ? 0.42 + v * 0.01 : v));
}

function openMetrics(): string {
  const lines: string[] = [];
  for (const metric of ['node_cpu_busy_ratio', 'node_memory_used_ratio']) {
    lines.push(`# TYPE ${metric} gauge`);
    for (const host of HOSTS) {
      const values = seriesFor(metric, host);
      for (let i = 0; i < N; i++) {
        lines.push(`${metric}{instance="${host}"} ${values[i]} ${(START + i * STEP) / 1000}`);
      }
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

// Page-side code below runs in Chromium; tests/tsconfig.json has no DOM library, so declare what it uses.
interface PageElement {
  parentElement: PageElement | null;
  getAttribute(name: string): string | null;
  textContent: string | null;
}
declare const getComputedStyle: (e: PageElement) => { color: string; backgroundColor: string };

interface HarnessFrame {
  refId?: string;
  name?: string;
  labels: Record<string, string>;
  times: number[];
  values: Array<number | null>;
}
interface HarnessState {
  ready: boolean;
  error?: string;
  frames?: HarnessFrame[];
  requests: Array<{ url: string; aborted: boolean }>;
  testResult?: { status: string; message: string };
  variableValues?: string[];
}
type Win = { harness: HarnessState & { run(t: unknown[]): Promise<{ frames: HarnessFrame[]; errors: string[] }>; cancel(): Promise<HarnessState['requests']> } };

let prom: TestPrometheus | undefined;
let server: HarnessServer | undefined;
let browser: HarnessBrowser | undefined;
let work: string;
let harnessDir: string;

beforeAll(async () => {
  if (!existsSync(join(DIST, 'datasource', 'module.js')) || !existsSync(join(DIST, 'panel', 'module.js'))) {
    execFileSync('npm', ['run', '--silent', 'build:plugin'], { cwd: ROOT, stdio: 'ignore' });
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'he-browser-'));
  writeFileSync(join(work, 'series.om'), openMetrics());
  execFileSync(PROMTOOL_BIN, ['tsdb', 'create-blocks-from', 'openmetrics', join(work, 'series.om'), join(work, 'tsdb')], { stdio: 'pipe' });
  prom = await startPrometheus({ config: 'global:\n  scrape_interval: 1m\n', dataDir: join(work, 'tsdb') });
  harnessDir = harnessOutDir();
  await buildHarness(ROOT, harnessDir);
  server = await serveHarness(harnessDir, DIST, prom.url);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await prom?.stop();
  for (const dir of [work, harnessDir]) {
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

/** The panel's time range: the last 200 steps, so that every query needs history before it. */
const FROM = END - 200 * STEP;
const TO = END;

/** Uncaught errors and console errors of each page; a page must have none. */
const pageProblems = new WeakMap<Page, string[]>();

async function open(view: string, theme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await browser!.context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    // Prometheus errors are part of the tests; Grafana's Inter font is not shipped with the harness (the
    // fallback font is used, which screenshots show).
    if (r.status() >= 400 && !r.url().includes('/api/v1/') && !r.url().includes('/public/fonts/')) {
      problems.push(`HTTP ${r.status()} ${r.url()}`);
    }
  });
  pageProblems.set(page, problems);
  await page.goto(`${server!.url}/?view=${view}&theme=${theme}&from=${FROM}&to=${TO}&window=${W}`);
  await page.waitForFunction(() => (globalThis as unknown as Win).harness?.ready === true, undefined, { timeout: 60_000 });
  const error = await page.evaluate(() => (globalThis as unknown as Win).harness.error);
  expect(error).toBeUndefined();
  expect(problems).toEqual([]);
  return page;
}

const harness = (page: Page) => page.evaluate(() => {
  const h = (globalThis as unknown as Win).harness;
  return { frames: h.frames, requests: h.requests, testResult: h.testResult, variableValues: h.variableValues };
});

/** The same query_range the data source sent, straight to Prometheus: the raw samples src/core gets here. */
async function rawFromPrometheus(proxiedUrl: string): Promise<Array<{ metric: Record<string, string>; times: number[]; values: number[] }>> {
  const res = await fetch(`${prom!.url}${new URL(proxiedUrl, 'http://x').pathname.slice(PROXY_BASE.length)}${new URL(proxiedUrl, 'http://x').search}`);
  const body = (await res.json()) as { data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
  return body.data.result.map((s) => ({ metric: s.metric, times: s.values.map(([t]) => Math.round(t * 1000)), values: s.values.map(([, v]) => Number(v)) }));
}

function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0']).slice(0, 3).map((x) => {
      const v = Number(x) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

describe('entropy data source and panel in Chromium, on a real Prometheus', () => {
  it("query() returns, for every series, the entropy src/core computes from Prometheus's own samples", async () => {
    const page = await open('panel');
    const { frames, requests, testResult, variableValues } = await harness(page);
    const upstream = requests.filter((r) => r.url.includes('/api/v1/query_range'));
    // The data source asked for the panel's range extended back by W + warm-up steps.
    const first = new URL(upstream[0].url, 'http://x');
    expect(Number(first.searchParams.get('start')) * 1000).toBe(Math.floor((FROM - (W + 10) * STEP) / STEP) * STEP);
    expect(frames).toHaveLength(6);
    for (const url of upstream.slice(0, 2)) {
      const metric = new URL(url.url, 'http://x').searchParams.get('query');
      const refId = metric === 'node_cpu_busy_ratio' ? 'A' : 'B';
      for (const raw of await rawFromPrometheus(url.url)) {
        const got = frames!.find((f) => f.refId === refId && f.labels.instance === raw.metric.instance)!;
        const hn = rollingEntropy(raw.times, raw.values, { window: W });
        const keep = raw.times.map((t, i) => [t, hn[i]] as const).filter(([t]) => t >= FROM);
        expect(got.times).toEqual(keep.map(([t]) => t));
        got.values.forEach((v, i) => expect(Math.abs((v ?? NaN) - keep[i][1])).toBeLessThan(1e-9));
      }
    }
    expect(testResult).toMatchObject({ status: 'success', message: expect.stringMatching(/^Upstream Prometheus "Prometheus" answered a test query in \d+ ms$/) });
    expect(variableValues).toEqual(HOSTS);
    await page.close();
  });

  it.each(['light', 'dark'] as const)('the panel (%s) shows that entropy and z per host × indicator, readably', async (theme) => {
    const page = await open('panel', theme);
    const { requests } = await harness(page);
    const upstream = requests.filter((r) => r.url.includes('/api/v1/query_range'));
    const expected = new Map<string, { hn: number; z: number }>();
    for (const url of upstream.slice(0, 2)) {
      const indicator = new URL(url.url, 'http://x').searchParams.get('query') === 'node_cpu_busy_ratio' ? 'cpu' : 'memory';
      for (const raw of await rawFromPrometheus(url.url)) {
        const hn = rollingEntropy(raw.times, raw.values, { window: W });
        const z = rollingBaseline(hn, { warmup: 10 }).z;
        expected.set(`${raw.metric.instance}/${indicator}`, { hn: hn[hn.length - 1], z: z[z.length - 1] });
      }
    }
    await page.screenshot({ path: join(ARTIFACTS, `panel-${theme}.png`), fullPage: true });
    for (const mode of ['display', 'compute']) {
      const cells = await page.$$eval(`[data-testid="harness-panel-${mode}"] ${CELL}`, (els) =>
        (els as unknown as PageElement[]).map((e) => ({ host: e.getAttribute('data-host'), indicator: e.getAttribute('data-indicator'), hn: Number(e.getAttribute('data-entropy')), z: e.getAttribute('data-z'), text: e.textContent, bg: getComputedStyle(e).backgroundColor, fg: getComputedStyle(e).color }))
      );
      expect(cells).toHaveLength(6);
      for (const cell of cells) {
        const want = expected.get(`${cell.host}/${cell.indicator}`)!;
        expect(Math.abs(cell.hn - want.hn)).toBeLessThan(1e-9);
        expect(cell.text).toBe(want.hn.toFixed(3));
        // Compute mode learns its baseline over the panel's range only; display mode over the extended one.
        if (mode === 'display') {
          expect(Math.abs(Number(cell.z) - want.z)).toBeLessThan(1e-9);
        }
        expect(contrast(cell.fg, cell.bg)).toBeGreaterThanOrEqual(4.5);
      }
    }
    const header = await page.$eval('[data-testid="data-testid he-panel-host"]', (e) => {
      let bgEl: PageElement | null = e as unknown as PageElement;
      let bg = 'rgba(0, 0, 0, 0)';
      while (bgEl && /rgba\(0, 0, 0, 0\)|transparent/.test(bg)) {
        bg = getComputedStyle(bgEl).backgroundColor;
        bgEl = bgEl.parentElement;
      }
      return { fg: getComputedStyle(e as unknown as PageElement).color, bg };
    });
    expect(contrast(header.fg, header.bg)).toBeGreaterThanOrEqual(4.5);
    await page.hover(`[data-testid="harness-panel-display"] ${CELL}`);
    await page.getByText(`window: ${W} samples`).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, `panel-tooltip-${theme}.png`), fullPage: true });
    // A click goes to the data link with the cell's host and indicator.
    const href = await page.$eval(`[data-testid="harness-panel-display"] a`, (a) => a.getAttribute('href'));
    expect(href).toBe('/d/host?var-host=host-1&var-indicator=cpu');
    await page.close();
  });

  it.each(['light', 'dark'] as const)('the query editor (%s) edits the query and runs it against Prometheus', async (theme) => {
    const page = await open('query', theme);
    const expr = page.getByTestId('data-testid he-query-expr');
    await expr.fill('node_memory_used_ratio{instance=~"host-1|host-2"}');
    await expr.blur();
    await page.getByTestId('harness-query-result').getByText('2 frames').waitFor({ timeout: 20_000 });
    await page.getByLabel('Permutation').first().click({ force: true });
    await page.getByTestId('data-testid he-query-order').waitFor();
    expect(JSON.parse((await page.getByTestId('harness-query-json').textContent()) ?? '{}')).toMatchObject({ estimator: 'permutation', expr: 'node_memory_used_ratio{instance=~"host-1|host-2"}' });
    await page.screenshot({ path: join(ARTIFACTS, `query-editor-${theme}.png`), fullPage: true });
    await page.getByTestId('data-testid he-query-window').fill('1');
    await page.getByTestId('data-testid he-query-error').getByText('Query A: window must be an integer from 2 to 100000, got 1').waitFor();
    await page.close();
  });

  it.each(['light', 'dark'] as const)('the config editor (%s) picks the upstream Prometheus and stores defaults', async (theme) => {
    const page = await open('config', theme);
    await page.getByTestId('data-testid he-config-upstream').getByText('Prometheus').waitFor();
    await page.getByTestId('data-testid he-config-window').fill('90');
    expect(JSON.parse((await page.getByTestId('harness-config-json').textContent()) ?? '{}')).toEqual({ upstreamUid: 'prom', window: 90 });
    await page.screenshot({ path: join(ARTIFACTS, `config-editor-${theme}.png`), fullPage: true });
    await page.close();
  });

  it('aggregate: per host, the weighted mean of the indicators src/core aggregates', async () => {
    const page = await open('bench');
    const res = await page.evaluate(() =>
      (globalThis as unknown as Win).harness.run([
        { refId: 'A', expr: 'node_cpu_busy_ratio', output: 'aggregate', indicator: 'cpu', weight: 2 },
        { refId: 'B', expr: 'node_memory_used_ratio', output: 'aggregate', indicator: 'memory' },
      ])
    );
    expect(res.errors).toEqual([]);
    expect(res.frames.map((f) => f.name)).toEqual(HOSTS);
    const { requests } = await harness(page);
    const [cpuUrl, memUrl] = requests.filter((r) => r.url.includes('/api/v1/query_range')).map((r) => r.url);
    const [cpu, mem] = [await rawFromPrometheus(cpuUrl), await rawFromPrometheus(memUrl)];
    for (const frame of res.frames) {
      const c = cpu.find((s) => s.metric.instance === frame.name)!;
      const m = mem.find((s) => s.metric.instance === frame.name)!;
      const hc = rollingEntropy(c.times, c.values, { window: W });
      const hm = rollingEntropy(m.times, m.values, { window: W });
      const last = c.times.length - 1;
      const want = aggregate([
        { name: 'cpu', value: hc[last], weight: 2 },
        { name: 'memory', value: hm[last] },
      ]).mean!;
      expect(frame.times[frame.times.length - 1]).toBe(c.times[last]);
      expect(Math.abs((frame.values[frame.values.length - 1] ?? NaN) - want)).toBeLessThan(1e-9);
    }
    await page.close();
  });

  it('bad PromQL and an empty result come back as errors naming the query', async () => {
    const page = await open('bench');
    const bad = await page.evaluate(() => (globalThis as unknown as Win).harness.run([{ refId: 'A', expr: 'rate(', output: 'entropy' }]));
    expect(bad.errors[0]).toMatch(/^Query A \(rate\(\): Prometheus "Prometheus" failed: .*parse error/);
    const empty = await page.evaluate(() => (globalThis as unknown as Win).harness.run([{ refId: 'C', expr: 'no_such_metric', output: 'entropy' }]));
    expect(empty.errors[0]).toMatch(/^Query C: Prometheus "Prometheus" returned no series for no_such_metric in this time range/);
    const hostile = await page.evaluate(() => (globalThis as unknown as Win).harness.run([{ refId: 'D', expr: 'x'.repeat(100_000), output: 'entropy' }]));
    expect(hostile.errors[0]).toMatch(/^Query D: the expression is 100000 characters long; the limit is 16384/);
    await page.close();
  });

  it('unsubscribing aborts the HTTP request to Prometheus', async () => {
    const page = await open('bench');
    const started = await page.evaluate(() => (globalThis as unknown as Win).harness.cancel());
    expect(started.length).toBeGreaterThan(0);
    expect(started.every((r) => r.aborted)).toBe(true);
    await page.close();
  });
});
