/**
 * What a central shows of its edges: `/metrics` samples under the local series' names plus an `edge` label,
 * `/api/v1/profiles?edge=` JSON, `/api/v1/edges` status, and per-edge gauges. All read {@link remoteIndicator},
 * so they agree with each other and with the decision loop's view.
 */
import { seriesKey } from '../../core';
import type { ExpositionWriter } from '../exposition';
import { escapeLabel } from '../series';
import type { Metric } from '../telemetry';
import type { CentralReceiver, EdgeEntry } from './central';
import { edgeHosts, RemoteIndicator, remoteIndicator } from './remote-hosts';

/** The local series families an edge series also appears in, and the value each takes. */
const FAMILIES: Record<string, (r: RemoteIndicator) => number | undefined> = {
  health_entropy: (r) => r.entropy,
  health_entropy_baseline: (r) => r.baseline,
  health_entropy_deviation: (r) => r.deviation,
  health_entropy_z: (r) => r.z,
};

function labelsOf(e: EdgeEntry, host: string, indicator: string): string {
  const key = seriesKey(host, indicator);
  let l = e.labels.get(key);
  if (l === undefined) {
    l = `{edge="${escapeLabel(e.name)}",host="${escapeLabel(host)}",indicator="${escapeLabel(indicator)}"}`;
    e.labels.set(key, l);
  }
  return l;
}

/**
 * Appends the edge samples of one series family right after the local ones (a family's samples must be
 * contiguous in the text format). Families without an edge counterpart (bits, trend) get nothing.
 */
export function renderEdgeFamily(central: CentralReceiver, family: string, out: ExpositionWriter): void {
  const value = FAMILIES[family];
  if (!value) {
    return;
  }
  const sigmaMin = central.config.sigmaMin;
  for (const e of central.edges.values()) {
    for (const [host, m] of e.profile) {
      for (const [indicator, v] of m) {
        const x = value(remoteIndicator(v, sigmaMin));
        if (x !== undefined && Number.isFinite(x)) {
          out.sample(family, labelsOf(e, host, indicator), x);
        }
      }
    }
  }
}

const num = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/** One edge's status, for `/api/v1/edges` and the profiles. */
export function edgeStatus(e: EdgeEntry) {
  return {
    edge: e.name,
    synced: e.synced,
    restored: e.restored,
    epoch: e.epoch ?? null,
    seq: e.decoder.seq >= 0 ? e.decoder.seq : null,
    keyframes: e.keyframes,
    hosts: e.profile.size,
    series: e.seriesCount,
    updatedAtMs: num(e.lastAppliedMs),
    lastSeenMs: e.lastSeenMs,
  };
}

/** One edge's profile as JSON; `host` narrows it (undefined when that host is not there). */
export function edgeProfileJson(central: CentralReceiver, e: EdgeEntry, host?: string) {
  const hosts = edgeHosts(e, central.config.sigmaMin)
    .filter((h) => host === undefined || h.host === host)
    .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))
    .map((h) => {
      const indicators: Record<string, Record<string, number | null>> = {};
      for (const [name, r] of h.indicators) {
        indicators[name] = {
          entropy: r.entropy,
          baseline: num(r.baseline),
          std: num(r.std),
          deviation: num(r.deviation),
          z: num(r.z),
        };
      }
      return { host: h.host, indicators };
    });
  return { ...edgeStatus(e), hosts };
}

/** The answer of `/api/v1/profiles?edge=E[&host=H]`. */
export function edgeProfilesReply(
  central: CentralReceiver,
  edge: unknown,
  host: unknown
): { status: number; body: Record<string, unknown> } {
  if (typeof edge !== 'string' || edge === '' || (host !== undefined && (typeof host !== 'string' || host === ''))) {
    return { status: 400, body: { error: 'edge (and host, if given) must be given once, as a non-empty string' } };
  }
  const e = central.edges.get(edge);
  if (!e) {
    return {
      status: 404,
      body: { error: `no edge ${JSON.stringify(edge.slice(0, 200))} (edges appear with their first keyframe)` },
    };
  }
  const json = edgeProfileJson(central, e, host as string | undefined);
  if (host !== undefined && json.hosts.length === 0) {
    return {
      status: 404,
      body: { error: `edge ${edge} has no host ${JSON.stringify((host as string).slice(0, 200))}` },
    };
  }
  return { status: 200, body: { edges: [json] } };
}

/** Every edge's profile, sorted by name. */
export function allEdgeProfiles(central: CentralReceiver) {
  return [...central.edges.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => edgeProfileJson(central, e));
}

/** Per-edge gauges, rendered from the live entries (an edge that went stale simply disappears). */
export class EdgeGauges implements Metric {
  constructor(private readonly central: CentralReceiver) {}

  render(out: string[]): void {
    const edges = [...this.central.edges.values()];
    out.push('# HELP health_entropy_edges Edges this central holds.\n# TYPE health_entropy_edges gauge\n');
    out.push(`health_entropy_edges ${edges.length}\n`);
    const family = (name: string, help: string, value: (e: EdgeEntry) => number | undefined) => {
      out.push(`# HELP ${name} ${help}\n# TYPE ${name} gauge\n`);
      for (const e of edges) {
        const v = value(e);
        if (v !== undefined) {
          out.push(`${name}{edge="${escapeLabel(e.name)}"} ${v}\n`);
        }
      }
    };
    family(
      'health_entropy_edge_synced',
      '1 while the edge is in sync, 0 while the central waits for its keyframe.',
      (e) => (e.synced ? 1 : 0)
    );
    family('health_entropy_edge_series', 'Series rebuilt for the edge.', (e) => e.seriesCount);
    family(
      'health_entropy_edge_keyframes',
      'Keyframes taken from the edge since this central process began holding it.',
      (e) => e.keyframes
    );
    family(
      'health_entropy_edge_last_frame_timestamp_seconds',
      'When the central last applied a frame of the edge.',
      (e) => (e.lastAppliedMs === undefined ? undefined : e.lastAppliedMs / 1000)
    );
  }
}
