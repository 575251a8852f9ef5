import { METRICS, STEP_METRIC } from './config';
import { FleetExporter, renderFleet } from './exporter';
import { sampleFleet } from './fleet';
import { DEFAULT_SCENARIO } from './scenario';

/** Parses `name{labels} value` lines (the exporter writes no timestamps). */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const m = /^([a-z0-9_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m) {
      throw new Error(`not an exposition line: ${line}`);
    }
    out.set(m[1] + (m[2] ?? ''), Number(m[3]));
  }
  return out;
}

describe('the fleet exporter', () => {
  it('exposes every host × indicator and the step, with the fleet model values', () => {
    const step = 123;
    const text = renderFleet(DEFAULT_SCENARIO, step);
    expect(text.endsWith('\n')).toBe(true);
    const got = parse(text);
    expect(got.get(STEP_METRIC)).toBe(step);
    const fleet = sampleFleet(DEFAULT_SCENARIO, step);
    const memory = fleet.get('api-1')!.memory;
    expect(got.get(`${METRICS.memory}{host="api-1",role="api"}`)).toBe(memory);
    expect(got.size).toBe(DEFAULT_SCENARIO.hosts.length * 4 + 1);
    for (const name of Object.values(METRICS)) {
      expect(text).toContain(`# TYPE ${name} gauge`);
    }
  });

  it('serves /metrics over a real socket at the step of its clock, 404 elsewhere, and stops', async () => {
    let now = 1_000_000;
    const exporter = new FleetExporter(DEFAULT_SCENARIO, 1000, () => now);
    await exporter.start();
    try {
      now += 42_500;
      const res = await fetch(`http://127.0.0.1:${exporter.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(parse(await res.text()).get(STEP_METRIC)).toBe(42);
      expect((await fetch(`http://127.0.0.1:${exporter.port}/other`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${exporter.port}/metrics`, { method: 'POST' })).status).toBe(404);
      expect(exporter.scrapes).toBe(1);
    } finally {
      await exporter.stop();
      await exporter.stop();
    }
    await expect(fetch(`http://127.0.0.1:${exporter.port}/metrics`)).rejects.toThrow();
  });

  it('counts steps from its start, aligned to the step grid, never negative', () => {
    const exporter = new FleetExporter(DEFAULT_SCENARIO, 500, () => 10_250);
    expect(exporter.startMs).toBe(10_000);
    expect(exporter.stepAt(9_000)).toBe(0);
    expect(exporter.stepAt(10_499)).toBe(0);
    expect(exporter.stepAt(10_500)).toBe(1);
  });
});
