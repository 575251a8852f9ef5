import { aggregate, checkWeight } from './aggregate';

describe('aggregate', () => {
  it.each([
    [
      [
        { name: 'cpu', value: 0.2 },
        { name: 'mem', value: 0.6 },
      ],
      0.4,
      0.6,
      'mem',
      2,
    ],
    [
      [
        { name: 'cpu', value: 0.2, weight: 3 },
        { name: 'mem', value: 0.6, weight: 1 },
      ],
      0.3,
      0.6,
      'mem',
      2,
    ],
    [
      [
        { name: 'cpu', value: 0.2 },
        { name: 'mem', value: undefined },
        { name: 'io', value: NaN },
      ],
      0.2,
      0.2,
      'cpu',
      1,
    ],
    [
      [
        { name: 'cpu', value: 0.9, weight: 0 },
        { name: 'mem', value: 0.1 },
      ],
      0.1,
      0.9,
      'cpu',
      2,
    ],
  ])('%j → mean %f, max %f (%s)', (items, mean, max, maxName, count) => {
    const r = aggregate(items);
    expect(r.mean).toBeCloseTo(mean, 12);
    expect(r.max).toBe(max);
    expect(r.maxName).toBe(maxName);
    expect(r.count).toBe(count);
  });

  it('is undefined with no values, or with all weights 0', () => {
    expect(aggregate([])).toEqual({ mean: undefined, max: undefined, maxName: undefined, count: 0 });
    expect(aggregate([{ name: 'cpu', value: 0.5, weight: 0 }]).mean).toBeUndefined();
  });

  it.each([-1, NaN, Infinity, '1'])('rejects weight %p naming the field', (w) => {
    expect(() => checkWeight('indicators[0].weight', w)).toThrow(
      /^indicators\[0\]\.weight must be a finite number ≥ 0/
    );
  });
});
