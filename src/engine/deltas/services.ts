/**
 * Everything of the differential stream an engine runs, behind the few calls the engine's lifecycle makes:
 * `register` (routes), `afterEvaluation`, `renderSeries` (/metrics), `restore` and `snapshot` (store), `stop`.
 * Which parts exist follows the config: a central (`central:`), an edge (`upstream:`), the live stream
 * (`stream.enabled`, on by default); one engine may be all three.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ExpositionWriter } from '../exposition';
import type { EngineState } from '../state';
import type { EdgeSeriesRow } from '../store';
import type { Telemetry } from '../telemetry';
import { CentralReceiver } from './central';
import { allEdgeProfiles, EdgeGauges, edgeProfilesReply, renderEdgeFamily } from './central-views';
import type { DeltaConfig } from './config';
import { stateProfile } from './profile';
import { centralProfileSource, RemoteProfileSource } from './remote-hosts';
import { registerDeltaRoutes } from './routes';
import { StreamHub } from './stream';
import { DeltaTelemetry } from './telemetry';
import { UpstreamPusher } from './upstream';

/** The differential stream's parts of one engine. */
export class DeltaServices {
  readonly telemetry: DeltaTelemetry;
  readonly central: CentralReceiver | undefined;
  readonly upstream: UpstreamPusher | undefined;
  readonly stream: StreamHub | undefined;
  /** What the decision loop reads to treat edge hosts like local ones (undefined on a non-central). */
  readonly remoteProfiles: RemoteProfileSource | undefined;

  constructor(
    readonly config: DeltaConfig,
    private readonly state: EngineState,
    telemetry: Telemetry,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now
  ) {
    this.telemetry = new DeltaTelemetry(telemetry);
    if (config.central) {
      this.central = new CentralReceiver(config.central, this.telemetry, now);
      telemetry.register(new EdgeGauges(this.central));
      this.remoteProfiles = centralProfileSource(this.central);
    }
    if (config.upstream) {
      this.upstream = new UpstreamPusher(
        config.upstream,
        config.edge,
        this.telemetry,
        logger.child({ component: 'upstream' }),
        now
      );
    }
    if (config.stream.enabled) {
      const hub = new StreamHub(
        config.stream,
        () => this.profile(),
        this.telemetry,
        logger.child({ component: 'stream' })
      );
      this.stream = hub;
      telemetry.addGauge('health_entropy_stream_clients', 'Live-stream clients connected.', (g) => g.set({}, hub.size));
    }
  }

  private profile() {
    const { profile, unsendable } = stateProfile(this.state);
    this.telemetry.unsendable.set({}, unsendable);
    return profile;
  }

  /** Routes: see `routes.ts`. */
  register(app: FastifyInstance): void {
    registerDeltaRoutes(app, this);
  }

  /**
   * After each evaluation: frames to stream clients and to the central, and staleness of edges. Never
   * throws: the engine schedules its next evaluation after this call.
   */
  afterEvaluation(evalMs: number): void {
    try {
      if (this.upstream || (this.stream && this.stream.size > 0)) {
        // One profile for every receiver: each encoder only reads it.
        const profile = this.profile();
        this.stream?.publish(profile);
        this.upstream?.offer(profile, evalMs);
      }
      const gone = this.central?.evaluate(this.now()) ?? [];
      if (gone.length > 0) {
        this.logger.info({ edges: gone }, 'edges went stale (no frame for central.staleness) and were dropped');
      }
    } catch (e) {
      this.logger.error({ err: (e as Error).message }, 'delta stream: after-evaluation step failed');
    }
  }

  /** The edge samples of a series family, after the local ones (see `renderState`). */
  renderSeries(family: string, out: ExpositionWriter): void {
    if (this.central) {
      renderEdgeFamily(this.central, family, out);
    }
  }

  /** What `/api/v1/profiles` adds for a central: every edge's hosts. */
  profilesExtra(): Record<string, unknown> {
    return this.central ? { edges: allEdgeProfiles(this.central) } : {};
  }

  /** `/api/v1/profiles?edge=…[&host=…]`. */
  edgeProfiles(edge: unknown, host: unknown): { status: number; body: Record<string, unknown> } {
    if (!this.central) {
      return { status: 404, body: { error: 'this engine is not a central: it has no edges (no central: section)' } };
    }
    return edgeProfilesReply(this.central, edge, host);
  }

  /** Restores stored edge profiles (a central's); a no-op elsewhere. */
  restore(rows: EdgeSeriesRow[] | undefined, nowMs: number): void {
    if (this.central && rows && rows.length > 0) {
      const r = this.central.restore(rows, nowMs);
      this.logger.info(r, 'edge profiles restored; each edge resynchronises with its next keyframe');
    }
  }

  /** Rows for the store. */
  snapshot(): EdgeSeriesRow[] {
    return this.central?.snapshot() ?? [];
  }

  /** Ends the streams and a push in flight; before the server closes (open streams would hold it). */
  async stop(): Promise<void> {
    this.stream?.close();
    await this.upstream?.stop();
  }
}
