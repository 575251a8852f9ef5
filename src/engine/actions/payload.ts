/**
 * The webhook body (DESIGN.md, "Actions webhook"): exactly `{id, type, createdAt, host, resource, change,
 * reason: {kind, entropy, baseline, deviation, z, utilization, trend}, source, dryRun}`, plus `edge` after
 * `host` when the host is a central's edge host (local actions keep exactly DESIGN.md's keys). Numbers that
 * are not defined are `null` (JSON has no NaN).
 */
import { randomUUID } from 'node:crypto';
import type { Decision, DimensionName, PolicyInput } from '../../core';
import { DIMENSIONS } from './resource-config';

/** What the receiver gets. */
export interface ActionBody {
  id: string;
  type: 'allocation.scale_up' | 'allocation.scale_down';
  /** RFC 3339 (UTC, milliseconds). */
  createdAt: string;
  host: string | null;
  /** The edge that measured `host`, only for an edge host (a central's resource with `hosts.edge`). */
  edge?: string;
  resource: string;
  change: Partial<Record<DimensionName, { from: number; to: number }>>;
  reason: {
    /** The policy condition (`rising_entropy`, `collapsed_entropy`, `stable_low_entropy`) or `alert`. */
    kind: string;
    entropy: number | null;
    baseline: number | null;
    deviation: number | null;
    z: number | null;
    utilization: number | null;
    trend: number | null;
  };
  source: 'engine' | 'alert';
  dryRun: boolean;
}

/** A new webhook id: `act_` and 32 hex digits (unique, never reused; retries send it again). */
export function newActionId(): string {
  return `act_${randomUUID().replace(/-/g, '')}`;
}

const num = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/** Builds the body of one action; `input` is the resource's latest picture (undefined: none yet). */
export function actionBody(a: {
  id: string;
  action: 'scale_up' | 'scale_down';
  createdAt: number;
  host: string | null;
  edge?: string;
  resource: string;
  change: Decision['change'];
  kind: string;
  input: PolicyInput | undefined;
  source: 'engine' | 'alert';
  dryRun: boolean;
}): ActionBody {
  const change: ActionBody['change'] = {};
  for (const d of DIMENSIONS) {
    const c = a.change[d];
    if (c) {
      change[d] = { from: c.from, to: c.to };
    }
  }
  const i = a.input;
  return {
    id: a.id,
    type: a.action === 'scale_up' ? 'allocation.scale_up' : 'allocation.scale_down',
    createdAt: new Date(a.createdAt).toISOString(),
    host: a.host,
    ...(a.edge !== undefined ? { edge: a.edge } : {}),
    resource: a.resource,
    change,
    reason: {
      kind: a.kind,
      entropy: num(i?.entropy),
      baseline: num(i?.baseline),
      deviation: num(i?.deviation),
      z: num(i?.z),
      utilization: num(i?.utilization),
      trend: num(i?.trend),
    },
    source: a.source,
    dryRun: a.dryRun,
  };
}
