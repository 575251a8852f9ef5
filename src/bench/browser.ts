/**
 * Benchmark figure (not a test): in headless Chromium, the built data source's `query()` from an upstream
 * response of 1,000 series × 1,000 points to entropy frames. Target ≤ 100 ms. For `npm run bench`.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildHarness, harnessOutDir, launchChromium, serveHarness } from './harness';

/** What the benchmark reports (JSON-able). */
export interface BrowserBenchRecord {
  name: string;
  series: number;
  points: number;
  runs: number;
  frames: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  allMs: number[];
  /** `src/core`'s rollingEntropy alone over the same samples, in the same page. */
  coreOnlyMedianMs: number;
  targetMs: number;
  withinTarget: boolean;
  userAgent: string;
}

export interface BrowserBenchOptions {
  /** Repository root (default: the working directory); `dist/` must be built. */
  root?: string;
  series?: number;
  points?: number;
  runs?: number;
}

/** Builds the harness, opens it in Chromium and times `query()` `runs` times (the first run includes JIT warm-up). */
export async function benchBrowserQuery(options: BrowserBenchOptions = {}): Promise<BrowserBenchRecord> {
  const root = options.root ?? process.cwd();
  const dist = join(root, 'dist');
  if (!existsSync(join(dist, 'datasource', 'module.js'))) {
    throw new Error(`${dist}/datasource/module.js is missing: run npm run build first`);
  }
  const out = harnessOutDir();
  const { series = 1000, points = 1000, runs = 7 } = options;
  let server: Awaited<ReturnType<typeof serveHarness>> | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    await buildHarness(root, out);
    server = await serveHarness(out, dist);
    browser = await launchChromium();
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/?view=bench&to=1700000000000`);
    await page.waitForFunction(() => (globalThis as unknown as { harness?: { ready: boolean } }).harness?.ready === true);
    const error = await page.evaluate(() => (globalThis as unknown as { harness: { error?: string } }).harness.error);
    if (error) {
      throw new Error(`harness failed: ${error}`);
    }
    const record = (await page.evaluate(
      ([s, p, r]) => (globalThis as unknown as { harness: { bench: (s: number, p: number, r: number) => Promise<unknown> } }).harness.bench(s, p, r),
      [series, points, runs] as const
    )) as Omit<BrowserBenchRecord, 'name' | 'targetMs' | 'withinTarget'>;
    return {
      name: 'plugin query(): upstream frames to entropy frames in Chromium',
      ...record,
      targetMs: 100,
      withinTarget: record.medianMs <= 100,
    };
  } finally {
    await browser?.close();
    await server?.close();
    rmSync(out, { recursive: true, force: true });
  }
}
