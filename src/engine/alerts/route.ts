/**
 * `POST /api/v1/alerts` (and `PUT`, which Grafana's contact point can be set to use): the transport of the
 * {@link AlertReceiver}. The body is read as raw bytes in this scope only, because the HMAC signature covers
 * the bytes as sent; the receiver decides 401/415/400 so that every refusal carries the same kind of sentence.
 */
import type { FastifyInstance } from 'fastify';
import type { AlertReceiver } from './receiver';

/** What the route needs. */
export interface AlertRouteOptions {
  enabled: boolean;
  maxBodyBytes: number;
  receiver: AlertReceiver;
}

/** Registers the route on `app` in its own scope (its body parser and error handler apply there only). */
export function registerAlertRoute(app: FastifyInstance, options: AlertRouteOptions): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_req, body, done) =>
      done(null, body)
    );
    scope.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply.code(413).send({ error: `the body exceeds alerts.maxBodyBytes (${options.maxBodyBytes} bytes)` });
      }
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status >= 500) {
        req.log.error({ err }, 'alert request failed');
      }
      return reply.code(status).send({ error: status >= 500 ? 'internal error, see the engine log' : err.message });
    });
    scope.route({
      method: ['POST', 'PUT'],
      url: '/api/v1/alerts',
      handler: async (req, reply) => {
        if (!options.enabled) {
          return reply.code(404).send({ error: 'the alert receiver is disabled (alerts.enabled: false)' });
        }
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const result = options.receiver.handle(body, req.headers);
        if (result.challenge) {
          reply.header('www-authenticate', result.challenge);
        }
        if (result.status >= 400) {
          req.log.debug({ status: result.status, body: result.body }, 'alert notification refused');
        }
        return reply.code(result.status).send(result.body);
      },
    });
  });
}
