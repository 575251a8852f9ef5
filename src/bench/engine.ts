/**
 * Engine benchmarks (issue 4): remote-write decode + update throughput with 10,000 series, `/metrics`
 * rendering for 100,000 host × indicator series, and memory per series at W = 60. Each comes with a simple
 * reference measured in the same run, so a figure can be read against the machine it ran on.
 *
 * Run: `npm run build:node && node --expose-gc -e "require('./lib/bench/engine').benchEngine().then(r => console.log(JSON.stringify(r, null, 1)))"`
 */
import { SeriesPipeline } from '../core';
import { ExpositionWriter, renderState } from '../engine/exposition';
import { encodeWriteRequest, EncodeSeries, snappy } from '../engine/remote-write/encoder';
import { decodeWriteRequest } from '../engine/remote-write/protobuf';
import { RemoteWriteReceiver } from '../engine/remote-write/receiver';
import { Telemetry } from '../engine/telemetry';
import { uncompress } from 'snappyjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../engine/store';
import { medianWallCpu, timeOnce, WallCpu } from './cputime';
import { fill, memoryBench, newState } from './engine-memory';

const HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };

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

/** Rates from a median run: samples per wall-clock second and per CPU second. */
function rates(samples: number, t: WallCpu): { wall: number; cpu: number } {
  return { wall: Math.round((samples / t.wallMs) * 1000), cpu: Math.round((samples / t.cpuMs) * 1000) };
}

function remoteWriteThroughput(): Record<string, number> {
  const SERIES = 10_000;
  const PER = 10;
  const WARM = 6;
  const PER_ROUND = 3;
  const ROUNDS = 5;
  const bodies = requests(SERIES, PER, WARM + PER_ROUND * ROUNDS);
  const state = newState(1, 1_000_000);
  const receiver = new RemoteWriteReceiver(state, new Telemetry(), {
    maxDecompressedBytes: 1 << 30,
    bearerToken: undefined,
  });
  // Warm-up: creates the series and fills their windows (60 samples), so the timed part is steady state.
  for (const body of bodies.slice(0, WARM)) {
    receiver.handle(body, HEADERS);
  }
  const round = (r: number) => bodies.slice(WARM + r * PER_ROUND, WARM + (r + 1) * PER_ROUND);
  const perRound = PER_ROUND * SERIES * PER;
  const full = rates(
    perRound,
    medianWallCpu(
      (r) => {
        for (const body of round(r)) {
          const res = receiver.handle(body, HEADERS);
          if (res.status !== 204) {
            throw new Error(`bench request refused: ${res.error}`);
          }
        }
      },
      ROUNDS,
      0
    )
  );
  if (state.size !== SERIES) {
    throw new Error(`bench expected ${SERIES} series, the state has ${state.size}`);
  }

  // Reference 1: decompress + decode only (the transport's share), over the same bodies.
  let decoded = 0;
  const decode = rates(
    perRound,
    medianWallCpu(
      (r) => {
        for (const body of round(r)) {
          decodeWriteRequest(uncompress(body), { series: () => undefined, sample: () => void decoded++ });
        }
      },
      ROUNDS,
      0
    )
  );
  if (decoded !== perRound * ROUNDS) {
    throw new Error(`bench decoded ${decoded} samples, expected ${perRound * ROUNDS}`);
  }
  // Reference 2: src/core alone, the same number of samples through SeriesPipeline.
  const pipelines = Array.from({ length: SERIES }, () => new SeriesPipeline({ entropy: { window: 60 } }));
  let t = 0;
  for (let k = 0; k < 60; k++, t += 15_000) {
    pipelines.forEach((p, s) => p.push(t, ((s + k) % 13) / 13));
  }
  const core = rates(
    perRound,
    medianWallCpu(() => {
      for (let k = 0; k < PER_ROUND * PER; k++, t += 15_000) {
        for (let s = 0; s < SERIES; s++) {
          pipelines[s].push(t, ((s * 7 + k) % 13) / 13);
        }
      }
    }, ROUNDS)
  );
  return {
    remoteWriteSamplesPerCpuSecond: full.cpu,
    remoteWriteSamplesPerSecond: full.wall,
    remoteWriteBytesPerSample: Math.round(round(0).reduce((a, b) => a + b.length, 0) / perRound),
    referenceDecodeOnlySamplesPerCpuSecond: decode.cpu,
    referenceDecodeOnlySamplesPerSecond: decode.wall,
    referenceCorePipelineSamplesPerCpuSecond: core.cpu,
    referenceCorePipelineSamplesPerSecond: core.wall,
  };
}

function renderBench(): Record<string, number> {
  const state = newState(10, 200_000);
  fill(state, 10_000, 70); // 100,000 series, windows full, baselines warming
  let bytes = 0;
  // As the server does: render, take the bytes, release the buffer once sent (the next render reuses it).
  const renderOnce = () => {
    const out = new ExpositionWriter();
    renderState(state, out);
    bytes = out.bytes().length;
    out.release();
  };
  // The first render after start grows its buffer (about 80 MB allocated outside the heap in all).
  const cold = timeOnce(renderOnce);
  const render = medianWallCpu(renderOnce, 5, 0);
  // Reference: the naive way (escape labels and format every line anew, one array element per line).
  const naive = medianWallCpu(
    () => {
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
    },
    3,
    0
  );
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
    metricsRenderCpuMs100kSeries: Math.round(render.cpuMs),
    metricsRenderMs100kSeries: Math.round(render.wallMs),
    metricsFirstRenderCpuMs100kSeries: Math.round(cold.cpuMs),
    metricsFirstRenderMs100kSeries: Math.round(cold.wallMs),
    metricsRenderBytes100kSeries: bytes,
    referenceNaiveRenderCpuMs100kSeries: Math.round(naive.cpuMs),
    referenceNaiveRenderMs100kSeries: Math.round(naive.wallMs),
  };
}

/** Runs the engine benchmarks; figures are plain numbers keyed by what and unit. */
export async function benchEngine(): Promise<Record<string, number>> {
  return { ...remoteWriteThroughput(), ...renderBench(), ...memoryBench() };
}
