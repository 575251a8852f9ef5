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

/** Longest run of steps one evaluation assesses (a stalled process must not spin through days of steps). */
const MAX_STEPS = 10_000;

/** What the quorum persists: its series, and its memory with the last step assessed. */
export interface QuorumSnapshot {
  series: SeriesSnapshot[];
  memory: { assessedTo: number | null; tracker: QuorumTrackerState };
}

/** The engine's quorum. */
export class QuorumService implements EngineAlertSource {
  readonly series: QuorumSeries;
  private tracker: QuorumTracker;
  private readonly poller: PollSource;
  private last = new Map<string, QuorumAssessment>();
  /** The last step assessed. */
  private assessedTo: number | undefined;

  constructor(
    readonly config: QuorumConfig,
    private readonly options: QuorumServiceOptions,
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

  /**
   * Assesses every host at each step up to `evalMs` not assessed yet — each from what the observers reported
   * at that step (so a backfill after a start, restart or outage is assessed as if the engine had run
   * throughout) — and keeps the assessments at `evalMs`.
   */
  evaluate(evalMs: number, nowMs: number): QuorumAssessment[] {
    this.series.prune(nowMs);
    const pending = new Map(this.series.drain(evalMs));
    const step = this.options.intervalMs;
    const first = Math.min(evalMs, ...pending.keys());
    // Every step after the last one assessed (as the browser walks its grid), at most MAX_STEPS of them.
    const start = Math.max(this.assessedTo === undefined ? first : this.assessedTo + step, evalMs - MAX_STEPS * step);
    const times = new Set<number>([...pending.keys()].filter((t) => t >= start));
    for (let t = Math.ceil(start / step) * step; t <= evalMs; t += step) {
      times.add(t);
    }
    if (times.size === 0) {
      // evalMs was assessed already (a restart within the same interval): assess it again, which changes
      // nothing in the tracker but gives this process its assessments.
      times.add(evalMs);
    }
    let all: QuorumAssessment[] = [];
    for (const t of [...times].sort((a, b) => a - b)) {
      all = this.tracker.assessAll(pending.get(t) ?? new Map(), t);
    }
    for (const a of all) {
      const before = this.last.get(a.host);
      if (before && (before.state !== a.state || before.flagged !== a.flagged)) {
        this.logger.info(
          { host: a.host, from: before.state, to: a.state, flagged: a.flagged, reason: a.reason },
          'quorum state changed'
        );
      }
    }
    this.last = new Map(all.map((a) => [a.host, a]));
    this.assessedTo = evalMs;
    return all;
  }

  /** Evaluation time of the last assessment. */
  get evaluatedAtMs(): number | undefined {
    return this.assessedTo;
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
    return {
      series: this.series.snapshots(),
      memory: { assessedTo: this.assessedTo ?? null, tracker: this.tracker.state() },
    };
  }

  /**
   * Restores from the store. A tracker memory that cannot be read (damaged, or written by a newer engine) is
   * logged and dropped: the quorum then relearns streaks, which is safer than refusing to start.
   */
  restore(series: readonly SeriesSnapshot[], memory: string | undefined, nowMs: number): void {
    const result = this.series.restore(series, nowMs);
    if (memory !== undefined) {
      try {
        const doc = JSON.parse(memory) as { assessedTo?: unknown; tracker?: unknown };
        const assessedTo = doc.assessedTo;
        if (assessedTo !== null && (typeof assessedTo !== 'number' || !Number.isFinite(assessedTo))) {
          throw new Error('quorum state: assessedTo must be a finite number (ms) or null');
        }
        this.tracker = new QuorumTracker(this.config.options, doc.tracker);
        this.assessedTo = assessedTo ?? undefined;
        this.series.drainedTo = this.assessedTo ?? -Infinity;
      } catch (e) {
        this.logger.warn({ err: (e as Error).message }, 'quorum memory in the store is unreadable; starting it afresh');
      }
    }
    this.poller.resumeFromState();
    this.logger.info({ ...result, hosts: this.tracker.hosts().length }, 'quorum state restored');
  }
}
