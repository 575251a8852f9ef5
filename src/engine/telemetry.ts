/**
 * The engine's own metrics (samples ingested and skipped, durations, store writes): a deliberately tiny
 * counter/gauge/histogram set rendered in the Prometheus text format, to avoid a dependency for ten series.
 */

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k].replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function formatValue(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
}

/** Anything that renders itself in the text format. */
export interface Metric {
  render(out: string[]): void;
}

/** A monotonically increasing count per label set. */
export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`);
    for (const [k, v] of this.values) {
      out.push(`${this.name}${k} ${formatValue(v)}\n`);
    }
  }
}

/** A value per label set, set directly or read from a callback at render time. */
export class Gauge implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect?: (g: Gauge) => void
  ) {}
  set(labels: Labels, value: number): void {
    this.values.set(labelKey(labels), value);
  }
  get(labels: Labels = {}): number | undefined {
    return this.values.get(labelKey(labels));
  }
  render(out: string[]): void {
    this.collect?.(this);
    out.push(`# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`);
    for (const [k, v] of this.values) {
      out.push(`${this.name}${k} ${formatValue(v)}\n`);
    }
  }
}

const DEFAULT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Durations in seconds, cumulative buckets as Prometheus expects. */
export class Histogram implements Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[] = DEFAULT_BUCKETS
  ) {}
  observe(labels: Labels, seconds: number): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { labels, counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) {
      if (seconds <= this.buckets[i]) {
        s.counts[i]++;
      }
    }
    s.sum += seconds;
    s.count++;
  }
  count(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.count ?? 0;
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`);
    for (const [k, s] of this.series) {
      for (let i = 0; i < this.buckets.length; i++) {
        out.push(`${this.name}_bucket${labelKey({ ...s.labels, le: String(this.buckets[i]) })} ${s.counts[i]}\n`);
      }
      out.push(`${this.name}_bucket${labelKey({ ...s.labels, le: '+Inf' })} ${s.count}\n`);
      out.push(`${this.name}_sum${k} ${formatValue(s.sum)}\n${this.name}_count${k} ${s.count}\n`);
    }
  }
}

/** Every engine metric, in one place so that names and help texts are reviewed together. */
export class Telemetry {
  readonly ingested = new Counter(
    'health_entropy_samples_ingested_total',
    'Samples admitted into a window, by source.'
  );
  readonly skipped = new Counter(
    'health_entropy_samples_skipped_total',
    'Samples not used, by source and reason (invalid, duplicate, out_of_order, stale_marker, unmatched, no_host_label, series_limit, too_far_in_future).'
  );
  readonly sourceUp = new Gauge('health_entropy_source_up', '1 when the last poll of the indicator succeeded, else 0.');
  readonly pollDuration = new Histogram(
    'health_entropy_poll_duration_seconds',
    'Duration of one poll of one indicator, by result.'
  );
  readonly requestDuration = new Histogram(
    'health_entropy_http_request_duration_seconds',
    'HTTP request duration, by route and status code.'
  );
  readonly remoteWriteRequests = new Counter(
    'health_entropy_remote_write_requests_total',
    'Remote-write requests, by status code.'
  );
  readonly storeWrites = new Counter(
    'health_entropy_store_writes_total',
    'Store snapshots written, by result (ok, error).'
  );
  readonly storeDuration = new Histogram(
    'health_entropy_store_write_duration_seconds',
    'Duration of one store snapshot.'
  );
  readonly lastPersist = new Gauge(
    'health_entropy_store_last_success_timestamp_seconds',
    'Time of the last successful store snapshot.'
  );
  readonly evaluations = new Counter('health_entropy_evaluations_total', 'Host evaluations run (one per interval).');
  readonly renderDuration = new Gauge(
    'health_entropy_metrics_render_seconds',
    'Duration of the previous /metrics rendering.'
  );
  private readonly extra: Metric[] = [];

  /** Adds a metric owned by a feature module (alerts, allocation, the delta stream), rendered after the built-in ones; returns it. */
  register<M extends Metric>(metric: M): M {
    this.extra.push(metric);
    return metric;
  }

  /** Adds a gauge read at render time (series counts, process memory). */
  addGauge(name: string, help: string, collect: (g: Gauge) => void): void {
    this.extra.push(new Gauge(name, help, collect));
  }

  render(out: string[]): void {
    for (const m of [
      this.ingested,
      this.skipped,
      this.sourceUp,
      this.pollDuration,
      this.requestDuration,
      this.remoteWriteRequests,
      this.storeWrites,
      this.storeDuration,
      this.lastPersist,
      this.evaluations,
      this.renderDuration,
      ...this.extra,
    ]) {
      m.render(out);
    }
  }
}
