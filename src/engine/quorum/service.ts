/**
 * The quorum inside the engine: polls the checks and the per-observer indicators, assesses every host once
 * per evaluation with `src/core`'s {@link QuorumTracker}, and offers the result to `/metrics`,
 * `/api/v1/profiles`, the store, and the policy (an {@link EngineAlertSource} and {@link forbidsScaleDown}).
 */
import type { Logger } from 'pino';
import { QuorumAssessment, QuorumTracker, QuorumTrackerState } from '../../core';
import type { EngineAlert, EngineAlertSource } from '../alert-contract';
import { PollSource } from '../poll';
import { PrometheusClient } from '../prometheus';
import { SeriesSnapshot } from '../series';
import { Telemetry } from '../telemetry';
import { QuorumConfig } from './config';
import { QuorumSeries } from './series';

/** What the service needs from the engine's config. */
export interface QuorumServiceOptions {
  prometheus: { url: string; timeoutMs: number; headers: Record<string, string> };
  intervalMs: number;
  maxBackoffMs: number;
  /** The engine's `staleness`: a quorum series with no sample for this long leaves the state. */
  stalenessMs: number;
  maxSeries: number;
}

/** Alert kinds the quorum raises (README, "The entropy quorum"). */
export const QUORUM_ALERT_KINDS = {
  suspect: 'early_warning',
  unhealthy: 'quorum_unhealthy',
  flagged: 'quorum_flagged',
} as const;

/** What the quorum persists besides its series. */
export interface QuorumSnapshot {
  series: SeriesSnapshot[];
  tracker: QuorumTrackerState;
}

/** The engine's quorum. */
export class QuorumService implements EngineAlertSource {
  readonly series: QuorumSeries;
  private tracker: QuorumTracker;
  private readonly poller: PollSource;
  private last = new Map<string, QuorumAssessment>();
  private evaluatedAt: number | undefined;

  constructor(
    readonly config: QuorumConfig,
    options: QuorumServiceOptions,
    telemetry: Telemetry,
    private readonly logger: Logger
  ) {
    this.tracker = new QuorumTracker(config.options);
    this.series = new QuorumSeries(config, { stalenessMs: options.stalenessMs, maxSeries: options.maxSeries });
    const polled = config.checks ? [config.checks, ...config.indicators] : config.indicators;
    this.poller = new PollSource(
      polled,
      new PrometheusClient(options.prometheus),
      this.series,
      telemetry,
      logger.child({ component: 'quorum-poll' }),
      options
    );
    telemetry.addGauge('health_entropy_quorum_series', 'Live host × observer × quorum indicator series.', (g) =>
      g.set({}, this.series.size)
    );
  }

  /** Polls what is due for evaluation time `evalMs`; never throws (failures back off and are logged). */
  poll(evalMs: number, nowMs: number): Promise<void> {
    return this.poller.poll(evalMs, nowMs);
  }

  /** Assesses every host at `evalMs` from what each observer reported at that time. */
  evaluate(evalMs: number, nowMs: number): QuorumAssessment[] {
    this.series.prune(nowMs);
    const all = this.tracker.assessAll(this.series.reports(evalMs), evalMs);
    const next = new Map(all.map((a) => [a.host, a]));
    for (const a of all) {
      const before = this.last.get(a.host);
      if (before && (before.state !== a.state || before.flagged !== a.flagged)) {
        this.logger.info(
          { host: a.host, from: before.state, to: a.state, flagged: a.flagged, reason: a.reason },
          'quorum state changed'
        );
      }
    }
    this.last = next;
    this.evaluatedAt = evalMs;
    return all;
  }

  /** Evaluation time of the last assessment. */
  get evaluatedAtMs(): number | undefined {
    return this.evaluatedAt;
  }

  /** The last assessment of every host, sorted by host. */
  assessments(): QuorumAssessment[] {
    return [...this.last.values()];
  }

  /** The last assessment of `host`. */
  assessment(host: string): QuorumAssessment | undefined {
    return this.last.get(host);
  }

  /** Policy input: a host a quorum sees failing its checks must not be scaled down. */
  forbidsScaleDown(host: string): boolean {
    return this.last.get(host)?.state === 'unhealthy';
  }

  /** Active alerts: `early_warning` for suspect, `quorum_unhealthy`, and `quorum_flagged` beside either. */
  activeAlerts(): EngineAlert[] {
    const out: EngineAlert[] = [];
    for (const a of this.last.values()) {
      if (a.state === 'suspect' || a.state === 'unhealthy') {
        out.push({
          kind: QUORUM_ALERT_KINDS[a.state],
          host: a.host,
          since: a.since,
          reason: a.reason,
          labels: { source: 'quorum', quorum_state: a.state },
        });
      }
      if (a.flagged) {
        out.push({
          kind: QUORUM_ALERT_KINDS.flagged,
          host: a.host,
          since: a.flaggedSince ?? a.at,
          reason: a.reason,
          labels: { source: 'quorum', quorum_state: a.state },
        });
      }
    }
    return out;
  }

  /** Series and tracker memory, for the store. */
  snapshot(): QuorumSnapshot {
    return { series: this.series.snapshots(), tracker: this.tracker.state() };
  }

  /**
   * Restores from the store. A tracker memory that cannot be read (damaged, or written by a newer engine) is
   * logged and dropped: the quorum then relearns streaks, which is safer than refusing to start.
   */
  restore(series: readonly SeriesSnapshot[], tracker: string | undefined, nowMs: number): void {
    const result = this.series.restore(series, nowMs);
    if (tracker !== undefined) {
      try {
        this.tracker = new QuorumTracker(this.config.options, JSON.parse(tracker));
      } catch (e) {
        this.logger.warn({ err: (e as Error).message }, 'quorum memory in the store is unreadable; starting it afresh');
      }
    }
    this.poller.resumeFromState();
    this.logger.info({ ...result, hosts: this.tracker.hosts().length }, 'quorum state restored');
  }
}
