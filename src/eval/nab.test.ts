import { leadTimes, median, scoreCorpus, summarizeLeads } from './corpus';
import {
  optimizeThreshold,
  probationLength,
  PROFILES,
  scaledSigmoid,
  ScoredFile,
  scoreFile,
  scoresByThreshold,
  sweepRows,
  windowRows,
} from './nab';

const [STANDARD, LOW_FP, LOW_FN] = PROFILES;
const S = (x: number) => 2 / (1 + Math.exp(5 * x)) - 1;

/** 20 rows one minute apart, one window over rows 10..14 (width 5); probation is floor(0.15·20) = 3 rows. */
function file(scores: Record<number, number>, name = 'f.csv'): ScoredFile {
  const s = new Float64Array(20);
  for (const [i, v] of Object.entries(scores)) {
    s[Number(i)] = v;
  }
  return {
    name,
    timestamps: Float64Array.from({ length: 20 }, (_, i) => i * 60_000),
    scores: s,
    windows: [[10 * 60_000, 14 * 60_000]],
  };
}

describe('NAB building blocks', () => {
  it.each([
    [-1, 0.9866142981514303],
    [0, 0],
    [-0.5, 0.8482836399575129],
    [3, -1],
    [10, -1],
  ])('scaledSigmoid(%d) = %d', (x, expected) => {
    expect(scaledSigmoid(x)).toBeCloseTo(expected, 12);
  });

  it.each([
    [20, 3],
    [4032, 604],
    [10_000, 750],
    [6, 0],
  ])('probationLength(%d) = %d', (rows, expected) => {
    expect(probationLength(rows)).toBe(expected);
  });

  it('maps windows to the rows inside them, and drops a window with none', () => {
    const f: ScoredFile = {
      ...file({}),
      windows: [
        [9.5 * 60_000, 14.2 * 60_000],
        [100e6, 200e6],
      ],
    };
    expect(windowRows(f)).toEqual([[10, 14]]);
  });

  it('worth of a detection at each position (standard profile)', () => {
    const { rows, windows } = sweepRows(file({}), STANDARD);
    expect(windows).toEqual([0]);
    expect(rows).toHaveLength(17); // rows 3..19
    const at = (i: number) => rows[i - 3];
    expect(at(5)).toEqual({ score: 0, value: -0.11, window: -1 }); // before any window
    expect(at(10).value).toBeCloseTo(1, 12); // left edge: S(−1)/S(−1)
    expect(at(14).value).toBeCloseTo(S(-1 / 5) / S(-1), 12); // right edge: x = −1/width
    expect(at(16).value).toBeCloseTo(0.11 * S(2 / 4), 12); // 2 rows past the end, width − 1 = 4
    expect(at(14).window).toBe(0);
  });
});

describe('scores by threshold', () => {
  it('hand-computed: earliest detection in the window counts, each outside one costs', () => {
    // Row 1 is probationary (ignored), 5 is before the window, 10 its left edge, 14 its right edge, 16 after.
    const f = file({ 1: 0.9, 5: 0.5, 10: 0.8, 14: 0.95, 16: 0.7 });
    const { rows, windows } = sweepRows(f, STANDARD);
    const byThreshold = scoresByThreshold(rows, windows, STANDARD).slice(0, 5);
    const right = S(-0.2) / S(-1);
    const after = 0.11 * S(0.5);
    expect(byThreshold.map((s) => s.threshold)).toEqual([1.1, 0.95, 0.8, 0.7, 0.5]);
    const expected = [-1, right, 1, 1 + after, 1 + after - 0.11];
    byThreshold.forEach((s, i) => expect(s.score).toBeCloseTo(expected[i], 12));
    expect(byThreshold[4]).toMatchObject({ tp: 1, fn: 0, fp: 2 });
    const best = optimizeThreshold([f], STANDARD);
    expect(best.threshold).toBe(0.8);
    expect(best.score).toBeCloseTo(1, 12);
    expect(scoreFile(f, STANDARD, 0.8).score).toBeCloseTo(1, 12);
    expect(scoreFile(f, STANDARD, 0.7)).toMatchObject({ tp: 1, fp: 1 });
  });

  it('rows with equal scores become detections together', () => {
    const f = file({ 10: 0.5, 16: 0.5 });
    const { rows, windows } = sweepRows(f, STANDARD);
    const s = scoresByThreshold(rows, windows, STANDARD);
    expect(s[1].threshold).toBe(0.5);
    expect(s[1].score).toBeCloseTo(1 + 0.11 * S(0.5), 12);
  });

  it('one threshold is optimized over the pooled corpus, not per file', () => {
    // A's window is caught at its left edge with 0.6; B has no window and a false alarm at 0.7.
    const a = file({ 10: 0.6 }, 'a.csv');
    const b: ScoredFile = { ...file({ 8: 0.7 }, 'b.csv'), windows: [] };
    const best = optimizeThreshold([a, b], STANDARD);
    expect(best.threshold).toBe(0.6);
    expect(best.score).toBeCloseTo(1 - 0.11, 12);
  });
});

describe('normalized corpus score', () => {
  it('hand-computed for the three profiles: right-edge detection and one false alarm after it', () => {
    const f = file({ 14: 0.9, 16: 0.8 });
    const [standard, lowFp, lowFn] = scoreCorpus([f]);
    const right = S(-0.2) / S(-1);
    // Best: detect the window only (threshold 0.9). Null: −fnWeight; perfect: +tpWeight.
    expect(standard).toMatchObject({ profile: STANDARD.name, threshold: 0.9, null: -1, perfect: 1, tp: 1, fp: 0 });
    expect(standard.raw).toBeCloseTo(right, 12);
    expect(standard.normalized).toBeCloseTo((100 * (right + 1)) / 2, 9);
    expect(lowFp.profile).toBe(LOW_FP.name);
    expect(lowFp.normalized).toBeCloseTo((100 * (right + 1)) / 2, 9);
    expect(lowFn).toMatchObject({ profile: LOW_FN.name, null: -2, perfect: 1 });
    expect(lowFn.normalized).toBeCloseTo((100 * (right + 2)) / 3, 9);
  });

  it('a perfect detector scores 100; a silent one 0 when alerting on every row costs more than missing', () => {
    expect(scoreCorpus([file({ 10: 1 })])[0].normalized).toBeCloseTo(100, 9);
    // 200 rows, window on rows 100..104: alerting everywhere would pay for ~70 false alarms before it.
    const long: ScoredFile = {
      name: 'long.csv',
      timestamps: Float64Array.from({ length: 200 }, (_, i) => i),
      scores: new Float64Array(200),
      windows: [[100, 104]],
    };
    const [standard] = scoreCorpus([long]);
    expect(standard.raw).toBe(-1);
    expect(standard.normalized).toBe(0);
    // On the 20-row file the same constant scores are best thresholded at 0: the optimizer is honest.
    expect(scoreCorpus([file({})])[0].normalized).toBeGreaterThan(0);
  });

  it('lead time: minutes from the first alert to the window end, and whether before the labeled point', () => {
    const f = file({ 11: 0.7, 13: 0.9 });
    const labels = new Map([['f.csv', [12 * 60_000]]]);
    const [lead] = leadTimes([f], 0.6, labels);
    expect(lead).toMatchObject({
      firstAlert: 11 * 60_000,
      minutesBeforeEnd: 3,
      beforeLabel: true,
      minutesBeforeLabel: 1,
    });
    const [late] = leadTimes([f], 0.8, labels);
    expect(late).toMatchObject({ minutesBeforeEnd: 1, beforeLabel: false, minutesBeforeLabel: -1 });
    const [missed] = leadTimes([f], 0.95, labels);
    expect(missed.firstAlert).toBeUndefined();
    const onTime = leadTimes(
      [{ ...f, scores: Float64Array.from(f.scores, (_, i) => (i === 12 ? 1 : 0)) }],
      0.5,
      labels
    );
    expect(summarizeLeads([lead, late, missed, ...onTime])).toEqual({
      windows: 4,
      detected: 3,
      medianMinutesBeforeEnd: 2, // 3, 1 and 2 minutes
      beforeLabel: 1,
      atLabel: 1,
      afterLabel: 1,
    });
    expect(median([3, 1, NaN, 10])).toBe(3);
    expect(median([4, 1])).toBe(2.5);
  });
});
