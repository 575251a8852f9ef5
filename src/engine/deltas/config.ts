/**
 * Config of the differential stream (issue 6): the edge's name, its `upstream` (the central it pushes to), the
 * `central` side that receives edges, and the `stream` that Grafana follows. Errors name the key path.
 */
import { hostname } from 'node:os';
import { DEFAULT_BASELINE_OPTIONS, resolveDeltaEncoderOptions } from '../../core';
import { httpUrlAt, SecretReader } from '../config-sources';
import { booleanAt, checkKeys, ConfigError, durationAt, mapAt, numberAt, show, sizeAt, stringAt } from '../fields';
import { wrap } from '../indicator-config';

/** Deadband, quantum and keyframe period of one encoder (see `DeltaEncoderOptions`). */
export interface EncoderConfig {
  deadband: number;
  quantum: number;
  keyframeEvery: number;
}

/** Where an edge pushes its frames. */
export interface UpstreamConfig {
  /** The central's `…/api/v1/deltas`. */
  url: string;
  /** `authorization` when a token is configured. */
  headers: Record<string, string>;
  /** Push at most this often (a multiple of evaluations: pushes follow evaluations). */
  intervalMs: number;
  timeoutMs: number;
  maxBackoffMs: number;
  encoder: EncoderConfig;
}

/** The receiving side of edges. */
export interface CentralConfig {
  /** Any of these bearer tokens is accepted; none configured: no auth. */
  tokens: string[];
  maxEdges: number;
  /** Series one edge may hold (the decoder's `maxSeries`). */
  maxSeriesPerEdge: number;
  /** Largest request body (the decoder's `maxFrameBytes`). */
  maxFrameBytes: number;
  /** An edge silent this long leaves `/metrics`, the profiles and the store. */
  stalenessMs: number;
  /** Floor of σ in the z the central derives from an edge's `Hn`, `μ` and `σ`. */
  sigmaMin: number;
  /** Evaluations of an edge host's aggregate the decision loop keeps (in memory) for its trend. */
  trendWindow: number;
}

/** `GET /api/v1/stream`. */
export interface StreamConfig {
  enabled: boolean;
  bearerToken: string | undefined;
  encoder: EncoderConfig;
  heartbeatMs: number;
  maxClients: number;
  /** A client whose unsent bytes exceed this is dropped (it reconnects and gets a keyframe). */
  maxBufferBytes: number;
}

/** Everything the differential stream needs. */
export interface DeltaConfig {
  /** This engine's name towards a central (the `edge` label there). */
  edge: string;
  upstream: UpstreamConfig | undefined;
  central: CentralConfig | undefined;
  stream: StreamConfig;
}

/** Top-level keys this section owns. */
export const DELTA_KEYS = ['edge', 'upstream', 'central', 'stream'];

/** An edge name: it becomes a label value and a log field, so keep it plain and short. */
export const EDGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const EDGE_NAME_RULE = '1 to 128 characters of A-Z a-z 0-9 _ . : - (starting with a letter or digit)';

/** What the section is resolved against: the rest of the engine's config. */
export interface DeltaContext {
  secret: SecretReader;
  intervalMs: number;
  stalenessMs: number;
  maxBackoffMs: number;
  /** The machine's name (the default edge name); tests pass their own. */
  hostname?: string;
}

function encoderAt(key: string, m: Record<string, unknown>): EncoderConfig {
  const { deadband, quantum, keyframeEvery } = wrap(() =>
    resolveDeltaEncoderOptions(
      { deadband: m.deadband, quantum: m.quantum, keyframeEvery: m.keyframeEvery } as Record<string, number>,
      `${key}.`
    )
  );
  return { deadband, quantum, keyframeEvery };
}

const ENCODER_KEYS = ['deadband', 'quantum', 'keyframeEvery'];

function parseUpstream(value: unknown, ctx: DeltaContext): UpstreamConfig | undefined {
  if (value === undefined) {
    return undefined;
  }
  const u = mapAt('upstream', value);
  checkKeys('upstream', u, ['url', 'token', 'interval', 'timeout', 'maxBackoff', ...ENCODER_KEYS]);
  const raw = httpUrlAt('upstream.url', u.url, 'http://central:9464');
  const base = raw.replace(/\/+$/, '');
  const headers: Record<string, string> = {};
  if (u.token !== undefined) {
    headers.authorization = `Bearer ${ctx.secret('upstream.token', u.token)}`;
  }
  return {
    url: base.endsWith('/api/v1/deltas') ? base : `${base}/api/v1/deltas`,
    headers,
    intervalMs: durationAt('upstream.interval', u.interval ?? `${ctx.intervalMs}ms`, ctx.intervalMs, 3_600_000),
    timeoutMs: durationAt('upstream.timeout', u.timeout ?? '10s', 100, 600_000),
    maxBackoffMs: durationAt('upstream.maxBackoff', u.maxBackoff ?? `${ctx.maxBackoffMs}ms`, 100, 3_600_000),
    encoder: encoderAt('upstream', u),
  };
}

function parseCentral(value: unknown, ctx: DeltaContext): CentralConfig | undefined {
  if (value === undefined) {
    return undefined;
  }
  const c = mapAt('central', value);
  checkKeys('central', c, [
    'tokens',
    'maxEdges',
    'maxSeriesPerEdge',
    'maxFrameBytes',
    'staleness',
    'sigmaMin',
    'trendWindow',
  ]);
  let tokens: string[] = [];
  if (c.tokens !== undefined) {
    if (!Array.isArray(c.tokens) || c.tokens.length === 0) {
      throw new ConfigError(
        'central.tokens',
        `central.tokens must be a non-empty list of secrets ({env: NAME} or {file: PATH}), got ${show(c.tokens)}`
      );
    }
    tokens = c.tokens.map((t, i) => ctx.secret(`central.tokens[${i}]`, t));
  }
  return {
    tokens,
    maxEdges: numberAt('central.maxEdges', c.maxEdges ?? 100, 1, 100_000, true),
    maxSeriesPerEdge: numberAt('central.maxSeriesPerEdge', c.maxSeriesPerEdge ?? 100_000, 1, 10_000_000, true),
    maxFrameBytes: sizeAt('central.maxFrameBytes', c.maxFrameBytes ?? '4MiB', 1024, 256 * 1024 ** 2),
    stalenessMs: durationAt(
      'central.staleness',
      c.staleness ?? `${ctx.stalenessMs}ms`,
      ctx.intervalMs,
      30 * 86_400_000
    ),
    sigmaMin: numberAt('central.sigmaMin', c.sigmaMin ?? DEFAULT_BASELINE_OPTIONS.sigmaMin, 1e-9, 1),
    trendWindow: numberAt('central.trendWindow', c.trendWindow ?? 10, 2, 10_000, true),
  };
}

function parseStream(value: unknown, ctx: DeltaContext): StreamConfig {
  const s = mapAt('stream', value);
  checkKeys('stream', s, ['enabled', 'bearerToken', 'heartbeat', 'maxClients', 'maxBufferBytes', ...ENCODER_KEYS]);
  return {
    enabled: s.enabled === undefined ? true : booleanAt('stream.enabled', s.enabled),
    bearerToken: s.bearerToken === undefined ? undefined : ctx.secret('stream.bearerToken', s.bearerToken),
    encoder: encoderAt('stream', s),
    heartbeatMs: durationAt('stream.heartbeat', s.heartbeat ?? '15s', 100, 3_600_000),
    maxClients: numberAt('stream.maxClients', s.maxClients ?? 100, 1, 100_000, true),
    maxBufferBytes: sizeAt('stream.maxBufferBytes', s.maxBufferBytes ?? '1MiB', 1024, 1024 ** 3),
  };
}

/** Validates the section of `doc` (the whole config map). */
export function parseDeltaConfig(doc: Record<string, unknown>, ctx: DeltaContext): DeltaConfig {
  const named = doc.edge !== undefined;
  const edge = named ? stringAt('edge', doc.edge) : (ctx.hostname ?? hostname());
  // An unusable host name matters only to an engine that pushes somewhere.
  if (!EDGE_NAME.test(edge) && (named || doc.upstream !== undefined)) {
    throw new ConfigError(
      'edge',
      named
        ? `edge must be ${EDGE_NAME_RULE}, got ${show(edge)}`
        : `edge: the host name ${show(edge)} cannot be an edge name (${EDGE_NAME_RULE}); set edge`
    );
  }
  return {
    edge,
    upstream: parseUpstream(doc.upstream, ctx),
    central: parseCentral(doc.central, ctx),
    stream: parseStream(doc.stream, ctx),
  };
}
