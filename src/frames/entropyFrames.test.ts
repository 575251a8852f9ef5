import { DataFrame, FieldType } from '@grafana/data';
import { aggregate, rollingBaseline, rollingEntropy } from '../core';
import { noise, sine, timestamps } from '../core/testing';
import { aggregateTransform, MissingHostLabelError } from './aggregateFrames';
import { DEFAULT_TRANSFORM_OPTIONS, entropyMeta, entropyTransform, EntropyTransformOptions } from './entropyFrames';
import { renderLegend, seriesName } from './legend';
import { promFrame } from './testFrames';

const t = timestamps(300, 15_000);
const cpu = noise(300, 7);
const mem = sine(300, 40);
const opts = (patch: Partial<EntropyTransformOptions> = {}): EntropyTransformOptions => ({
  ...DEFAULT_TRANSFORM_OPTIONS,
  entropy: { window: 30 },
  ...patch,
});
const values = (frame: DataFrame, name: string) => frame.fields.find((f) => f.name === name)!.values as Array<number | null>;
/** The entropy output leaves out rows whose window is not yet full. */
const defined = (xs: ArrayLike<number>) => Array.from(xs).filter((x) => !Number.isNaN(x));
const expectSame = (actual: Array<number | null>, expected: ArrayLike<number>) => {
  expect(actual).toHaveLength(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i])) {
      expect(actual[i]).toBeNull();
    } else {
      expect(actual[i]).toBeCloseTo(expected[i], 12);
    }
  }
};

describe('entropyTransform', () => {
  const input = [promFrame('A', { __name__: 'cpu', instance: 'h1' }, t, cpu), promFrame('A', { __name__: 'cpu', instance: 'h2' }, t, mem)];

  it.each([
    ['shannon fixed', { window: 30 }],
    ['shannon adaptive', { window: 20, binning: 'adaptive' as const, bins: 8 }],
    ['shannon width', { window: 25, binning: 'width' as const, width: 0.2 }],
    ['permutation', { estimator: 'permutation' as const, window: 40, order: 4, delay: 2 }],
  ])('%s: one frame per series with the entropy src/core computes', (_, entropy) => {
    const out = entropyTransform(input, opts({ entropy }));
    expect(out).toHaveLength(2);
    const expected = rollingEntropy(t, cpu, entropy);
    expectSame(values(out[0], 'entropy'), defined(expected));
    expectSame(values(out[1], 'entropy'), defined(rollingEntropy(t, mem, entropy)));
    // Times stay paired with their values: the first row is where the window first filled.
    expect(out[0].fields[0].values[0]).toBe(t[Array.from(expected).findIndex((x) => !Number.isNaN(x))]);
    expect(out[0].fields[1].labels).toEqual({ __name__: 'cpu', instance: 'h1' });
    expect(out[0].fields[1].config).toMatchObject({ min: 0, max: 1, unit: 'none' });
  });

  it('drops the rows before `from` that only fill the window, and notes none are missing', () => {
    const from = t[30];
    const out = entropyTransform(input, opts({ from }));
    const full = rollingEntropy(t, cpu, { window: 30 });
    expect(out[0].fields[0].values).toEqual(Array.from(t.slice(30)));
    expectSame(values(out[0], 'entropy'), full.slice(30));
    expect(values(out[0], 'entropy')[0]).not.toBeNull();
    expect(out[0].meta?.notices).toBeUndefined();
  });

  it('adds a notice, not an error, when windows are not full in range', () => {
    const out = entropyTransform(input, opts({ from: t[10] }));
    expect(out[0].meta?.notices?.[0]).toMatchObject({ severity: 'info' });
    expect(out[0].meta?.notices?.[0].text).toMatch(/2 of 2 series .* window needs 30 samples/);
  });

  it('names series from the legend format and keeps labels', () => {
    const out = entropyTransform(input, opts({ legendFormat: '{{instance}} cpu' }));
    expect(out.map((f) => f.fields[1].config.displayNameFromDS)).toEqual(['h1 cpu', 'h2 cpu']);
    expect(out[0].name).toBe('h1 cpu');
    expect(entropyMeta(out[1])).toMatchObject({ host: 'h2', indicator: 'A', window: 30, output: 'entropy' });
  });

  it('bits: the entropy in bits with no upper bound', () => {
    const out = entropyTransform(input, opts({ unit: 'bits' }));
    expectSame(values(out[0], 'entropy'), defined(rollingEntropy(t, cpu, { window: 30 }, 'bits')));
    expect(out[0].fields[1].config.max).toBeUndefined();
  });

  it('baseline: mean, band and z from rollingBaseline over the same entropy', () => {
    const out = entropyTransform(input, opts({ output: 'baseline', baseline: { warmup: 20 }, from: t[100] }));
    const hn = rollingEntropy(t, cpu, { window: 30 });
    const b = rollingBaseline(hn, { warmup: 20 });
    const f = out[0];
    expect(f.fields.map((x) => x.name)).toEqual(['Time', 'entropy', 'baseline', 'baseline -2σ', 'baseline +2σ', 'z']);
    expectSame(values(f, 'baseline'), b.mean.slice(100));
    expectSame(values(f, 'z'), b.z.slice(100));
    expectSame(values(f, 'baseline +2σ'), b.mean.slice(100).map((m, i) => m + 2 * b.std[100 + i]));
    expect(f.fields[4].config.custom).toEqual({ fillBelowTo: 'baseline -2σ' });
  });

  it('raw + entropy: the input values with their unit, and the entropy on the right axis', () => {
    const [f] = entropyTransform(input.slice(0, 1), opts({ output: 'raw+entropy' }));
    expect(values(f, 'value')).toEqual(Array.from(cpu));
    expect(f.fields[1].config.unit).toBe('percentunit');
    expect(f.fields[2].config.custom).toEqual({ axisPlacement: 'right' });
  });

  it('never mutates its input', () => {
    const frozen = [promFrame('A', { instance: 'h1' }, t, cpu)];
    const before = JSON.stringify(frozen);
    entropyTransform(frozen, opts({ legendFormat: 'x', from: t[50] }));
    expect(JSON.stringify(frozen)).toBe(before);
  });

  it('reads wide frames (one time field, several value fields) and skips frames without time', () => {
    const wide: DataFrame = {
      refId: 'B',
      length: 3,
      fields: [
        { name: 'time', type: FieldType.time, values: [1, 2, 3], config: {} },
        { name: 'a', type: FieldType.number, values: [0.1, 0.2, 0.3], config: {} },
        { name: 'b', type: FieldType.number, values: [0.3, 0.2, 0.1], config: {} },
      ],
    };
    const noTime: DataFrame = { length: 1, fields: [{ name: 'v', type: FieldType.number, values: [1], config: {} }] };
    const out = entropyTransform([wide, noTime], opts({ refId: 'B', entropy: { window: 2 } }));
    expect(out.map((f) => f.name)).toEqual(['a', 'b']);
  });

  it('a null sample is a gap, not a zero', () => {
    const withGap = Array.from(cpu, (v, i) => (i % 7 === 0 ? null : v));
    const frame: DataFrame = {
      refId: 'A',
      length: t.length,
      fields: [
        { name: 'Time', type: FieldType.time, values: Array.from(t), config: {} },
        { name: 'Value', type: FieldType.number, values: withGap, config: {} },
      ],
    };
    const [out] = entropyTransform([frame], opts());
    const [raw] = entropyTransform([frame], opts({ output: 'raw+entropy' }));
    expectSame(values(raw, 'entropy'), rollingEntropy(t, withGap.map((v) => v ?? NaN), { window: 30 }));
    expectSame(values(out, 'entropy'), defined(rollingEntropy(t, withGap.map((v) => v ?? NaN), { window: 30 })));
  });

  it('rejects bad options with the field named', () => {
    expect(() => entropyTransform(input, opts({ entropy: { window: 0 } }))).toThrow(/window must be an integer from 2 to 100000, got 0/);
  });
});

describe('aggregateTransform', () => {
  it('per host: weighted mean and max of the indicators, as src/core aggregate computes', () => {
    const a = [promFrame('A', { instance: 'h1' }, t, cpu), promFrame('A', { instance: 'h2' }, t, mem)];
    const b = [promFrame('B', { instance: 'h1' }, t, mem)];
    const out = aggregateTransform([
      { frames: a, options: opts({ refId: 'A', indicator: 'cpu' }), weight: 2 },
      { frames: b, options: opts({ refId: 'B', indicator: 'mem' }) },
    ]);
    expect(out.map((f) => f.name)).toEqual(['h1', 'h2']);
    const ha = rollingEntropy(t, cpu, { window: 30 });
    const hb = rollingEntropy(t, mem, { window: 30 });
    const expected = Array.from(t, (_, i) =>
      aggregate([
        { name: 'cpu', value: ha[i], weight: 2 },
        { name: 'mem', value: hb[i] },
      ])
    );
    expectSame(values(out[0], 'aggregate'), expected.map((e) => e.mean ?? NaN));
    expectSame(values(out[0], 'max'), expected.map((e) => e.max ?? NaN));
    expect(out[0].fields[1].labels).toEqual({ instance: 'h1' });
    expectSame(values(out[1], 'aggregate'), hb.map((_, i) => rollingEntropy(t, mem, { window: 30 })[i]));
  });

  it('a series without the host label is an error that says how to fix it', () => {
    const a = [promFrame('A', { job: 'node' }, t, cpu)];
    expect(() => aggregateTransform([{ frames: a, options: opts() }])).toThrow(MissingHostLabelError);
    expect(() => aggregateTransform([{ frames: a, options: opts() }])).toThrow(/Query A: series .* has no "instance" label.*avg by \(instance\)/);
  });
});

describe('legend', () => {
  it.each([
    ['{{instance}} cpu', { instance: 'h1' }, 'h1 cpu'],
    ['{{ instance }}/{{job}}', { instance: 'h1', job: 'node' }, 'h1/node'],
    ['{{missing}}x', {}, 'x'],
    ['', { a: '1' }, undefined],
  ])('%s', (format, labels, expected) => {
    expect(renderLegend(format, labels)).toBe(expected);
  });

  it('prints series like Prometheus', () => {
    expect(seriesName({ __name__: 'up', job: 'x', instance: 'h' })).toBe('up{instance="h", job="x"}');
    expect(seriesName({}, 'Value')).toBe('Value');
  });
});
