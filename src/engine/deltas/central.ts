/**
 * The central side of edge → central (`POST /api/v1/deltas`), transport-free: auth, content type, the edge's
 * name, one {@link DeltaDecoder} per edge, and the profiles rebuilt from them. An edge's frames touch only its
 * own decoder and profile, so a hostile or broken edge cannot disturb the others, and a frame is checked whole
 * before any of it applies (the decoder's rule).
 *
 * Response contract (always JSON):
 * - 200 `{status: 'applied'|'duplicate'|'stale', seq, needKeyframe}`: taken (or already had); when
 *   `needKeyframe` is true the edge should send a keyframe next.
 * - 409 `{error, status: 'gap'|'waiting', seq, needKeyframe: true}`: a delta frame this side has no base for
 *   (a frame was lost, the edge restarted, or this central restarted): send a keyframe now.
 * - 400 `{error, needKeyframe}` for a malformed frame or edge name; 401 wrong token; 415 wrong content type;
 *   413 body over `central.maxFrameBytes`; 429 `central.maxEdges` reached (with `retry-after`).
 */
import { timingSafeEqual } from 'node:crypto';
import { DeltaDecoder, peekBinary, Profile } from '../../core';
import type { EdgeSeriesRow } from '../store';
import { CentralConfig, EDGE_NAME } from './config';
import type { DeltaTelemetry } from './telemetry';

/** The content type of binary frames. */
export const DELTA_CONTENT_TYPE = 'application/vnd.healthentropy.delta';
/** The request header that names the sending edge. */
export const EDGE_HEADER = 'x-health-entropy-edge';

/** What a route sends back. */
export interface DeltaReply {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/** One edge as the central holds it. */
export class EdgeEntry {
  readonly decoder: DeltaDecoder;
  /** The rebuilt profile (the store's, after a restart, until the edge's next keyframe). */
  profile: Profile = new Map();
  /** Wall clock of the last frame from this edge (any status), or of the restore: its staleness clock. */
  lastSeenMs: number;
  /** Wall clock of the last applied frame. */
  lastAppliedMs: number | undefined;
  /** The profile came from the store and no keyframe arrived since. */
  restored = false;
  epoch: number | undefined;
  keyframes = 0;
  /** Rendered `{edge="…",host="…",indicator="…"}` per series, built on first render. */
  readonly labels = new Map<string, string>();

  constructor(
    readonly name: string,
    decoder: DeltaDecoder,
    nowMs: number
  ) {
    this.decoder = decoder;
    this.lastSeenMs = nowMs;
  }

  /** The decoder holds a keyframe and no frame was missed since. */
  get synced(): boolean {
    return !this.decoder.needKeyframe;
  }

  get seriesCount(): number {
    let n = 0;
    for (const m of this.profile.values()) {
      n += m.size;
    }
    return n;
  }
}

/** Receives edges' frames and holds what they rebuild. */
export class CentralReceiver {
  private readonly entries = new Map<string, EdgeEntry>();
  private readonly tokens: Buffer[];

  constructor(
    readonly config: CentralConfig,
    private readonly telemetry: DeltaTelemetry,
    private readonly now: () => number = Date.now
  ) {
    this.tokens = config.tokens.map((t) => Buffer.from(`Bearer ${t}`));
  }

  /** Every edge held, by name. */
  get edges(): ReadonlyMap<string, EdgeEntry> {
    return this.entries;
  }

  private newDecoder(): DeltaDecoder {
    return new DeltaDecoder({ maxFrameBytes: this.config.maxFrameBytes, maxSeries: this.config.maxSeriesPerEdge });
  }

  private authorized(headers: Headers): boolean {
    if (this.tokens.length === 0) {
      return true;
    }
    const given = Buffer.from(header(headers, 'authorization'));
    // Every token is compared (no early exit), in constant time per token.
    let ok = false;
    for (const t of this.tokens) {
      ok = (given.length === t.length && timingSafeEqual(given, t)) || ok;
    }
    return ok;
  }

  /** Handles one request (body as received). Never throws. */
  handle(headers: Headers, body: Buffer): DeltaReply {
    const refuse = (status: number, reason: string, error: string, extra: Record<string, unknown> = {}) => {
      this.telemetry.received.inc({ status: reason });
      return { status, body: { error, ...extra } };
    };
    if (!this.authorized(headers)) {
      return refuse(401, 'unauthorized', 'missing or wrong bearer token (central.tokens is configured)');
    }
    const type = header(headers, 'content-type').split(';')[0].trim().toLowerCase();
    if (type !== DELTA_CONTENT_TYPE) {
      return refuse(
        415,
        'unsupported_type',
        `content-type must be ${DELTA_CONTENT_TYPE}, got ${JSON.stringify(type.slice(0, 100))}`
      );
    }
    const name = header(headers, EDGE_HEADER);
    if (!EDGE_NAME.test(name)) {
      return refuse(
        400,
        'bad_edge',
        `header ${EDGE_HEADER} must name the edge (1 to 128 characters of A-Z a-z 0-9 _ . : -), got ${JSON.stringify(name.slice(0, 100))}`
      );
    }
    if (body.length === 0) {
      return refuse(400, 'error', 'empty body: expected one binary delta frame', { needKeyframe: true });
    }
    const now = this.now();
    let edge = this.entries.get(name);
    if (!edge && this.entries.size >= this.config.maxEdges) {
      this.telemetry.received.inc({ status: 'too_many_edges' });
      return {
        status: 429,
        body: {
          error: `this central already holds central.maxEdges (${this.config.maxEdges}) edges; ${name} is refused until one goes stale`,
        },
        headers: { 'retry-after': '60' },
      };
    }
    // A new edge is kept only once a frame applies, so refused requests cannot fill maxEdges.
    const decoder = edge?.decoder ?? this.newDecoder();
    const r = decoder.receive(body);
    this.telemetry.received.inc({ status: r.status });
    if (edge) {
      edge.lastSeenMs = now;
    }
    switch (r.status) {
      case 'applied': {
        if (!edge) {
          edge = new EdgeEntry(name, decoder, now);
          this.entries.set(name, edge);
        }
        edge.profile = decoder.profile();
        edge.lastAppliedMs = now;
        if (r.keyframe) {
          edge.keyframes++;
          edge.restored = false;
          edge.epoch = peekBinary(body).epoch;
          edge.labels.clear();
        }
        return { status: 200, body: { status: r.status, seq: r.seq, needKeyframe: false } };
      }
      case 'duplicate':
      case 'stale':
        return { status: 200, body: { status: r.status, seq: r.seq, needKeyframe: decoder.needKeyframe } };
      case 'gap':
      case 'waiting':
        return {
          status: 409,
          body: {
            error: `frame ${r.seq} is a delta, but this central has no base for it (${r.status === 'gap' ? 'a frame was missed or the edge restarted' : 'no keyframe since this central started or lost sync'}); send a keyframe`,
            status: r.status,
            seq: r.seq,
            needKeyframe: true,
          },
        };
      default:
        return { status: 400, body: { error: `frame refused: ${r.error}`, needKeyframe: decoder.needKeyframe } };
    }
  }

  /** Drops edges silent for `central.staleness`; called once per evaluation. */
  evaluate(nowMs: number): string[] {
    const gone: string[] = [];
    for (const [name, e] of this.entries) {
      if (nowMs - e.lastSeenMs > this.config.stalenessMs) {
        this.entries.delete(name);
        gone.push(name);
      }
    }
    return gone;
  }

  /** Rows for the store: every series of every edge. */
  snapshot(): EdgeSeriesRow[] {
    const rows: EdgeSeriesRow[] = [];
    for (const e of this.entries.values()) {
      const updatedMs = e.lastAppliedMs ?? e.lastSeenMs;
      for (const [host, m] of e.profile) {
        for (const [indicator, v] of m) {
          rows.push({ edge: e.name, host, indicator, hn: v.hn, mean: v.mean, std: v.std, updatedMs });
        }
      }
    }
    return rows;
  }

  /**
   * Restores stored profiles: exported as they were until each edge's next keyframe replaces them. Their
   * staleness clock starts at `nowMs`, as restored local series' does. Beyond `maxEdges`, the most recently
   * updated edges are kept.
   */
  restore(rows: EdgeSeriesRow[], nowMs: number): { edges: number; series: number; dropped: number } {
    const byEdge = new Map<string, EdgeSeriesRow[]>();
    for (const r of rows) {
      if (EDGE_NAME.test(r.edge)) {
        byEdge.set(r.edge, [...(byEdge.get(r.edge) ?? []), r]);
      }
    }
    const newest = (rs: EdgeSeriesRow[]) => Math.max(...rs.map((r) => r.updatedMs));
    const order = [...byEdge.entries()].sort((a, b) => newest(b[1]) - newest(a[1]));
    let series = 0;
    let dropped = rows.length;
    for (const [name, rs] of order.slice(0, Math.max(0, this.config.maxEdges - this.entries.size))) {
      const e = new EdgeEntry(name, this.newDecoder(), nowMs);
      e.restored = true;
      e.lastAppliedMs = newest(rs);
      for (const r of rs.slice(0, this.config.maxSeriesPerEdge)) {
        let m = e.profile.get(r.host);
        if (!m) {
          m = new Map();
          e.profile.set(r.host, m);
        }
        m.set(r.indicator, r.mean === undefined ? { hn: r.hn } : { hn: r.hn, mean: r.mean, std: r.std });
        series++;
      }
      this.entries.set(name, e);
    }
    dropped -= series;
    return { edges: this.entries.size, series, dropped };
  }
}
