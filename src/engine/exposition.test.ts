import { parseConfig } from './config';
import { ExpositionWriter, formatSample, renderState } from './exposition';
import { hostProfile } from './profiles';
import { EngineState } from './state';

function stateWith(detector: boolean): EngineState {
  const c = parseConfig('defaults: { window: 3 }\nindicators: [{ name: cpu, selector: up }]', {}, { env: {} });
  if (detector) {
    // A seam test: the engine must carry any SeriesDetector's output to /metrics and profiles.
    c.indicators[0].detector = () => ({
      name: 'echo',
      push: (_t, v) => ({ statistic: v * 2, score: v, alert: v > 0.5 }),
    });
  }
  const s = new EngineState({ indicators: c.indicators, hostBaseline: {}, stalenessMs: 60_000, maxSeries: 10 });
  [0.1, 0.2, 0.3, 0.4].forEach((v, i) => s.ingest(c.indicators[0], 'h', i * 1000, v, 0));
  s.evaluate(4000);
  return s;
}

function render(s: EngineState): string {
  const w = new ExpositionWriter();
  renderState(s, w);
  return w.bytes().toString('utf8');
}

describe('exposition', () => {
  it('exports the detector families only when a detector is configured', () => {
    expect(render(stateWith(false))).not.toMatch(/surprisal|anomaly_score/);
    const text = render(stateWith(true));
    expect(text).toMatch(/^# TYPE health_entropy_surprisal gauge$/m);
    expect(text).toMatch(/^health_entropy_surprisal\{host="h",indicator="cpu"\} 0\.800000000000$/m);
    expect(text).toMatch(/^health_entropy_anomaly_score\{host="h",indicator="cpu"\} 0\.400000000000$/m);
    const p = hostProfile(stateWith(true).hosts.get('h')!);
    expect(p.indicators.cpu).toMatchObject({ surprisal: 0.8, anomalyScore: 0.4 });
    expect(hostProfile(stateWith(false).hosts.get('h')!).indicators.cpu).not.toHaveProperty('surprisal');
  });

  it('groups each family under one TYPE line', () => {
    const text = render(stateWith(true));
    const names = text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.slice(0, l.indexOf('{')));
    const seen = new Set<string>();
    names.forEach((n, i) => {
      if (i > 0 && n !== names[i - 1]) {
        expect(seen.has(n)).toBe(false);
        seen.add(names[i - 1]);
      }
    });
  });

  it('writes non-ASCII host names as UTF-8 and grows its buffer', () => {
    const w = new ExpositionWriter();
    for (let i = 0; i < 5000; i++) {
      w.sample('m', `{host="hôte-ünï-${i}"}`, i / 7);
    }
    const text = w.bytes().toString('utf8');
    expect(text.split('\n')).toHaveLength(5001);
    expect(text).toContain('m{host="hôte-ünï-4999"} 714.142857142857');
  });

  it.each([
    [0, '0'],
    [0.5, '0.500000000000'],
    [-3.25, '-3.250000000000'],
    [1.5e-7, '1.5e-7'],
    [2e12, '2000000000000'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('formats %p as %p', (x, s) => {
    expect(formatSample(x)).toBe(s);
    expect(
      Math.abs(Number(s.replace('+Inf', 'Infinity').replace('-Inf', '-Infinity')) - x) <= 5e-13 ||
        Number.isNaN(x) ||
        !Number.isFinite(x)
    ).toBe(true);
  });
});
