/**
 * A real Prometheus remote-writing to the engine: the series arrive, their entropy equals `src/core` over the
 * raw samples Prometheus stored, polling the same series gives the same entropy, and the stale markers
 * Prometheus writes when a series disappears take it out of the engine's outputs.
 */
import { SeriesPipeline } from '../../src/core';
import type { HostProfile } from '../../src/engine/profiles';
import { freePort, startPrometheus, TestPrometheus } from '../helpers/processes';
import { ensureBuilt, getJson, startEngine, TestEngine, TestExporter, waitFor } from './harness';

jest.setTimeout(120_000);

const WINDOW = 10;
const PIPELINE = { entropy: { window: WINDOW }, baseline: { warmup: 5, alpha: 0.1 }, trendWindow: 5 };
const TOKEN = 'rw-test-token';

let exporter: TestExporter;
let prometheus: TestPrometheus | undefined;
let engine: TestEngine | undefined;

async function profiles(): Promise<Map<string, HostProfile>> {
  const body = await getJson<{ hosts: HostProfile[] }>(`${engine!.url}/api/v1/profiles`);
  return new Map(body.hosts.map((h) => [h.host, h]));
}

/** Raw samples Prometheus stored for `host` up to `endMs` (what it remote-wrote). */
async function rawSamples(host: string, endMs: number): Promise<Array<[number, number]>> {
  const q = encodeURIComponent(`he_test_cpu{host="${host}"}[10m]`);
  const body = await getJson<{ data: { result: Array<{ values: Array<[number, string]> }> } }>(
    `${prometheus!.url}/api/v1/query?query=${q}&time=${endMs / 1000}`
  );
  return body.data.result[0].values.map(([t, v]) => [Math.round(t * 1000), Number(v)]);
}

beforeAll(async () => {
  ensureBuilt();
  exporter = new TestExporter(['host-a', 'host-b']);
  await exporter.start();
  const port = await freePort();
  const tokenEnv = 'HE_TEST_RW_TOKEN';
  process.env[tokenEnv] = TOKEN;
  // The engine first, so that it receives every sample from Prometheus's first scrape on.
  engine = await startEngine(
    `
interval: 1s
staleness: 1m
remoteWrite: { bearerToken: { env: ${tokenEnv} } }
prometheus: { url: 'http://127.0.0.1:1', timeout: 1s }
defaults: { hostLabel: host, window: ${WINDOW}, trendWindow: 5, baseline: { warmup: 5, alpha: 0.1 } }
indicators:
  - { name: cpu, selector: 'he_test_cpu{job="exporter"}' }
  - { name: cpu_poll, query: he_test_cpu }
`,
    port
  );
  prometheus = await startPrometheus({
    config: `
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: exporter
    static_configs: [{ targets: ['127.0.0.1:${exporter.port}'] }]
remote_write:
  - url: http://127.0.0.1:${port}/api/v1/write
    authorization: { credentials: ${TOKEN} }
    queue_config: { batch_send_deadline: 500ms, min_backoff: 100ms, max_backoff: 1s }
`,
  });
}, 120_000);

afterAll(async () => {
  await engine?.stop();
  await prometheus?.stop();
  await exporter?.stop();
});

describe('Prometheus remote_write to the engine', () => {
  it('delivers the series, with the entropy src/core computes on the raw samples', async () => {
    const now = await waitFor('a full window from remote write', async () => {
      const p = await profiles();
      const ok = ['host-a', 'host-b'].every((h) => (p.get(h)?.indicators.cpu?.admitted ?? 0) >= WINDOW + 8);
      return ok ? p : undefined;
    });
    for (const host of ['host-a', 'host-b']) {
      const p = now.get(host)!.indicators.cpu;
      const raw = await rawSamples(host, p.lastSampleMs!);
      // Every sample Prometheus stored reached the engine, in order, none twice.
      expect(raw.length).toBe(p.admitted);
      const ref = new SeriesPipeline(PIPELINE);
      raw.forEach(([t, v]) => ref.push(t, v));
      expect(p.entropy).toBeCloseTo(ref.current!.entropy, 12);
      expect(p.bits).toBeCloseTo(ref.current!.bits, 12);
      expect(p.baseline).toBeCloseTo(ref.current!.baseline, 12);
      expect(p.z).toBeCloseTo(ref.current!.z, 12);
      expect(p.trend).toBeCloseTo(ref.current!.trend, 12);
    }
    const counters = await (await fetch(`${engine!.url}/metrics`)).text();
    expect(counters).toMatch(/^health_entropy_remote_write_requests_total\{code="204"\} [1-9]/m);
  });

  it('gives the same entropy as polling the same series', async () => {
    // The poll indicator points at a Prometheus that is not there (port 1): it must be down, not crashed.
    const metrics = await (await fetch(`${engine!.url}/metrics`)).text();
    expect(metrics).toMatch(/^health_entropy_source_up\{indicator="cpu_poll"\} 0$/m);
    // So compare with a second engine that polls the real Prometheus.
    const port = await freePort();
    const poller = await startEngine(
      `
interval: 1s
prometheus: { url: '${prometheus!.url}' }
defaults: { hostLabel: host, window: ${WINDOW} }
indicators: [{ name: cpu, query: he_test_cpu }]
`,
      port
    );
    try {
      const polled = (await getJson<{ hosts: HostProfile[] }>(`${poller.url}/api/v1/profiles`)).hosts;
      const pushed = await profiles();
      for (const h of polled) {
        // The alternating pattern fills any window of 10 consecutive values five and five.
        expect(h.indicators.cpu.entropy).toBeCloseTo(pushed.get(h.host)!.indicators.cpu.entropy!, 12);
      }
      expect(polled).toHaveLength(2);
    } finally {
      await poller.stop();
    }
  });

  it('honours the stale markers Prometheus sends when a series disappears', async () => {
    exporter.hosts = ['host-a'];
    await waitFor('host-b cpu to leave the outputs', async () => {
      const p = await profiles();
      return p.get('host-b')?.indicators.cpu === undefined && p.get('host-a')?.indicators.cpu !== undefined
        ? true
        : undefined;
    });
    const metrics = await (await fetch(`${engine!.url}/metrics`)).text();
    expect(metrics).not.toMatch(/^health_entropy\{host="host-b",indicator="cpu"\}/m);
    expect(metrics).toMatch(/^health_entropy\{host="host-a",indicator="cpu"\}/m);
    expect(metrics).toMatch(
      /^health_entropy_samples_skipped_total\{reason="stale_marker",source="remote_write"\} [1-9]/m
    );
  });
});
