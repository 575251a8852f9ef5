import { createEstimator, rollingEntropy } from './create';

describe('window admission', () => {
  it('counts invalid, duplicate and out-of-order samples and never admits them', () => {
    const e = createEstimator({ window: 3, lo: 0, hi: 1, bins: 2 });
    const rows: Array<[number, number]> = [
      [1, 0.1],
      [2, NaN], // stale marker / NaN
      [3, Infinity],
      [4, -Infinity],
      [2, 0.9], // admitted
      [2, 0.9], // duplicate
      [1, 0.9], // out of order
      [NaN, 0.5], // invalid timestamp
      [5, 0.2],
    ];
    for (const [t, v] of rows) {
      e.push(t, v);
    }
    expect(e.stats).toEqual({ admitted: 3, invalid: 4, duplicate: 1, outOfOrder: 1 });
    expect(e.size).toBe(3);
  });

  it('a null value (a gap in a Grafana field) is invalid, not 0', () => {
    const e = createEstimator({ window: 2, minFill: 1 });
    e.push(1, null as unknown as number);
    e.push(2, 0.5);
    expect(e.stats).toEqual({ admitted: 1, invalid: 1, duplicate: 0, outOfOrder: 0 });
    const batch = rollingEntropy([1, 2], [null as unknown as number, 0.5], { window: 2, minFill: 1 });
    expect(batch[0]).toBeNaN();
  });

  it('is undefined until minFill samples, then defined', () => {
    const e = createEstimator({ window: 4, minFill: 3 });
    expect(e.push(1, 0.1)).toBeUndefined();
    expect(e.push(2, 0.1)).toBeUndefined();
    expect(e.push(3, 0.1)).toBe(0);
    expect(Number.isNaN(e.normalized)).toBe(false);
  });

  it('a skipped sample returns the current value unchanged', () => {
    const e = createEstimator({ window: 2, bins: 2 });
    e.push(1, 0.1);
    const v = e.push(2, 0.9);
    expect(v).toBe(1);
    expect(e.push(3, NaN)).toBe(1);
    expect(e.push(2, 0.1)).toBe(1);
  });

  it('maxAgeMs evicts samples at or before newest − maxAge (left-open range, as in Prometheus)', () => {
    const e = createEstimator({ window: 10, minFill: 1, maxAgeMs: 100 });
    e.push(0, 0.05);
    e.push(50, 0.95);
    expect(e.size).toBe(2);
    e.push(100, 0.95); // 0 ≤ 100 − 100: evicted
    expect(e.size).toBe(2);
    e.push(1000, 0.5); // everything else is too old
    expect(e.size).toBe(1);
    expect(e.normalized).toBe(0);
  });

  it('with maxAgeMs the window can fall below minFill again', () => {
    const e = createEstimator({ window: 3, maxAgeMs: 10 });
    e.push(1, 0.1);
    e.push(2, 0.2);
    expect(e.push(3, 0.3)).toBeDefined();
    expect(e.push(100, 0.4)).toBeUndefined();
    expect(Number.isNaN(e.bits)).toBe(true);
  });
});
