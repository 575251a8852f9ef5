/**
 * HTTP transport of the differential stream: `POST /api/v1/deltas` and `GET /api/v1/edges` (central),
 * `GET /api/v1/upstream` (edge), `GET /api/v1/stream` (SSE). Routes only translate; the logic is in
 * {@link CentralReceiver}, {@link UpstreamPusher} and {@link StreamHub}.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { DeltaServices } from './services';
import { parseStreamFilter } from './stream';
import { edgeStatus } from './central-views';

function bearerMatches(given: string | undefined, token: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(`Bearer ${token}`);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Registers the routes on `app` (each answers 404 with a sentence when its side is not configured). */
export function registerDeltaRoutes(app: FastifyInstance, d: DeltaServices): void {
  app.register(async (scope) => {
    // Frames are raw bytes; the handler decides 415/400 so every refusal carries the same kind of sentence.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: d.central?.config.maxFrameBytes ?? 1024 },
      (_req, body, done) => done(null, body)
    );
    scope.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
      if (err.statusCode === 413) {
        d.telemetry.received.inc({ status: 'too_large' });
        return reply.code(413).send({
          error: `the frame is larger than central.maxFrameBytes (${d.central?.config.maxFrameBytes ?? 0} bytes)`,
          needKeyframe: true,
        });
      }
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status >= 500) {
        req.log.error({ err }, 'delta request failed');
      }
      return reply.code(status).send({ error: status >= 500 ? 'internal error, see the engine log' : err.message });
    });
    scope.post('/api/v1/deltas', async (req, reply) => {
      if (!d.central) {
        return reply.code(404).send({ error: 'this engine is not a central (its config has no central: section)' });
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const r = d.central.handle(req.headers, body);
      if (r.status >= 400) {
        req.log.debug({ status: r.status, error: r.body.error }, 'delta frame refused');
      }
      return reply
        .code(r.status)
        .headers(r.headers ?? {})
        .send(r.body);
    });
  });

  app.get('/api/v1/edges', async (_req, reply) => {
    if (!d.central) {
      return reply.code(404).send({ error: 'this engine is not a central (its config has no central: section)' });
    }
    const edges = [...d.central.edges.values()].map(edgeStatus).sort((a, b) => (a.edge < b.edge ? -1 : 1));
    return { edges };
  });

  app.get('/api/v1/upstream', async (_req, reply) => {
    if (!d.upstream) {
      return reply.code(404).send({ error: 'this engine pushes to no central (its config has no upstream: section)' });
    }
    return d.upstream.status();
  });

  app.get('/api/v1/stream', async (req, reply) => {
    const hub = d.stream;
    if (!hub) {
      return reply.code(404).send({ error: 'the live stream is disabled (stream.enabled: false)' });
    }
    const token = hub.config.bearerToken;
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      return reply.code(401).send({ error: 'missing or wrong bearer token (stream.bearerToken is configured)' });
    }
    const filter = parseStreamFilter(req.query as Record<string, unknown>);
    if (typeof filter === 'string') {
      return reply.code(400).send({ error: filter });
    }
    if (hub.full) {
      return reply
        .code(429)
        .header('retry-after', '10')
        .send({ error: `stream.maxClients (${hub.config.maxClients}) clients are connected; try again later` });
    }
    // From here on the response is the stream's: Fastify must not send or log one of its own.
    reply.hijack();
    hub.attach(reply.raw, filter);
    return reply;
  });
}
