import fc from 'fast-check';
import { parseConfig } from './config';
import { ExpositionWriter, formatSample, renderState } from './exposition';
import { hostProfile } from './profiles';
import { EngineSeries } from './series';
import { EngineState, HostPoint } from './state';

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

/** The renderer as it was first written (strings, `series.labels`, `formatSample`): the reference. */
function naiveRender(state: EngineState): string {
  const series = [...state.hosts.values()].flatMap((h) => [...h.series.values()].filter((s) => !s.ended));
  const hosts = [...state.hosts.values()].filter((h) => h.last !== undefined);
  const detectors = series.some((s) => s.indicator.detector !== undefined);
  const text = render(stateWith(true)); // every family, for the help texts
  const help = new Map(
    text
      .split('\n')
      .filter((l) => l.startsWith('# HELP'))
      .map((l) => [l.split(' ')[2], l])
  );
  type Value = (s: EngineSeries) => number | undefined;
  const families: Array<[string, Value]> = [
    ['health_entropy', (s) => s.entropy],
    ['health_entropy_bits', (s) => (Number.isNaN(s.entropy) ? NaN : s.pipeline.estimator.bits)],
    ['health_entropy_baseline', (s) => s.current?.baseline],
    ['health_entropy_deviation', (s) => s.current?.deviation],
    ['health_entropy_z', (s) => s.current?.z],
    ['health_entropy_trend', (s) => s.current?.trend],
    ...(detectors
      ? ([
          ['health_entropy_surprisal', (s) => s.current?.detector?.statistic],
          ['health_entropy_anomaly_score', (s) => s.current?.detector?.score],
        ] satisfies Array<[string, Value]>)
      : []),
  ];
  let out = '';
  const line = (name: string, labels: string, v: number | undefined) =>
    v === undefined || Number.isNaN(v) ? '' : `${name}${labels} ${formatSample(v)}\n`;
  for (const [name, value] of families) {
    out += `${help.get(name)}\n# TYPE ${name} gauge\n`;
    out += series.map((s) => line(name, s.labels, value(s))).join('');
  }
  const hostFamilies: Array<[string, (h: HostPoint) => number]> = [
    ['health_entropy_host', (h) => h.score],
    ['health_entropy_host_max', (h) => h.max],
    ['health_entropy_host_baseline', (h) => h.baseline.mean],
    ['health_entropy_host_deviation', (h) => h.baseline.deviation],
    ['health_entropy_host_z', (h) => h.baseline.z],
  ];
  for (const [name, value] of hostFamilies) {
    out += `${help.get(name)}\n# TYPE ${name} gauge\n`;
    out += hosts.map((h) => line(name, h.labels, value(h.last!))).join('');
  }
  return out;
}

describe('exposition', () => {
  it('renders the same bytes as the naive string renderer', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.double({ min: -1, max: 2 }), { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        (hostNames, values, detector) => {
          const c = parseConfig(
            'defaults: { window: 4, minFill: 2, baseline: { warmup: 3 } }\n' +
              'indicators: [{ name: cpu, selector: up }, { name: mem, selector: mem }]',
            {},
            { env: {} }
          );
          if (detector) {
            c.indicators[1].detector = () => ({
              name: 'echo',
              push: (_t, v) => ({ statistic: v, score: v / 2, alert: false }),
            });
          }
          const s = new EngineState({
            indicators: c.indicators,
            hostBaseline: {},
            stalenessMs: 60_000,
            maxSeries: 100,
          });
          values.forEach((v, i) => {
            const host = hostNames[i % hostNames.length];
            s.ingest(c.indicators[i % 2], host + '\\"\n', i * 1000, v, 0);
            s.ingest(c.indicators[0], host, i * 1000, v / 3, 0);
            if (i % 5 === 4) {
              s.evaluate(i * 1000);
            }
          });
          s.end('cpu', hostNames[0]);
          const expected = naiveRender(s);
          expect(render(s)).toBe(expected);
        }
      ),
      { numRuns: 100 }
    );
  });

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

  it('appends extra samples of each series family right after its local ones', () => {
    const w = new ExpositionWriter();
    renderState(stateWith(false), w, (family, out) => out.sample(family, '{edge="e1",host="x",indicator="cpu"}', 0.25));
    const lines = w.bytes().toString('utf8').split('\n');
    for (const family of ['health_entropy', 'health_entropy_bits', 'health_entropy_trend']) {
      const local = lines.findIndex((l) => l.startsWith(`${family}{host="h"`));
      expect(lines[local + 1]).toBe(`${family}{edge="e1",host="x",indicator="cpu"} 0.250000000000`);
    }
    expect(lines.filter((l) => l.includes('edge="e1"'))).toHaveLength(6);
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
