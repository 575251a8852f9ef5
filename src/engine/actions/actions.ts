/**
 * Allocation, wired: the decision loop run after every evaluation, the alert sink, the engine's own alerts,
 * the outbox and its delivery. The engine calls {@link Actions.open} with its store, then
 * {@link Actions.start}, {@link Actions.evaluate} each interval and {@link Actions.stop} on shutdown.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { AlertIntent, AlertOutcome, AlertSink, EngineAlert, EngineAlertSource } from '../alert-contract';
import type { RemoteProfileSource } from '../deltas/remote-hosts';
import type { PrometheusClient, ResultSeries } from '../prometheus';
import type { EngineState } from '../state';
import { planAlerts } from './alert-sink';
import { Deliverer, EndpointStatus } from './deliverer';
import { EdgeHost, edgeHostKey, EdgeHostTracker } from './edge-hosts';
import {
  evaluateResource,
  firstVeto,
  reconcile,
  resourceHosts,
  ResourceRuntime,
  ResourceStep,
  ScaleDownVeto,
} from './loop';
import { ActionMetrics } from './metrics';
import { ActionFilter, ActionRecord, Outbox } from './outbox';
import { DIMENSIONS, ResourceConfig } from './resource-config';
import type { WebhookConfig } from './webhook-config';

/** Delivered actions and old alert dedup keys are pruned at most this often. */
const PRUNE_EVERY_MS = 3_600_000;

/** What {@link Actions} is built from. */
export interface ActionsOptions {
  resources: ResourceConfig[];
  webhook: WebhookConfig;
  state: EngineState;
  logger: Logger;
  /** Reads `resources[].<dimension>.query` (required when a resource has one). */
  prometheus?: PrometheusClient;
  now?: () => number;
  random?: () => number;
  /** Hosts whose resources must not scale down now (the entropy quorum's `unhealthy`), with the reason. */
  scaleDownBlockedBy?: ScaleDownVeto;
  /** A central's edge hosts, for resources with `hosts.edge` (`edge-hosts.ts`). */
  edges?: {
    source: RemoteProfileSource;
    /** `central.sigmaMin`, `central.trendWindow`. */
    sigmaMin: number;
    trendWindow: number;
    /** The weight of an indicator in an edge host's aggregate (the central's indicator's, else 1). */
    weightOf: (indicator: string) => number;
  };
}

/**
 * A `utilization.query` result as readings: raw value by host (`hostLabel`), or by (edge, host) when the
 * series has an `edge` label. Series without the host label or with a non-finite value are left out; two
 * series for one host are an error (the query must return one per host).
 */
export function utilizationReadings(result: ResultSeries[], hostLabel: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of result) {
    const host = r.labels[hostLabel];
    const value = r.samples[r.samples.length - 1]?.[1];
    if (host === undefined || value === undefined || !Number.isFinite(value)) {
      continue;
    }
    const edge = r.labels.edge;
    const key = edge !== undefined ? edgeHostKey(edge, host) : host;
    if (out.has(key)) {
      const who = edge !== undefined ? `${hostLabel}="${host}", edge="${edge}"` : `${hostLabel}="${host}"`;
      throw new Error(`returned two series for ${who}; it must return one per host`);
    }
    out.set(key, value);
  }
  return out;
}

/** The allocation side of the engine. */
export class Actions implements AlertSink, EngineAlertSource {
  readonly metrics: ActionMetrics;
  private readonly runtimes = new Map<string, ResourceRuntime>();
  private readonly now: () => number;
  private readonly logger: Logger;
  private outbox: Outbox | undefined;
  private deliverer: Deliverer | undefined;
  private readonly edgeTracker: EdgeHostTracker | undefined;
  /** The edge hosts of the last evaluation. */
  private edgeHosts: EdgeHost[] = [];
  private lastPrune = -Infinity;

  constructor(private readonly options: ActionsOptions) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
    const e = options.edges;
    this.edgeTracker = e && new EdgeHostTracker(e.weightOf, e.sigmaMin, e.trendWindow);
    this.metrics = new ActionMetrics({
      decisions: () =>
        [...this.runtimes.values()]
          .filter((rt) => rt.last !== undefined)
          .map((rt) => ({ resource: rt.config.name, host: rt.last!.host, decision: rt.last!.decision })),
      allocations: () =>
        [...this.runtimes.values()].flatMap((rt) =>
          DIMENSIONS.filter((d) => rt.row.allocation[d] !== undefined).map((d) => ({
            resource: rt.config.name,
            dimension: d,
            value: rt.row.allocation[d]!,
          }))
        ),
      counts: () => this.outbox?.counts() ?? { pending: 0, delivered: 0, dead: 0 },
      webhookEnabled: () => this.deliverer?.status.enabled ?? true,
    });
  }

  /** Loads the stored resource rows (reconciled with the config) from the store's database. */
  open(db: Database.Database): void {
    const outbox = new Outbox(db);
    const stored = outbox.loadResources();
    const now = this.now();
    for (const config of this.options.resources) {
      this.runtimes.set(config.name, { config, row: reconcile(config, stored.get(config.name), now) });
    }
    this.outbox = outbox;
    this.deliverer = new Deliverer(
      this.options.webhook,
      outbox,
      this.metrics,
      this.logger.child({ component: 'webhook' }),
      this.now,
      this.options.random
    );
    const counts = outbox.counts();
    this.logger.info({ resources: this.runtimes.size, ...counts }, 'allocation state loaded');
  }

  /** Starts delivery (resuming whatever the outbox holds). */
  start(): void {
    this.deliverer?.start();
  }

  /** Stops delivery; in-flight attempts finish or are retried after the restart. */
  async stop(): Promise<void> {
    await this.deliverer?.stop();
  }

  /** Reads queried allocations, decides every resource and commits all decisions in one transaction. */
  async evaluate(evalMs: number): Promise<void> {
    const outbox = this.outbox;
    if (!outbox) {
      return;
    }
    await this.refreshQueries(evalMs);
    const edges = this.options.edges;
    // Once per evaluation, so each edge host's trend gets one point.
    this.edgeHosts = edges && this.edgeTracker ? this.edgeTracker.update(edges.source.remoteHosts(), evalMs) : [];
    const wall = this.now();
    const steps: Array<[ResourceRuntime, ResourceStep]> = [];
    for (const rt of this.runtimes.values()) {
      steps.push([
        rt,
        evaluateResource(rt, this.options.state, evalMs, wall, this.options.scaleDownBlockedBy, this.edgeHosts),
      ]);
    }
    const actions = steps.flatMap(([, s]) => (s.action ? [s.action] : []));
    try {
      outbox.commit(
        steps.map(([, s]) => s.row),
        actions
      );
    } catch (e) {
      // Nothing was written, so nothing changes in memory either: the next evaluation decides afresh.
      this.metrics.decisionErrors.inc();
      this.logger.error(
        { err: (e as Error).message },
        'committing decisions failed; will decide again next evaluation'
      );
      return;
    }
    for (const [rt, s] of steps) {
      rt.row = s.row;
      rt.last = {
        decision: s.decision,
        host: s.host,
        ...(s.edge !== undefined ? { edge: s.edge } : {}),
        hosts: s.hosts,
      };
      if (s.action) {
        this.metrics.created.inc({ source: 'engine', type: s.action.type, dry_run: String(s.action.dryRun) });
        this.logger.info(
          {
            id: s.action.id,
            resource: rt.config.name,
            host: s.host,
            edge: s.edge,
            type: s.action.type,
            dryRun: s.action.dryRun,
          },
          s.decision.reason
        );
      }
    }
    if (actions.length > 0) {
      this.deliverer?.wake();
    }
    this.prune(wall);
  }

  /** {@link AlertSink}: guards, records (one transaction), then returns each outcome. */
  applyAlerts(intents: AlertIntent[], now: number): AlertOutcome[] {
    if (!this.outbox) {
      return intents.map(() => ({ status: 'unmatched', reason: 'allocation is not running (the store is not open)' }));
    }
    // A scale-down asked for a host is vetoed by that host; one asked for a resource, by any host it covers.
    const veto = this.options.scaleDownBlockedBy;
    const plan = planAlerts(intents, now, this.runtimes, this.outbox, (rt, host) =>
      firstVeto(
        host !== undefined ? [host] : resourceHosts(rt, this.options.state, this.edgeHosts).views.map((h) => h.name),
        veto
      )
    );
    this.outbox.commit(plan.rows, plan.actions, plan.intents);
    for (const row of plan.rows) {
      this.runtimes.get(row.name)!.row = row;
    }
    for (const a of plan.actions) {
      this.metrics.created.inc({ source: 'alert', type: a.type, dry_run: String(a.dryRun) });
      this.logger.info({ id: a.id, resource: a.resource, host: a.host, type: a.type, dryRun: a.dryRun }, a.reason);
    }
    if (plan.actions.length > 0) {
      this.deliverer?.wake();
    }
    return plan.outcomes;
  }

  /** {@link EngineAlertSource}: the policy alerts of every resource's last decision. */
  activeAlerts(): EngineAlert[] {
    const out: EngineAlert[] = [];
    for (const rt of this.runtimes.values()) {
      if (!rt.last) {
        continue;
      }
      for (const [kind, since] of Object.entries(rt.row.alerts)) {
        out.push({ kind, host: rt.last.host ?? '', resource: rt.config.name, since, reason: rt.last.decision.reason });
      }
    }
    return out;
  }

  /** Actions for the API, newest first. */
  list(filter: ActionFilter): ActionRecord[] {
    return this.outbox?.list(filter) ?? [];
  }

  /** The webhook endpoint's status. */
  get endpoint(): EndpointStatus | undefined {
    return this.deliverer?.status;
  }

  /** Outbox counts per state. */
  counts(): Record<'pending' | 'delivered' | 'dead', number> {
    return this.outbox?.counts() ?? { pending: 0, delivered: 0, dead: 0 };
  }

  /** Every resource with its allocation, policy state and last decision (for `/api/v1/resources`). */
  get resources(): ResourceRuntime[] {
    return [...this.runtimes.values()];
  }

  private async refreshQueries(evalMs: number): Promise<void> {
    const client = this.options.prometheus;
    if (!client) {
      return;
    }
    const jobs: Array<Promise<void>> = [];
    for (const rt of this.runtimes.values()) {
      for (const [dim, query] of Object.entries(rt.config.queries)) {
        jobs.push(
          client
            .query(query, evalMs)
            .then((result) => {
              const values = result.map((r) => r.samples[0]?.[1]).filter((v) => Number.isFinite(v));
              if (result.length !== 1 || values.length !== 1) {
                throw new Error(
                  `returned ${result.length} series (${values.length} finite); it must return exactly one`
                );
              }
              rt.row = { ...rt.row, allocation: { ...rt.row.allocation, [dim]: values[0] } };
            })
            .catch((e: Error) => {
              this.logger.warn(
                { resource: rt.config.name, dimension: dim, err: e.message },
                'reading the current allocation failed; deciding from the stored value'
              );
            })
        );
      }
    }
    for (const rt of this.runtimes.values()) {
      const u = rt.config.utilization;
      if (u && 'query' in u) {
        jobs.push(
          client
            .query(u.query, evalMs)
            .then((result) => {
              rt.utilization = utilizationReadings(result, u.hostLabel);
            })
            .catch((e: Error) => {
              // Unknown utilization never scales: the resource keeps its alerts only until a read succeeds.
              rt.utilization = undefined;
              this.logger.warn(
                { resource: rt.config.name, err: e.message },
                'reading utilization failed; the resource will not scale this evaluation'
              );
            })
        );
      }
    }
    await Promise.all(jobs);
  }

  private prune(now: number): void {
    if (now - this.lastPrune < PRUNE_EVERY_MS) {
      return;
    }
    this.lastPrune = now;
    try {
      const removed = this.outbox!.prune(now - this.options.webhook.retentionMs);
      if (removed > 0) {
        this.logger.info({ removed }, 'pruned delivered actions older than webhook.retention');
      }
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'pruning the outbox failed');
    }
  }
}
