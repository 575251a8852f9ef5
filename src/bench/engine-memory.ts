/**
 * Memory per engine series at W = 60 (issue 4), and what each part of it costs: the whole state (series, host,
 * maps), an `EngineSeries` alone, and a bare `SeriesPipeline`. Every figure is heap plus array buffers (typed
 * arrays keep their data outside the V8 heap), measured after a full GC around building 50,000 of them.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SeriesPipeline } from '../core';
import { parseConfig } from '../engine/config';
import { EngineSeries } from '../engine/series';
import { EngineState } from '../engine/state';

function gc(): void {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  collect();
  collect();
}

/** An engine state with `indicators` remote-write indicators at W = 60. */
export function newState(indicators: number, maxSeries: number): EngineState {
  const list = Array.from({ length: indicators }, (_, i) => `  - { name: ind${i}, selector: 'm${i}' }`).join('\n');
  const c = parseConfig(`defaults: { window: 60 }\nindicators:\n${list}`, {}, { env: {} });
  return new EngineState({ indicators: c.indicators, hostBaseline: c.hostBaseline, stalenessMs: 3_600_000, maxSeries });
}

/** Feeds `samples` samples to every indicator of `hosts` hosts, then evaluates once. */
export function fill(state: EngineState, hosts: number, samples: number): void {
  const inds = [...state.indicators.values()];
  for (let h = 0; h < hosts; h++) {
    const host = `host-${h}.example.internal:9100`;
    for (const ind of inds) {
      for (let k = 0; k < samples; k++) {
        state.ingest(ind, host, k * 15_000, ((h + k * 3) % 17) / 17, 0);
      }
    }
  }
  state.evaluate(samples * 15_000);
}

interface Bytes {
  heap: number;
  arrayBuffers: number;
  total: number;
}

/** Bytes per item retained by what `build` returns (kept reachable until measured). */
function perItem(items: number, build: () => unknown): Bytes {
  gc();
  const m0 = process.memoryUsage();
  const kept = build();
  gc();
  const m1 = process.memoryUsage();
  if (kept === undefined) {
    throw new Error('unreachable: the built objects must stay reachable until measured');
  }
  const heap = (m1.heapUsed - m0.heapUsed) / items;
  const arrayBuffers = (m1.arrayBuffers - m0.arrayBuffers) / items;
  return { heap: Math.round(heap), arrayBuffers: Math.round(arrayBuffers), total: Math.round(heap + arrayBuffers) };
}

/** Runs the memory figures. */
export function memoryBench(): Record<string, number> {
  const N = 50_000;
  const [ind] = newState(1, 1).indicators.values();
  // The figure: one series per host, so every host structure counts against its one series.
  const state = perItem(N, () => {
    const s = newState(1, N);
    fill(s, N, 60);
    return s.size === N ? s : undefined;
  });
  // Ten indicators per host: the host's share spread over ten series.
  const tenPerHost = perItem(N, () => {
    const s = newState(10, N);
    fill(s, N / 10, 60);
    return s.size === N ? s : undefined;
  });
  const series = perItem(N, () =>
    Array.from({ length: N }, (_, i) => {
      const s = new EngineSeries(ind, `host-${i}.example.internal:9100`, 0);
      for (let k = 0; k < 60; k++) {
        s.push(k * 15_000, ((i + k * 3) % 17) / 17, 0);
      }
      return s;
    })
  );
  // Reference: src/core's SeriesPipeline alone, same window and samples.
  const pipeline = perItem(N, () =>
    Array.from({ length: N }, (_, i) => {
      const p = new SeriesPipeline({ entropy: { window: 60 } });
      for (let k = 0; k < 60; k++) {
        p.push(k * 15_000, ((i + k * 3) % 17) / 17);
      }
      return p;
    })
  );
  return {
    memoryBytesPerSeriesW60: state.total,
    memoryHeapBytesPerSeriesW60: state.heap,
    memoryArrayBufferBytesPerSeriesW60: state.arrayBuffers,
    memoryBytesPerSeriesW60TenPerHost: tenPerHost.total,
    memoryEngineSeriesBytesW60: series.total,
    referenceCorePipelineBytesPerSeriesW60: pipeline.total,
    memorySeriesMeasured: N,
  };
}
