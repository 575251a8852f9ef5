/**
 * The differential stream's own metrics (the engine's section of `/metrics`), registered on the engine's
 * {@link Telemetry} so names and help texts stay reviewable in one list per feature.
 */
import { Counter, Gauge, Telemetry } from '../telemetry';

/** Counters and gauges of the central, the upstream pusher and the live stream. */
export class DeltaTelemetry {
  readonly received: Counter;
  readonly pushes: Counter;
  readonly pushBytes: Counter;
  readonly upstreamUp: Gauge;
  readonly upstreamLastSuccess: Gauge;
  readonly streamEvents: Counter;
  readonly streamBytes: Counter;
  readonly streamDropped: Counter;
  readonly unsendable: Gauge;

  constructor(telemetry: Telemetry) {
    const counter = (name: string, help: string) => telemetry.register(new Counter(name, help));
    const gauge = (name: string, help: string) => telemetry.register(new Gauge(name, help));
    this.received = counter(
      'health_entropy_deltas_received_total',
      'Delta frames a central received, by status (applied, duplicate, stale, gap, waiting, error, unauthorized, unsupported_type, bad_edge, too_many_edges).'
    );
    this.pushes = counter(
      'health_entropy_upstream_pushes_total',
      'Frames an edge pushed to its central, by result (applied, duplicate, stale, keyframe_requested, refused, failed) and kind (keyframe, delta).'
    );
    this.pushBytes = counter(
      'health_entropy_upstream_bytes_total',
      'Bytes of frames an edge pushed (bodies, without HTTP headers).'
    );
    this.upstreamUp = gauge('health_entropy_upstream_up', '1 when the last push to the central was taken, else 0.');
    this.upstreamLastSuccess = gauge(
      'health_entropy_upstream_last_success_timestamp_seconds',
      'Time of the last push the central took.'
    );
    this.streamEvents = counter(
      'health_entropy_stream_events_total',
      'Frames written to live-stream clients, by kind (keyframe, delta).'
    );
    this.streamBytes = counter(
      'health_entropy_stream_bytes_total',
      'Bytes written to live-stream clients (events and heartbeats).'
    );
    this.streamDropped = counter(
      'health_entropy_stream_dropped_total',
      'Live-stream clients the engine disconnected, by reason (slow: unsent bytes over stream.maxBufferBytes; shutdown).'
    );
    this.unsendable = gauge(
      'health_entropy_deltas_unsendable_series',
      'Series left out of frames because their host name cannot travel in one (over 256 UTF-8 bytes, or not well-formed Unicode).'
    );
  }
}
