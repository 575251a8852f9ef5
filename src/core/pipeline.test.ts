import { Baseline } from './baseline';
import { rollingEntropy } from './create';
import { DetectorPoint, SeriesDetector, SeriesPipeline } from './pipeline';
import { surprisalDetector } from './surprisal';
import { noise, timestamps } from './testing';
import { TrendTracker } from './trend';

describe('SeriesPipeline', () => {
  const t = timestamps(300);
  const v = noise(300, 4);
  v[100] = NaN;
  v[101] = Infinity;

  it('equals the parts run by hand: batch entropy, then a baseline and a trend over it', () => {
    const options = { entropy: { window: 20 }, baseline: { warmup: 10 }, trendWindow: 5 };
    const p = new SeriesPipeline(options);
    const entropy = rollingEntropy(t, v, options.entropy);
    const baseline = new Baseline(options.baseline);
    const trend = new TrendTracker(5);
    for (let i = 0; i < t.length; i++) {
      const point = p.push(t[i], v[i]);
      const admitted = Number.isFinite(v[i]);
      expect(point.admitted).toBe(admitted);
      expect(Object.is(point.entropy, entropy[i])).toBe(true);
      if (admitted && !Number.isNaN(entropy[i])) {
        const b = baseline.observe(entropy[i]);
        expect(point.z).toBe(b.z);
        expect(point.trend).toBe(trend.push(t[i], entropy[i]));
      }
    }
  });

  it('feeds the detector admitted samples only, and survives a restart through state()', () => {
    const seen: number[] = [];
    const detector = (): SeriesDetector => ({
      name: 'count',
      push(_t: number, value: number): DetectorPoint {
        seen.push(value);
        return { statistic: seen.length, score: 0, alert: false };
      },
    });
    const p = new SeriesPipeline({ entropy: { window: 10 }, baseline: { warmup: 5 }, detector });
    for (let i = 0; i < t.length; i++) {
      p.push(t[i], v[i]);
    }
    expect(seen.length).toBe(298);
    expect(seen.every(Number.isFinite)).toBe(true);

    const restored = new SeriesPipeline({ entropy: { window: 10 }, baseline: { warmup: 5 } }, p.state());
    expect(restored.state()).toEqual(p.state());
  });

  it('a detector with state resumes after a restart exactly where it was', () => {
    const options = { entropy: { window: 10 }, baseline: { warmup: 5 }, detector: surprisalDetector({ warmup: 50 }) };
    const a = new SeriesPipeline(options);
    for (let i = 0; i < 200; i++) {
      a.push(t[i], v[i]);
    }
    const b = new SeriesPipeline(options, JSON.parse(JSON.stringify(a.state())));
    for (let i = 200; i < 300; i++) {
      expect(b.push(t[i], v[i]).detector).toEqual(a.push(t[i], v[i]).detector);
    }
    expect(() => new SeriesPipeline(options, { ...a.state(), detector: { bogus: true } })).toThrow(expect.objectContaining({ field: 'detector.state' }));
  });

  it('a skipped first sample yields an empty evaluation, not a crash', () => {
    const p = new SeriesPipeline();
    const point = p.push(1, NaN);
    expect(point.admitted).toBe(false);
    expect(point.entropy).toBeNaN();
    expect(p.current).toBeUndefined();
  });
});
