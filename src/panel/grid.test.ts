import { createDataFrame, FieldType } from '@grafana/data';
import { rollingBaseline, rollingEntropy } from '../core';
import { noise, sine, timestamps } from '../core/testing';
import { entropyTransform, DEFAULT_TRANSFORM_OPTIONS } from '../frames/entropyFrames';
import { promFrame } from '../frames/testFrames';
import { buildGrid, cellKey, computeEntropyFrames } from './grid';
import { DEFAULT_PANEL_OPTIONS } from './types';

const t = timestamps(200);
const series = { h1: noise(200, 3), h2: sine(200, 30) };
const raw = [
  promFrame('cpu', { instance: 'h1' }, t, series.h1),
  promFrame('cpu', { instance: 'h2' }, t, series.h2),
  promFrame('mem', { instance: 'h1' }, t, series.h2),
];
const options = { ...DEFAULT_PANEL_OPTIONS, window: 20, warmup: 10 };

describe('compute mode', () => {
  it('hosts × indicators with the last entropy, baseline and z that src/core computes', () => {
    const grid = buildGrid(computeEntropyFrames(raw, options), options);
    expect(grid.hosts).toEqual(['h1', 'h2']);
    expect(grid.indicators).toEqual(['cpu', 'mem']);
    const hn = rollingEntropy(t, series.h2, { window: 20 });
    const b = rollingBaseline(hn, { warmup: 10 });
    const cell = grid.cells.get(cellKey('h2', 'cpu'))!;
    expect(cell.entropy).toBeCloseTo(hn[199], 12);
    expect(cell.baseline).toBeCloseTo(b.mean[199], 12);
    expect(cell.z).toBeCloseTo(b.z[199], 12);
    expect(cell).toMatchObject({ window: 20, time: t[199], labels: { instance: 'h2' } });
    expect(grid.cells.has(cellKey('h2', 'mem'))).toBe(false);
  });

  it('permutation options reach src/core', () => {
    const o = { ...options, estimator: 'permutation' as const, order: 3, delay: 2 };
    const grid = buildGrid(computeEntropyFrames(raw, o), o);
    const hn = rollingEntropy(t, series.h1, { estimator: 'permutation', window: 20, order: 3, delay: 2 });
    expect(grid.cells.get(cellKey('h1', 'cpu'))!.entropy).toBeCloseTo(hn[199], 12);
  });

  it('bad options throw the core error naming the field', () => {
    expect(() => computeEntropyFrames(raw, { ...options, window: 1 })).toThrow(/window must be an integer from 2 to 100000, got 1/);
  });
});

describe('display mode', () => {
  it("reads the data source's frames, using their indicator names", () => {
    const frames = entropyTransform(raw.slice(0, 2), { ...DEFAULT_TRANSFORM_OPTIONS, refId: 'A', indicator: 'cpu', entropy: { window: 20 } });
    const grid = buildGrid(frames, { ...options, mode: 'display' });
    expect(grid.indicators).toEqual(['cpu']);
    expect(grid.cells.get(cellKey('h1', 'cpu'))!.entropy).toBeCloseTo(rollingEntropy(t, series.h1, { window: 20 })[199], 12);
  });

  it('reads entropy metrics scraped from the engine, by their host and indicator labels', () => {
    const frame = createDataFrame({
      refId: 'A',
      fields: [
        { name: 'Time', type: FieldType.time, values: [1, 2, 3] },
        { name: 'Value', type: FieldType.number, values: [0.2, 0.4, null], labels: { instance: 'db-1', indicator: 'disk_io' } },
      ],
    });
    const grid = buildGrid([frame], { ...options, mode: 'display' });
    expect(grid.cells.get(cellKey('db-1', 'disk_io'))).toMatchObject({ entropy: 0.4, time: 2, z: undefined });
  });

  it('no frames, no cells', () => {
    expect(buildGrid([], options).cells.size).toBe(0);
  });
});
