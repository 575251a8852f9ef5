/**
 * The seam between a central's rebuilt edge profiles and whatever treats hosts alike wherever they were
 * measured (the decision loop, `/metrics`, `/api/v1/profiles`): one derivation of deviation and z from an
 * edge's `Hn`, `μ` and `σ`, so every view of an edge host shows the same numbers.
 *
 * Each rebuilt number is within `ε + q/2` of the edge's (`upstream.deadband`, `upstream.quantum`); deviation
 * is therefore within `2ε + q`, and z is derived with the central's `sigmaMin`.
 */
import { SeriesValue } from '../../core';
import type { CentralReceiver, EdgeEntry } from './central';

/** One indicator of an edge host. */
export interface RemoteIndicator {
  /** `Hn` as rebuilt. */
  entropy: number;
  /** The edge's baseline `μ` and `σ`, absent while its warm-up lasts. */
  baseline?: number;
  std?: number;
  /** `entropy − baseline` and `deviation / max(σ, sigmaMin)`, when there is a baseline. */
  deviation?: number;
  z?: number;
}

/** A host measured by an edge. */
export interface RemoteHost {
  edge: string;
  host: string;
  indicators: ReadonlyMap<string, RemoteIndicator>;
  /** When the central last took a frame of this edge (ms); after a restart, the stored time. */
  updatedMs: number;
  /** False while the central waits for the edge's keyframe: the values are the last known ones. */
  synced: boolean;
}

/**
 * What the decision loop reads to treat edge hosts like local ones: call it once per evaluation. Hosts are
 * keyed by (edge, host): two edges may each have a `db-1`.
 */
export interface RemoteProfileSource {
  remoteHosts(): RemoteHost[];
}

/** Derives the indicator view of one rebuilt value. */
export function remoteIndicator(v: SeriesValue, sigmaMin: number): RemoteIndicator {
  if (v.mean === undefined || v.std === undefined) {
    return { entropy: v.hn };
  }
  const deviation = v.hn - v.mean;
  return { entropy: v.hn, baseline: v.mean, std: v.std, deviation, z: deviation / Math.max(v.std, sigmaMin) };
}

/** The hosts of one edge. */
export function edgeHosts(e: EdgeEntry, sigmaMin: number): RemoteHost[] {
  const out: RemoteHost[] = [];
  for (const [host, m] of e.profile) {
    const indicators = new Map<string, RemoteIndicator>();
    for (const [name, v] of m) {
      indicators.set(name, remoteIndicator(v, sigmaMin));
    }
    out.push({ edge: e.name, host, indicators, updatedMs: e.lastAppliedMs ?? e.lastSeenMs, synced: e.synced });
  }
  return out;
}

/** {@link RemoteProfileSource} over a central. */
export function centralProfileSource(central: CentralReceiver): RemoteProfileSource {
  return {
    remoteHosts: () => [...central.edges.values()].flatMap((e) => edgeHosts(e, central.config.sigmaMin)),
  };
}
