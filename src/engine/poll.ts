/**
 * The poll source: every interval, the value of each polled indicator at the aligned evaluation time.
 *
 * One rule covers start, steady state and recovery: each indicator remembers the last evaluation time it
 * received, and a poll asks for every step since (at most one window, `W × interval`). One step due is an
 * instant query; more (the backfill at start, the gap after Prometheus was down) is a `query_range`. So a
 * restart or an outage loses nothing that Prometheus still has, and entropy is defined at once.
 */
import type { Logger } from 'pino';
import { IndicatorConfig } from './config';
import { PrometheusClient, ResultSeries } from './prometheus';
import { EngineState, IngestSkip } from './state';
import { Telemetry } from './telemetry';

/**
 * Where polled samples go: the engine's host-level state, or the quorum's per-observer state (which needs
 * the observer label as well as the host label, hence whole label sets).
 */
export interface PollSink {
  /** Offers one sample of a series with these labels; returns why it was skipped, or undefined. */
  ingest(
    indicator: IndicatorConfig,
    labels: Record<string, string>,
    t: number,
    v: number,
    nowMs: number
  ): IngestSkip | 'no_host_label' | 'no_observer_label' | undefined;
  /** Newest sample time held for `indicator` (−Infinity when none): where a restart resumes polling. */
  newestT(indicator: IndicatorConfig): number;
}

/** The engine state as a sink: one series per host, named by the indicator's host label. */
export function stateSink(state: EngineState): PollSink {
  return {
    ingest(indicator, labels, t, v, nowMs) {
      const host = labels[indicator.hostLabel];
      return host === undefined || host === '' ? 'no_host_label' : state.ingest(indicator, host, t, v, nowMs);
    },
    newestT(indicator) {
      let newest = -Infinity;
      for (const host of state.hosts.values()) {
        newest = Math.max(newest, host.series.get(indicator.name)?.newestT ?? -Infinity);
      }
      return newest;
    },
  };
}

/** Prometheus refuses ranges over 11,000 points per series; stay below. */
const MAX_POINTS = 10_000;

interface IndicatorPoll {
  indicator: IndicatorConfig;
  /** Last evaluation time received (ms); undefined before the first success. */
  lastMs: number | undefined;
  failures: number;
  /** While backing off, no request before this wall-clock time. */
  retryAtMs: number;
}

/** Options for {@link PollSource}. */
export interface PollOptions {
  intervalMs: number;
  maxBackoffMs: number;
}

/** Polls every indicator that has a `query`. */
export class PollSource {
  private readonly polls: IndicatorPoll[];
  private readonly sink: PollSink;

  constructor(
    indicators: IndicatorConfig[],
    private readonly client: PrometheusClient,
    target: EngineState | PollSink,
    private readonly telemetry: Telemetry,
    private readonly logger: Logger,
    private readonly options: PollOptions
  ) {
    this.polls = indicators
      .filter((i) => i.query !== undefined)
      .map((indicator) => ({ indicator, lastMs: undefined, failures: 0, retryAtMs: 0 }));
    this.sink = target instanceof EngineState ? stateSink(target) : target;
  }

  /** Resumes after restored series: steps up to their newest sample were already seen. */
  resumeFromState(): void {
    for (const p of this.polls) {
      const newest = this.sink.newestT(p.indicator);
      if (newest > -Infinity) {
        p.lastMs = newest;
      }
    }
  }

  /** Whether every indicator has been polled successfully at least once. */
  get caughtUp(): boolean {
    return this.polls.every((p) => p.lastMs !== undefined);
  }

  /** Polls every indicator for evaluation time `evalMs` (aligned to the interval); never throws. */
  async poll(evalMs: number, nowMs: number): Promise<void> {
    await Promise.all(this.polls.map((p) => this.pollOne(p, evalMs, nowMs)));
  }

  private async pollOne(p: IndicatorPoll, evalMs: number, nowMs: number): Promise<void> {
    if (nowMs < p.retryAtMs) {
      return;
    }
    const step = this.options.intervalMs;
    const window = p.indicator.pipeline.entropy?.window ?? 60;
    const earliest = evalMs - (window - 1) * step;
    const start = p.lastMs === undefined ? earliest : Math.max(p.lastMs + step, earliest);
    if (start > evalMs) {
      return;
    }
    const name = p.indicator.name;
    const begin = performance.now();
    try {
      for (let from = start; from <= evalMs; from += MAX_POINTS * step) {
        const to = Math.min(evalMs, from + (MAX_POINTS - 1) * step);
        const query = p.indicator.query as string;
        const result =
          from === to ? await this.client.query(query, to) : await this.client.queryRange(query, from, to, step);
        this.ingest(p.indicator, result, nowMs);
        p.lastMs = to;
      }
      this.telemetry.sourceUp.set({ indicator: name }, 1);
      this.telemetry.pollDuration.observe({ indicator: name, result: 'ok' }, (performance.now() - begin) / 1000);
      if (p.failures > 0) {
        this.logger.info({ indicator: name, failures: p.failures }, 'Prometheus answers again; gap backfilled');
      }
      p.failures = 0;
    } catch (e) {
      p.failures++;
      // Exponential backoff with full jitter, capped: a struggling Prometheus is not hammered by every engine.
      const backoff = Math.min(this.options.maxBackoffMs, step * 2 ** Math.min(p.failures - 1, 20));
      p.retryAtMs = nowMs + Math.random() * backoff;
      this.telemetry.sourceUp.set({ indicator: name }, 0);
      this.telemetry.pollDuration.observe({ indicator: name, result: 'error' }, (performance.now() - begin) / 1000);
      this.logger.warn(
        {
          indicator: name,
          err: (e as Error).message,
          failures: p.failures,
          retryInMs: Math.round(p.retryAtMs - nowMs),
        },
        'poll failed; will retry and backfill the gap'
      );
    }
  }

  private ingest(indicator: IndicatorConfig, result: ResultSeries[], nowMs: number): void {
    const skipped: Record<string, number> = {};
    let admitted = 0;
    for (const series of result) {
      for (const [t, v] of series.samples) {
        const reason = this.sink.ingest(indicator, series.labels, t, v, nowMs);
        if (reason === undefined) {
          admitted++;
        } else {
          skipped[reason] = (skipped[reason] ?? 0) + 1;
        }
      }
    }
    this.telemetry.ingested.inc({ source: 'poll' }, admitted);
    for (const [reason, n] of Object.entries(skipped)) {
      this.telemetry.skipped.inc({ source: 'poll', reason }, n);
    }
  }
}
