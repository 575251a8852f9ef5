/**
 * HTTP transport: routes only translate between HTTP and the engine's plain modules (STYLE 11). Every error a
 * client can cause is a 4xx with a JSON `{error}` sentence; nothing a client sends can crash the process.
 */
import Fastify, { FastifyBaseLogger, FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { AlertRouteOptions, registerAlertRoute } from './alerts/route';
import type { Actions } from './actions/actions';
import { registerActionRoutes } from './actions/routes';
import { ExpositionWriter, renderState } from './exposition';
import { allProfiles, hostProfile } from './profiles';
import { QuorumOutputs, renderQuorum, withQuorum } from './quorum/render';
import { WriteResult } from './remote-write/receiver';
import { EngineState } from './state';
import { Telemetry } from './telemetry';

/** What the routes need from the engine. */
export interface ServerContext {
  state: EngineState;
  telemetry: Telemetry;
  logger: Logger;
  /** Ready once the store is restored and a first evaluation ran. */
  isReady(): boolean;
  /** Why not ready, for `/readyz`. */
  readiness(): string;
  remoteWrite: {
    enabled: boolean;
    maxBodyBytes: number;
    handle(body: Buffer, headers: Record<string, string | string[] | undefined>): WriteResult;
  };
  /** `POST /api/v1/alerts`. */
  alerts: AlertRouteOptions;
  /** Allocation, for `/api/v1/actions` and `/api/v1/resources` (undefined: no resources configured). */
  actions?: Actions;
  /** The differential stream's routes, edge series in `/metrics` and edge profiles (`deltas/services.ts`). */
  deltas?: {
    register(app: FastifyInstance): void;
    renderSeries(family: string, out: ExpositionWriter): void;
    profilesExtra(): Record<string, unknown>;
    edgeProfiles(edge: unknown, host: unknown): { status: number; body: Record<string, unknown> };
  };
  /** The entropy quorum, when configured: its metrics and its part of each profile. */
  quorum?: QuorumOutputs;
}

/** Builds the Fastify app (not listening; `app.listen` or `app.inject` it). */
export function buildServer(ctx: ServerContext): FastifyInstance {
  const app = Fastify({
    loggerInstance: ctx.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Access logs at info would be one line per scrape and per remote-write batch: keep them at debug.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    ctx.telemetry.requestDuration.observe({ route, code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    ctx.logger.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
    }
    reply.code(status).send({ error: status >= 500 ? 'internal error, see the engine log' : err.message });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0].slice(0, 100)}` });
  });

  app.get('/metrics', async (_req, reply) => {
    const start = performance.now();
    const out = new ExpositionWriter();
    renderState(ctx.state, out, ctx.deltas && ((family, w) => ctx.deltas!.renderSeries(family, w)));
    if (ctx.quorum) {
      renderQuorum(ctx.quorum.assessments(), out);
    }
    const own: string[] = [];
    ctx.telemetry.render(own);
    out.text(own.join(''));
    ctx.telemetry.renderDuration.set({}, (performance.now() - start) / 1000);
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    // The next scrape reuses the buffer, once this response has been written out (or the client went away).
    reply.raw.once('close', () => out.release());
    return reply.send(out.bytes());
  });

  app.get('/api/v1/profiles', async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    if (query.edge !== undefined && ctx.deltas) {
      const r = ctx.deltas.edgeProfiles(query.edge, query.host);
      return reply.code(r.status).send(r.body);
    }
    if (query.host === undefined) {
      return { hosts: withQuorum(allProfiles(ctx.state), ctx.quorum), ...ctx.deltas?.profilesExtra() };
    }
    if (typeof query.host !== 'string' || query.host === '') {
      return reply.code(400).send({ error: 'host must be given once, as a non-empty string' });
    }
    const host = ctx.state.hosts.get(query.host);
    const profiles = withQuorum(host ? [hostProfile(host)] : [], ctx.quorum, query.host);
    if (profiles.length === 0) {
      return reply
        .code(404)
        .send({ error: `no host ${JSON.stringify(query.host.slice(0, 200))} (hosts appear with their first sample)` });
    }
    return { hosts: profiles };
  });

  registerActionRoutes(app, ctx.actions);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (ctx.isReady()) {
      return { status: 'ready' };
    }
    return reply.code(503).send({ error: ctx.readiness() });
  });

  registerAlertRoute(app, ctx.alerts);

  app.register(async (scope) => {
    // Remote write bodies are raw bytes; this parser applies in this scope only and checks nothing itself:
    // the handler decides 415/400 so that every refusal carries the same kind of sentence.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: ctx.remoteWrite.maxBodyBytes },
      (_req, body, done) => done(null, body)
    );
    scope.post('/api/v1/write', async (req, reply) => {
      if (!ctx.remoteWrite.enabled) {
        return reply.code(404).send({ error: 'the remote-write receiver is disabled (remoteWrite.enabled: false)' });
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = ctx.remoteWrite.handle(body, req.headers);
      ctx.telemetry.remoteWriteRequests.inc({ code: String(result.status) });
      if (result.status >= 400) {
        req.log.debug({ status: result.status, error: result.error }, 'remote write refused');
        return reply.code(result.status).send({ error: result.error });
      }
      return reply.code(204).send();
    });
  });
  ctx.deltas?.register(app);
  return app;
}
