/**
 * `/metrics` for the entropy state, in the Prometheus text format (0.0.4).
 *
 * Rendering is the engine's hottest read path (100,000 series must render in well under a scrape timeout):
 * lines are written as bytes into preallocated chunks (see `exposition-writer.ts`), names and labels are
 * encoded once, and numbers are formatted without making strings.
 */
import { ExpositionWriter, utf8 } from './exposition-writer';
import { EngineSeries } from './series';
import { EngineHost, EngineState, HostPoint } from './state';

export { ExpositionWriter, formatSample } from './exposition-writer';

interface Family {
  name: string;
  help: string;
}

const SERIES_FAMILIES: Family[] = [
  { name: 'health_entropy', help: 'Normalized entropy Hn in [0, 1] of the indicator window, per host and indicator.' },
  { name: 'health_entropy_bits', help: 'Entropy of the indicator window in bits.' },
  {
    name: 'health_entropy_baseline',
    help: 'Learned normal Hn (exponentially weighted mean) the last value was judged against.',
  },
  { name: 'health_entropy_deviation', help: 'Hn minus its baseline (absent during the baseline warm-up).' },
  { name: 'health_entropy_z', help: 'Deviation divided by max(baseline std, sigmaMin).' },
  { name: 'health_entropy_trend', help: 'Least-squares slope of Hn per second over the last trendWindow evaluations.' },
];
const DETECTOR_FAMILIES: Family[] = [
  { name: 'health_entropy_surprisal', help: 'Second detector statistic of the last sample (e.g. surprisal in nats).' },
  { name: 'health_entropy_anomaly_score', help: 'Second detector anomaly score in [0, 1].' },
];
const HOST_FAMILIES: Family[] = [
  { name: 'health_entropy_host', help: 'Weighted mean of the host indicators Hn.' },
  { name: 'health_entropy_host_max', help: 'Largest Hn among the host indicators.' },
  { name: 'health_entropy_host_baseline', help: 'Learned normal of health_entropy_host.' },
  { name: 'health_entropy_host_deviation', help: 'health_entropy_host minus its baseline.' },
  { name: 'health_entropy_host_z', help: 'Host deviation divided by max(std, sigmaMin).' },
];

function header(f: Family): string {
  return `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} gauge\n`;
}

type SeriesValue = (s: EngineSeries) => number;
type HostValue = (h: HostPoint) => number;

const SERIES_VALUES: SeriesValue[] = [
  (s) => s.entropy,
  (s) => (s.entropy === s.entropy ? s.pipeline.estimator.bits : NaN),
  (s) => s.current?.baseline ?? NaN,
  (s) => s.current?.deviation ?? NaN,
  (s) => s.current?.z ?? NaN,
  (s) => s.current?.trend ?? NaN,
];
const DETECTOR_VALUES: SeriesValue[] = [
  (s) => s.current?.detector?.statistic ?? NaN,
  (s) => s.current?.detector?.score ?? NaN,
];
const HOST_VALUES: HostValue[] = [
  (h) => h.score,
  (h) => h.max,
  (h) => h.baseline.mean,
  (h) => h.baseline.deviation,
  (h) => h.baseline.z,
];

const names = new Map<string, Uint8Array>();
const suffixes = new Map<string, Uint8Array>();

/** Cached UTF-8 bytes of `s`, or of `wrap(s)` (a handful per process: family and indicator names). */
function cachedBytes(cache: Map<string, Uint8Array>, s: string, wrap = (x: string) => x): Uint8Array {
  let b = cache.get(s);
  if (b === undefined) {
    b = utf8(wrap(s));
    cache.set(s, b);
  }
  return b;
}

const indicatorLabel = (name: string) => `,indicator="${name}"}`;

/**
 * Scratch kept between renders (rendering is synchronous, so one set serves every call): allocating these
 * outside the heap on every scrape would add to what pushes V8 into a full collection (see `spare` in
 * `exposition-writer.ts`).
 */
let table = new Float64Array(0);
let labelEnd = new Int32Array(0);
let arena = Buffer.alloc(0);

function scratch(values: number, series: number, arenaBytes: number): void {
  if (table.length < values) {
    table = new Float64Array(Math.ceil(values * 1.25));
  }
  if (labelEnd.length < series) {
    labelEnd = new Int32Array(Math.ceil(series * 1.25));
  }
  if (arena.length < arenaBytes) {
    arena = Buffer.allocUnsafe(Math.ceil(arenaBytes * 1.25));
  }
}

/** Bytes a number takes in most lines (`0.123456789012`), for the size estimate only. */
const TYPICAL_NUMBER = 15;

/**
 * Appends the entropy metric families of `state` (one family at a time, as the format requires).
 *
 * Each series' labels are written once per render into one arena, from its host's `{host="…"}` (encoded once
 * per host, not kept per series) and its indicator's `,indicator="…"}` (once per process): the same bytes as
 * `series.labels`. A line is then the family name, one copy from the arena, and the number. Values are read
 * in one pass over the series. `extra` appends more samples of a series family right after the local ones
 * (a central's edge series).
 */
export function renderState(
  state: EngineState,
  out: ExpositionWriter,
  extra?: (family: string, out: ExpositionWriter) => void
): void {
  const series: EngineSeries[] = [];
  const owners: EngineHost[] = [];
  const hosts: EngineHost[] = [];
  let detectors = false;
  let arenaSize = 0;
  for (const host of state.hosts.values()) {
    if (host.last !== undefined) {
      hosts.push(host);
    }
    for (const s of host.series.list()) {
      if (!s.ended) {
        series.push(s);
        owners.push(host);
        detectors ||= s.indicator.detector !== undefined;
        arenaSize += host.labels.length * 3 + s.indicator.name.length * 3 + 14;
      }
    }
  }
  const families = detectors ? [...SERIES_FAMILIES, ...DETECTOR_FAMILIES] : SERIES_FAMILIES;
  const values = detectors ? [...SERIES_VALUES, ...DETECTOR_VALUES] : SERIES_VALUES;
  const n = series.length;
  scratch(n * families.length, n, arenaSize);
  let end = 0;
  let longest = 0;
  let hostStart = 0;
  let hostEnd = 0;
  for (let i = 0; i < n; i++) {
    const s = series[i];
    const start = end;
    if (i === 0 || owners[i] !== owners[i - 1]) {
      // Series come host by host: encode `{host="…"}` once, and keep all but its `}` for the next series.
      hostStart = start;
      hostEnd = start + arena.write(owners[i].labels, start, 'utf8') - 1;
      end = hostEnd;
    } else {
      end += arena.copy(arena, end, hostStart, hostEnd);
    }
    const suffix = cachedBytes(suffixes, s.indicator.name, indicatorLabel);
    for (let k = 0; k < suffix.length; k++) {
      arena[end++] = suffix[k];
    }
    labelEnd[i] = end;
    longest = Math.max(longest, end - start);
    for (let f = 0; f < families.length; f++) {
      table[f * n + i] = values[f](s);
    }
  }
  let estimate = 0;
  for (const f of families) {
    estimate += f.name.length * n + (TYPICAL_NUMBER + 2) * n + end + header(f).length;
  }
  out.reserve(estimate);
  for (let f = 0; f < families.length; f++) {
    const name = cachedBytes(names, families[f].name);
    // Name, labels, a space, at most 32 bytes of number, a newline.
    const lineMax = name.length + longest + 34;
    out.text(header(families[f]));
    for (let i = 0, k = f * n; i < n; i++, k++) {
      const v = table[k];
      // Undefined values are left out rather than exported as NaN, which alert rules would have to filter.
      if (v === v) {
        out.reserve(lineMax);
        out.bytesOf(name);
        out.bytesRange(arena, i === 0 ? 0 : labelEnd[i - 1], labelEnd[i]);
        out.byte(0x20);
        out.number(v);
        out.byte(0x0a);
      }
    }
    extra?.(families[f].name, out);
  }
  for (let f = 0; f < HOST_FAMILIES.length; f++) {
    const { name } = HOST_FAMILIES[f];
    out.text(header(HOST_FAMILIES[f]));
    for (const h of hosts) {
      const v = HOST_VALUES[f](h.last as HostPoint);
      if (v === v) {
        out.sample(name, h.labels, v);
      }
    }
  }
}
