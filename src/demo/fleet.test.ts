import { INDICATORS, latencyAt, sampleFleet } from './fleet';
import { DEFAULT_SCENARIO, Incident } from './scenario';

const S = DEFAULT_SCENARIO;
const series = (host: string, indicator: (typeof INDICATORS)[number], from: number, to: number) => {
  const out: number[] = [];
  for (let step = from; step < to; step++) {
    out.push(sampleFleet(S, step).get(host)![indicator]);
  }
  return out;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const incident = (kind: Incident['kind']) => S.incidents.find((i) => i.kind === kind)!;

describe('the synthetic fleet', () => {
  it('gives every host every indicator at every step, within range, the same on every call', () => {
    for (let step = 0; step < S.steps; step += 7) {
      const fleet = sampleFleet(S, step);
      expect([...fleet.keys()]).toEqual(S.hosts.map((h) => h.name));
      for (const sample of fleet.values()) {
        for (const i of INDICATORS) {
          const v = sample[i];
          expect(Number.isFinite(v) && v >= 0 && (i === 'latency' || v <= 1)).toBe(true);
        }
      }
      expect(sampleFleet(S, step)).toEqual(fleet);
    }
  });

  it('correlates hosts through the fleet load (CPU of two web hosts moves together before the incidents)', () => {
    const a = series('web-1', 'cpu', 0, 70);
    const b = series('web-2', 'cpu', 0, 70);
    const ma = mean(a);
    const mb = mean(b);
    const cov = mean(a.map((x, i) => (x - ma) * (b[i] - mb)));
    expect(cov / (std(a) * std(b))).toBeGreaterThan(0.5);
  });

  it('latency follows CPU through the queue', () => {
    expect(latencyAt(0.03, 0.5)).toBeCloseTo(0.06, 12);
    expect(latencyAt(0.03, 0.9)).toBeCloseTo(0.3, 12);
    expect(latencyAt(0.03, 1)).toBeCloseTo(1, 12);
  });

  it('the quiet host idles all along: CPU under 10 %, barely moving', () => {
    const cpu = series(S.quietHost, 'cpu', 0, S.steps);
    expect(Math.max(...cpu)).toBeLessThan(0.1);
    expect(std(cpu)).toBeLessThan(0.01);
  });

  it('the memory leak ramps from its start until the host is nearly full', () => {
    const { host, start } = incident('memory_leak');
    const before = series(host, 'memory', start - 30, start);
    const during = series(host, 'memory', start, start + 90);
    expect(Math.max(...before)).toBeLessThan(0.6);
    expect(during[89]).toBeGreaterThan(0.95);
    // Rising: every 10-step mean above the previous one.
    for (let k = 10; k < 90; k += 10) {
      expect(mean(during.slice(k, k + 10))).toBeGreaterThan(mean(during.slice(k - 10, k)));
    }
  });

  it('the stuck process flatlines CPU at the 87.5 % quota (below a 90 % threshold) and stops disk I/O', () => {
    const { host, start } = incident('stuck_process');
    const cpu = series(host, 'cpu', start, start + 60);
    const disk = series(host, 'disk', start, start + 60);
    expect(Math.abs(mean(cpu) - 0.875)).toBeLessThan(0.002);
    expect(std(cpu)).toBeLessThan(0.002);
    expect(Math.max(...cpu)).toBeLessThan(0.9);
    expect(std(series(host, 'cpu', start - 60, start))).toBeGreaterThan(0.02);
    expect(Math.max(...disk)).toBeLessThan(0.02);
  });

  it('the noisy neighbour spreads CPU first, then takes the host over', () => {
    const { host, start } = incident('noisy_neighbour');
    expect(std(series(host, 'cpu', start + 10, start + 60))).toBeGreaterThan(
      2 * std(series(host, 'cpu', start - 50, start))
    );
    expect(mean(series(host, 'cpu', start + 70, start + 90))).toBeGreaterThan(0.92);
  });

  it('the load spike raises CPU and latency while it lasts, and they come back after', () => {
    const { host, start, end } = incident('load_spike');
    expect(mean(series(host, 'cpu', start + 30, end))).toBeGreaterThan(0.85);
    expect(mean(series(host, 'latency', start + 30, end))).toBeGreaterThan(0.25);
    expect(mean(series(host, 'cpu', end, end + 20))).toBeLessThan(0.65);
  });
});
