/**
 * Engine benchmarks (issue 4): remote-write decode + update throughput with 10,000 series, `/metrics`
 * rendering for 100,000 host × indicator series, and memory per series at W = 60. Each comes with a simple
 * reference measured in the same run, so a figure can be read against the machine it ran on.
 *
 * Run: `npm run build:node && node --expose-gc -e "require('./lib/bench/engine').benchEngine().then(r => console.log(JSON.stringify(r, null, 1)))"`
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SeriesPipeline } from '../core';
import { parseConfig } from '../engine/config';
import { ExpositionWriter, renderState } from '../engine/exposition';
import { encodeWriteRequest, EncodeSeries, snappy } from '../engine/remote-write/encoder';
import { decodeWriteRequest } from '../engine/remote-write/protobuf';
import { RemoteWriteReceiver } from '../engine/remote-write/receiver';
import { EngineState } from '../engine/state';
import { Telemetry } from '../engine/telemetry';
import { uncompress } from 'snappyjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../engine/store';

const HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function newState(indicators: number, maxSeries: number): EngineState {
  const list = Array.from({ length: indicators }, (_, i) => `  - { name: ind${i}, selector: 'm${i}' }`).join('\n');
  const c = parseConfig(`defaults: { window: 60 }\nindicators:\n${list}`, {}, { env: {} });
  return new EngineState({ indicators: c.indicators, hostBaseline: c.hostBaseline, stalenessMs: 3_600_000, maxSeries });
}

/** Remote-write requests for `series` series (one indicator, one host each), `perSeries` samples each. */
function requests(series: number, perSeries: number, batches: number): Buffer[] {
  const out: Buffer[] = [];
  let t = 1_700_000_000_000;
  for (let b = 0; b < batches; b++) {
    const list: EncodeSeries[] = [];
    for (let s = 0; s < series; s++) {
      const samples: Array<[number, number]> = [];
      for (let k = 0; k < perSeries; k++) {
        samples.push([t + k * 15_000, ((s * 7 + b * perSeries + k) % 13) / 13]);
      }
      list.push({
        labels: [
          ['__name__', 'm0'],
          ['instance', `host-${s}:9100`],
          ['job', 'node'],
        ],
        samples,
      });
    }
    t += perSeries * 15_000;
    out.push(snappy(encodeWriteRequest(list)));
  }
  return out;
}

function remoteWriteThroughput(): Record<string, number> {
  const SERIES = 10_000;
  const PER = 10;
  const bodies = requests(SERIES, PER, 12);
  const state = newState(1, 1_000_000);
  const receiver = new RemoteWriteReceiver(state, new Telemetry(), {
    maxDecompressedBytes: 1 << 30,
    bearerToken: undefined,
  });
  // Warm-up: creates the series and fills their windows (60 samples), so the timed part is steady state.
  for (const body of bodies.slice(0, 6)) {
    receiver.handle(body, HEADERS);
  }
  const timed = bodies.slice(6);
  const start = performance.now();
  for (const body of timed) {
    const r = receiver.handle(body, HEADERS);
    if (r.status !== 204) {
      throw new Error(`bench request refused: ${r.error}`);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const samples = timed.length * SERIES * PER;

  // Reference 1: decompress + decode only (the transport's share).
  let decoded = 0;
  const d0 = performance.now();
  for (const body of timed) {
    decodeWriteRequest(uncompress(body), { series: () => undefined, sample: () => void decoded++ });
  }
  const decodeSeconds = (performance.now() - d0) / 1000;
  // Reference 2: src/core alone, the same number of samples through SeriesPipeline.
  const pipelines = Array.from({ length: SERIES }, () => new SeriesPipeline({ entropy: { window: 60 } }));
  let t = 0;
  for (let k = 0; k < 60; k++, t += 15_000) {
    pipelines.forEach((p, s) => p.push(t, ((s + k) % 13) / 13));
  }
  const c0 = performance.now();
  for (let k = 0; k < timed.length * PER; k++, t += 15_000) {
    for (let s = 0; s < SERIES; s++) {
      pipelines[s].push(t, ((s * 7 + k) % 13) / 13);
    }
  }
  const coreSeconds = (performance.now() - c0) / 1000;
  return {
    remoteWriteSamplesPerSecond: Math.round(samples / seconds),
    remoteWriteBytesPerSample: Math.round(timed.reduce((a, b) => a + b.length, 0) / samples),
    referenceDecodeOnlySamplesPerSecond: Math.round(decoded / decodeSeconds),
    referenceCorePipelineSamplesPerSecond: Math.round(samples / coreSeconds),
  };
}

function fill(state: EngineState, hosts: number, samples: number): void {
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function renderBench(): Record<string, number> {
  const state = newState(10, 200_000);
  fill(state, 10_000, 70); // 100,000 series, windows full, baselines warming
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const out = new ExpositionWriter();
    renderState(state, out);
    bytes = out.bytes().length;
    times.push(performance.now() - t0);
  }
  // Reference: the naive way (escape labels and format every line anew, one array element per line).
  const naive: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const lines: string[] = [];
    for (const name of [
      'health_entropy',
      'health_entropy_bits',
      'health_entropy_baseline',
      'health_entropy_deviation',
      'health_entropy_z',
      'health_entropy_trend',
    ]) {
      lines.push(`# HELP ${name} x`, `# TYPE ${name} gauge`);
      for (const host of state.hosts.values()) {
        for (const s of host.series.values()) {
          const p = s.current!;
          const v =
            name === 'health_entropy'
              ? p.entropy
              : name === 'health_entropy_bits'
                ? p.bits
                : name === 'health_entropy_baseline'
                  ? p.baseline
                  : name === 'health_entropy_deviation'
                    ? p.deviation
                    : name === 'health_entropy_z'
                      ? p.z
                      : p.trend;
          lines.push(`${name}{host="${JSON.stringify(s.host).slice(1, -1)}",indicator="${s.indicator.name}"} ${v}`);
        }
      }
    }
    Buffer.from(lines.join('\n'));
    naive.push(performance.now() - t0);
  }
  // The store snapshot of the same state: the event loop is blocked while it is written.
  const dir = mkdtempSync(join(tmpdir(), 'he-bench-'));
  const store = Store.open(join(dir, 'state.db'));
  // As the engine writes it: chunks of 1,000 series, the event loop free in between.
  const s0 = performance.now();
  let maxBlockMs = 0;
  const generation = store.begin();
  const all = [...state.hosts.values()].flatMap((h) => [...h.series.values()]);
  for (let i = 0; i < all.length; i += 1000) {
    const c0 = performance.now();
    store.writeSeries(
      generation,
      all.slice(i, i + 1000).map((x) => x.snapshot())
    );
    maxBlockMs = Math.max(maxBlockMs, performance.now() - c0);
  }
  store.writeHosts(
    generation,
    [...state.hosts.values()].map((h) => ({ host: h.name, baseline: h.baseline.state() }))
  );
  store.finish(generation, Date.now());
  const storeMs = performance.now() - s0;
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    storeSnapshotMs100kSeries: Math.round(storeMs),
    storeSnapshotLongestBlockMs: Math.round(maxBlockMs),
    metricsRenderMs100kSeries: Math.round(median(times)),
    metricsRenderBytes100kSeries: bytes,
    referenceNaiveRenderMs100kSeries: Math.round(median(naive)),
  };
}

function memoryBench(): Record<string, number> {
  const N = 50_000;
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const state = newState(1, N);
  fill(state, N, 60);
  gc();
  const heapPerSeries = (process.memoryUsage().heapUsed - heap0) / N;
  // Reference: src/core's SeriesPipeline alone, same window and samples.
  gc();
  const h1 = process.memoryUsage().heapUsed;
  const pipelines: SeriesPipeline[] = [];
  for (let i = 0; i < N; i++) {
    const p = new SeriesPipeline({ entropy: { window: 60 } });
    for (let k = 0; k < 60; k++) {
      p.push(k * 15_000, ((i + k * 3) % 17) / 17);
    }
    pipelines.push(p);
  }
  gc();
  const corePerSeries = (process.memoryUsage().heapUsed - h1) / pipelines.length;
  // Both stay reachable until both are measured, so one's collection cannot hide in the other's figure.
  const keep = state.size + pipelines.length - N;
  return {
    memoryHeapBytesPerSeriesW60: Math.round(heapPerSeries),
    referenceCorePipelineHeapBytesPerSeriesW60: Math.round(corePerSeries),
    memorySeriesMeasured: keep,
  };
}

/** Runs the engine benchmarks; figures are plain numbers keyed by what and unit. */
export async function benchEngine(): Promise<Record<string, number>> {
  return { ...remoteWriteThroughput(), ...renderBench(), ...memoryBench() };
}
