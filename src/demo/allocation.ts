/**
 * The allocation side as the demo sees it through the engine's API: `GET /api/v1/resources` (each resource's
 * allocation, active alerts and last decision) and `GET /api/v1/actions` (every action with its delivery
 * state). {@link DecisionLog} keeps, per resource, every change of decision over the run, for the table and
 * for the checks ("the quiet host was scaled down", "the flatlined host never was, and saturated").
 */

/** One resource in `GET /api/v1/resources` (the fields the demo reads). */
export interface ResourceView {
  name: string;
  allocation: Partial<Record<'cpu' | 'memory' | 'replicas', number>>;
  /** Active policy alerts (`early_warning`, `saturation`, `monitor_closely`) → since (RFC 3339). */
  alerts: Record<string, string | null>;
  decision: {
    action: 'scale_up' | 'scale_down' | 'none';
    kind: string;
    blocked: string | null;
    reason: string;
    host: string | null;
    evaluatedAt: string | null;
  } | null;
}

/** One action in `GET /api/v1/actions` (the fields the demo reads). */
export interface EngineAction {
  id: string;
  resource: string;
  host: string | null;
  type: string;
  state: 'pending' | 'delivered' | 'dead';
  attempts: number;
  createdAt: string | null;
  deliveredAt: string | null;
  lastError: string | null;
  body: { reason?: { kind?: string }; change?: Record<string, { from: number; to: number }> };
}

/** A change of a resource's decision (kind, action or alerts), at the fleet step it was seen. */
export interface DecisionChange {
  step: number;
  resource: string;
  action: string;
  kind: string;
  blocked: string | null;
  alerts: string[];
  allocation: ResourceView['allocation'];
}

/** Every change of decision per resource over a run. */
export class DecisionLog {
  readonly changes: DecisionChange[] = [];
  private readonly last = new Map<string, string>();
  private readonly latest = new Map<string, ResourceView>();

  /** Records what changed since the last call. */
  ingest(resources: ResourceView[], step: number): void {
    for (const r of resources) {
      this.latest.set(r.name, r);
      if (!r.decision) {
        continue;
      }
      const alerts = Object.keys(r.alerts).sort();
      const change: DecisionChange = {
        step,
        resource: r.name,
        action: r.decision.action,
        kind: r.decision.kind,
        blocked: r.decision.blocked,
        alerts,
        allocation: r.allocation,
      };
      const key = JSON.stringify([change.action, change.kind, change.blocked, alerts, r.allocation]);
      if (this.last.get(r.name) !== key) {
        this.last.set(r.name, key);
        this.changes.push(change);
      }
    }
  }

  /** Whether `resource` ever had `alert` active. */
  hadAlert(resource: string, alert: string): boolean {
    return this.changes.some((c) => c.resource === resource && c.alerts.includes(alert));
  }

  /** The table's "last decision" per resource: allocation, condition, alerts, and why nothing moved. */
  texts(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [name, r] of this.latest) {
      const d = r.decision;
      if (!d) {
        out.set(name, `cpu ${r.allocation.cpu ?? '?'} · no decision yet`);
        continue;
      }
      const alerts = Object.keys(r.alerts).filter((a) => a !== 'monitor_closely');
      const act = d.action === 'none' ? '' : ` · ${d.action.replace('_', ' ')}`;
      const blocked = d.blocked && d.blocked !== 'hysteresis' ? ` (${d.blocked.replace('_', ' ')})` : '';
      out.set(
        name,
        `cpu ${r.allocation.cpu ?? '?'} · ${d.kind.replace(/_/g, ' ')}${act}${blocked}${alerts.length ? ` · ${alerts.join(', ').replace(/_/g, ' ')}` : ''}`
      );
    }
    return out;
  }
}
