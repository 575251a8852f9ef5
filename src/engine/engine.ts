/**
 * The engine: wires config, state, sources, store and HTTP together, and owns the lifecycle.
 *
 * `start()` restores the store, listens, backfills and runs a first evaluation (then `/readyz` is 200);
 * `stop()` stops the timers, drains in-flight requests and a running poll, persists, and closes the store.
 * Both are idempotent, so a second signal or a test's cleanup cannot double-close anything.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Actions } from './actions/actions';
import type { AlertIntent, AlertOutcome, AlertSink, EngineAlertSource } from './alert-contract';
import { AlertMetrics } from './alerts/metrics';
import { AlertPusher } from './alerts/pusher';
import { AlertReceiver } from './alerts/receiver';
import { EngineConfig } from './config';
import { PollSource } from './poll';
import { PrometheusClient } from './prometheus';
import { isQuorumSnapshot } from './quorum/series';
import { QuorumService } from './quorum/service';
import { RemoteWriteReceiver } from './remote-write/receiver';
import { DeltaServices } from './deltas/services';
import { buildServer } from './server';
import { EngineSeries } from './series';
import { EngineState } from './state';
import { Store, StoreError } from './store';
import { Telemetry } from './telemetry';

/** Series written per store transaction; between two, the event loop serves scrapes and remote writes. */
const PERSIST_CHUNK = 1000;

/** Without resources an alert that asks for an action has nothing to act on: it is answered, not retried. */
const UNMATCHED_SINK: AlertSink = {
  applyAlerts: (intents: AlertIntent[]): AlertOutcome[] =>
    intents.map(() => ({ status: 'unmatched', reason: 'no resources are configured (resources: in the config)' })),
};

/** What the engine can be given besides its config (tests). */
export interface EngineOptions {
  /** Where alert intents go instead of the allocation side (default: it, or without resources `unmatched`). */
  alertSink?: AlertSink;
}

/** The running service. */
export class Engine {
  readonly state: EngineState;
  readonly telemetry = new Telemetry();
  readonly server: FastifyInstance;
  /**
   * Records alert intents durably: the allocation side, or (without resources) a sink that matches nothing.
   * Read per request, so a test may set it after construction.
   */
  alertSink: AlertSink | undefined;
  /** Sources of the engine's own alerts, pushed to `alertmanager` when configured. */
  readonly alertSources: EngineAlertSource[] = [];
  private readonly alertPusher: AlertPusher | undefined;
  /** Allocation (decisions, outbox, webhook); undefined when no resources are configured. */
  readonly actions: Actions | undefined;
  /** Edge → central, the central's edges, and the live stream (issue 6). */
  readonly deltas: DeltaServices;
  /** The entropy quorum (`quorum:` in the config): its alerts and `forbidsScaleDown(host)` are policy input. */
  readonly quorum: QuorumService | undefined;
  private readonly poller: PollSource | undefined;
  private store: Store | undefined;
  private ready = false;
  private phase: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private startPromise: Promise<void> | undefined;
  private stopPromise: Promise<void> | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private persistTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private persisting: Promise<boolean> | undefined;

  constructor(
    readonly config: EngineConfig,
    readonly logger: Logger,
    private readonly now: () => number = Date.now,
    options: EngineOptions = {}
  ) {
    this.state = new EngineState({
      indicators: config.indicators,
      hostBaseline: config.hostBaseline,
      stalenessMs: config.stalenessMs,
      maxSeries: config.maxSeries,
    });
    const client = config.prometheus ? new PrometheusClient(config.prometheus) : undefined;
    if (client && config.indicators.some((i) => i.query !== undefined)) {
      this.poller = new PollSource(
        config.indicators,
        client,
        this.state,
        this.telemetry,
        logger.child({ component: 'poll' }),
        config
      );
    }
    if (config.quorum && config.prometheus) {
      this.quorum = new QuorumService(
        config.quorum,
        { ...config, prometheus: config.prometheus },
        this.telemetry,
        logger.child({ component: 'quorum' })
      );
    }
    this.deltas = new DeltaServices(config.deltas, this.state, this.telemetry, logger, now);
    if (config.resources.length > 0 && config.webhook) {
      const remote = this.deltas.remoteProfiles;
      const central = config.deltas.central;
      const weights = new Map(config.indicators.map((i) => [i.name, i.weight]));
      this.actions = new Actions({
        resources: config.resources,
        webhook: config.webhook,
        state: this.state,
        logger: logger.child({ component: 'actions' }),
        prometheus: client,
        now,
        // A host a quorum of observers sees failing its checks is never scaled down (issue 7).
        scaleDownBlockedBy: (host) => {
          const q = this.quorum;
          return q?.forbidsScaleDown(host) ? `quorum unhealthy: ${q.assessment(host)!.reason}` : undefined;
        },
        // A central judges its edges' hosts too (resources with hosts.edge; issue 6).
        edges:
          remote && central
            ? {
                source: remote,
                sigmaMin: central.sigmaMin,
                trendWindow: central.trendWindow,
                weightOf: (name) => weights.get(name) ?? 1,
              }
            : undefined,
      });
      this.telemetry.register(this.actions.metrics);
      this.registerAlertSource(this.actions);
    }
    if (this.quorum) {
      this.registerAlertSource(this.quorum);
    }
    this.alertSink = options.alertSink ?? this.actions ?? UNMATCHED_SINK;
    const receiver = new RemoteWriteReceiver(this.state, this.telemetry, config.remoteWrite, now);
    this.telemetry.addGauge('health_entropy_series', 'Live host × indicator series.', (g) =>
      g.set({}, this.state.size)
    );
    this.telemetry.addGauge('health_entropy_hosts', 'Live hosts.', (g) => g.set({}, this.state.hosts.size));
    this.telemetry.addGauge('health_entropy_ready', '1 once the state is restored and a first evaluation ran.', (g) =>
      g.set({}, this.ready ? 1 : 0)
    );
    this.telemetry.addGauge('process_resident_memory_bytes', 'Resident memory size in bytes.', (g) =>
      g.set({}, process.memoryUsage.rss())
    );
    const alertMetrics = new AlertMetrics(this.telemetry);
    const alertReceiver = new AlertReceiver(
      config.alerts.auth,
      () => this.alertSink,
      alertMetrics,
      logger.child({ component: 'alerts' }),
      now
    );
    if (config.alertmanager) {
      this.alertPusher = new AlertPusher(
        config.alertmanager,
        () => this.alertSources,
        alertMetrics,
        logger.child({ component: 'alertmanager' }),
        now
      );
    }
    this.server = buildServer({
      state: this.state,
      telemetry: this.telemetry,
      logger,
      isReady: () => this.ready,
      readiness: () =>
        this.phase === 'stopping' || this.phase === 'stopped'
          ? 'shutting down'
          : 'restoring state and running a first evaluation',
      remoteWrite: {
        enabled: config.remoteWrite.enabled,
        maxBodyBytes: config.remoteWrite.maxBodyBytes,
        handle: (body, headers) => receiver.handle(body, headers),
      },
      alerts: { enabled: config.alerts.enabled, maxBodyBytes: config.alerts.maxBodyBytes, receiver: alertReceiver },
      actions: this.actions,
      deltas: this.deltas,
      quorum: this.quorum,
    });
  }

  /** Adds a source of engine alerts (the decision loop, the quorum tracker). */
  registerAlertSource(source: EngineAlertSource): void {
    this.alertSources.push(source);
  }

  /** Whether `/readyz` answers 200. */
  get isReady(): boolean {
    return this.ready;
  }

  /** The address the server listens on (after start). */
  get address(): string {
    const a = this.server.server.address();
    return typeof a === 'object' && a ? `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : '';
  }

  /** Starts everything; resolves once ready. Idempotent. Throws {@link StoreError} for an unusable store. */
  start(): Promise<void> {
    this.startPromise ??= this.doStart();
    return this.startPromise;
  }

  private async doStart(): Promise<void> {
    this.phase = 'starting';
    const c = this.config;
    if (c.store) {
      this.store = Store.open(c.store.path);
      const snap = this.store.load();
      let result;
      try {
        result = this.state.restore(
          snap.series.filter((x) => !isQuorumSnapshot(x)),
          snap.hosts,
          this.now()
        );
        this.quorum?.restore(snap.series.filter(isQuorumSnapshot), this.store.getMeta('quorum'), this.now());
      } catch (e) {
        this.store.close();
        throw new StoreError(
          `store.path ${c.store.path} holds a state this engine cannot restore: ${(e as Error).message}`
        );
      }
      try {
        this.actions?.open(this.store.database);
      } catch (e) {
        this.store.close();
        throw new StoreError(
          `store.path ${c.store.path} holds allocation state this engine cannot use: ${(e as Error).message}`
        );
      }
      this.deltas.restore(snap.edges, this.now());
      this.poller?.resumeFromState();
      this.logger.info(
        { path: c.store.path, ...result, hosts: this.state.hosts.size, savedAtMs: snap.savedAtMs },
        'state restored'
      );
    } else {
      this.logger.warn('no store.path: learned baselines will not survive a restart');
    }
    await this.server.listen({ host: c.listen.host, port: c.listen.port });
    this.logger.info({ address: this.address, indicators: c.indicators.map((i) => i.name) }, 'listening');
    this.phase = 'running';
    this.actions?.start();
    await this.tick();
    this.ready = true;
    this.logger.info({ series: this.state.size, hosts: this.state.hosts.size }, 'ready');
    this.alertPusher?.start(c.intervalMs);
    this.persistTimer = setInterval(() => {
      // An interval persist never queues behind a running one: the next interval will do.
      if (this.persisting === undefined) {
        void this.persist('interval');
      }
    }, c.persistIntervalMs);
  }

  /** One evaluation: poll what is due, then evaluate hosts; schedules the next one on the interval grid. */
  private tick(): Promise<void> {
    this.running = (async () => {
      const step = this.config.intervalMs;
      const now = this.now();
      const evalMs = Math.floor(now / step) * step;
      await Promise.all([this.poller?.poll(evalMs, now), this.quorum?.poll(evalMs, now)]);
      this.state.evaluate(evalMs);
      this.deltas.afterEvaluation(evalMs);
      this.quorum?.evaluate(evalMs, this.now());
      this.telemetry.evaluations.inc();
      await this.actions?.evaluate(evalMs);
      if (this.phase === 'running') {
        // Fire a little after the next boundary so that Prometheus has ingested the scrape at that instant.
        const lag = Math.min(1000, step / 4);
        const wait = evalMs + step + lag - this.now();
        this.tickTimer = setTimeout(() => void this.tick(), Math.max(0, wait));
      }
    })().catch((e: Error) => {
      this.logger.error({ err: e.message }, 'evaluation failed');
    });
    return this.running;
  }

  /**
   * Writes a snapshot now, in chunks of {@link PERSIST_CHUNK} series with the event loop free in between (a
   * 100,000-series state takes seconds to write). One at a time: a call during a write waits for it and then
   * writes afresh. Failures are logged and counted; the next interval retries.
   */
  persist(reason: string): Promise<boolean> {
    if (!this.store) {
      return Promise.resolve(false);
    }
    const previous = this.persisting ?? Promise.resolve(true);
    const next = previous.then(() => this.writeSnapshot(this.store!, reason));
    this.persisting = next;
    void next.finally(() => {
      if (this.persisting === next) {
        this.persisting = undefined;
      }
    });
    return next;
  }

  private async writeSnapshot(store: Store, reason: string): Promise<boolean> {
    const begin = performance.now();
    try {
      const generation = store.begin();
      const series: EngineSeries[] = [];
      for (const host of this.state.hosts.values()) {
        series.push(...host.series.values());
      }
      for (let i = 0; i < series.length; i += PERSIST_CHUNK) {
        store.writeSeries(
          generation,
          series.slice(i, i + PERSIST_CHUNK).map((s) => s.snapshot())
        );
        await new Promise((resolve) => setImmediate(resolve));
      }
      // The quorum's series and memory are taken at one instant, so that its streaks match its windows.
      const quorum = this.quorum?.snapshot();
      for (let i = 0; quorum && i < quorum.series.length; i += PERSIST_CHUNK) {
        store.writeSeries(generation, quorum.series.slice(i, i + PERSIST_CHUNK));
        await new Promise((resolve) => setImmediate(resolve));
      }
      store.writeHosts(
        generation,
        [...this.state.hosts.values()].map((h) => ({ host: h.name, baseline: h.baseline.state() }))
      );
      store.writeEdges(generation, this.deltas.snapshot());
      if (quorum) {
        store.putMeta('quorum', JSON.stringify(quorum.memory));
      }
      store.finish(generation, this.now());
      const seconds = (performance.now() - begin) / 1000;
      this.telemetry.storeWrites.inc({ result: 'ok' });
      this.telemetry.storeDuration.observe({}, seconds);
      this.telemetry.lastPersist.set({}, this.now() / 1000);
      this.logger.debug({ reason, series: series.length, seconds }, 'state persisted');
      return true;
    } catch (e) {
      this.telemetry.storeWrites.inc({ result: 'error' });
      this.logger.error({ reason, err: (e as Error).message }, 'persisting state failed; will retry');
      return false;
    }
  }

  /** Stops, drains, persists and closes. Idempotent. */
  stop(): Promise<void> {
    this.stopPromise ??= this.doStop();
    return this.stopPromise;
  }

  private async doStop(): Promise<void> {
    // A start in progress finishes first (or fails), so that nothing is left half-open.
    await this.startPromise?.catch(() => undefined);
    this.phase = 'stopping';
    this.ready = false;
    clearTimeout(this.tickTimer);
    clearInterval(this.persistTimer);
    await this.alertPusher?.stop();
    // Open live streams would keep the server from closing.
    await this.deltas.stop();
    await this.server.close();
    await this.running;
    await this.actions?.stop();
    if (this.store) {
      await this.persist('shutdown');
      this.store.close();
      this.logger.info({ path: this.store.path, series: this.state.size }, 'state persisted; stopped');
    }
    this.phase = 'stopped';
  }
}
