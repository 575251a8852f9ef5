/**
 * `GET /api/v1/actions` (actions with their delivery state, newest first, filtered and paged) and
 * `GET /api/v1/resources` (each resource's allocation, policy state and last decision). Transport only.
 */
import type { FastifyInstance } from 'fastify';
import type { Actions } from './actions';
import { ACTION_STATES, ActionFilter, ActionRecord, ActionState } from './outbox';

/** Largest page; the default is 100. */
export const MAX_PAGE = 1000;
const QUERY_KEYS = ['resource', 'state', 'source', 'limit', 'before'];

const iso = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString());
/** The URL without its query string (it may carry a token). */
const redact = (url: string) => url.replace(/\?.*$/, '?…');

/** An action as the API shows it. */
function view(a: ActionRecord) {
  return {
    id: a.id,
    seq: a.seq,
    resource: a.resource,
    host: a.host,
    type: a.type,
    source: a.source,
    dryRun: a.dryRun,
    reason: a.reason,
    createdAt: iso(a.createdAt),
    state: a.state,
    attempts: a.attempts,
    lastAttemptAt: iso(a.lastAttemptAt),
    lastStatus: a.lastStatus,
    lastError: a.lastError,
    nextAttemptAt: a.state === 'pending' ? iso(a.nextAttemptAt) : null,
    deliveredAt: iso(a.deliveredAt),
    body: JSON.parse(a.body) as unknown,
  };
}

/** Validates the query string; returns the filter or the sentence for a 400. */
export function parseActionQuery(query: Record<string, unknown>): ActionFilter | { error: string } {
  for (const k of Object.keys(query)) {
    if (!QUERY_KEYS.includes(k)) {
      return { error: `unknown parameter ${JSON.stringify(k.slice(0, 50))} (allowed: ${QUERY_KEYS.join(', ')})` };
    }
    if (typeof query[k] !== 'string') {
      return { error: `${k} must be given once` };
    }
  }
  const q = query as Record<string, string | undefined>;
  const filter: ActionFilter = { limit: 100 };
  if (q.resource !== undefined) {
    if (q.resource === '' || q.resource.length > 200) {
      return { error: 'resource must be a resource name (1–200 characters)' };
    }
    filter.resource = q.resource;
  }
  if (q.state !== undefined) {
    if (!(ACTION_STATES as readonly string[]).includes(q.state)) {
      return { error: `state must be one of ${ACTION_STATES.join(', ')}, got ${JSON.stringify(q.state.slice(0, 50))}` };
    }
    filter.state = q.state as ActionState;
  }
  if (q.source !== undefined) {
    if (q.source !== 'engine' && q.source !== 'alert') {
      return { error: `source must be engine or alert, got ${JSON.stringify(q.source.slice(0, 50))}` };
    }
    filter.source = q.source;
  }
  for (const [k, min, max] of [
    ['limit', 1, MAX_PAGE],
    ['before', 1, Number.MAX_SAFE_INTEGER],
  ] as const) {
    const v = q[k];
    if (v === undefined) {
      continue;
    }
    const n = /^\d{1,16}$/.test(v) ? Number(v) : NaN;
    if (!(n >= min && n <= max)) {
      return { error: `${k} must be an integer from ${min} to ${max}, got ${JSON.stringify(v.slice(0, 50))}` };
    }
    filter[k] = n;
  }
  return filter;
}

/** Registers the routes; without allocation (no resources) they answer 404 saying so. */
export function registerActionRoutes(app: FastifyInstance, actions: Actions | undefined): void {
  const off = { error: 'allocation is off: no resources are configured (resources: in the engine config)' };
  app.get('/api/v1/actions', async (req, reply) => {
    if (!actions) {
      return reply.code(404).send(off);
    }
    const filter = parseActionQuery(req.query as Record<string, unknown>);
    if ('error' in filter) {
      return reply.code(400).send(filter);
    }
    const page = actions.list(filter);
    const endpoint = actions.endpoint!;
    return {
      actions: page.map(view),
      // The cursor of the next (older) page, when this one is full.
      next: page.length === filter.limit ? page[page.length - 1].seq : null,
      outbox: actions.counts(),
      webhook: {
        url: redact(endpoint.url),
        enabled: endpoint.enabled,
        disabledAt: iso(endpoint.disabledAt),
        disabledReason: endpoint.disabledReason,
      },
    };
  });
  app.get('/api/v1/resources', async (_req, reply) => {
    if (!actions) {
      return reply.code(404).send(off);
    }
    return {
      resources: actions.resources.map((rt) => ({
        name: rt.config.name,
        hosts: rt.config.hosts.text,
        allocation: rt.row.allocation,
        bounds: Object.fromEntries(
          Object.entries(rt.config.allocation).map(([d, v]) => [d, { min: v.min, max: v.max, step: v.step }])
        ),
        dryRun: rt.config.policy.dryRun,
        lastScaleUpAt: iso(rt.row.policy.lastUpAt),
        lastScaleDownAt: iso(rt.row.policy.lastDownAt),
        condition: { kind: rt.row.policy.streakKind, evaluations: rt.row.policy.streak },
        alerts: Object.fromEntries(Object.entries(rt.row.alerts).map(([k, v]) => [k, iso(v)])),
        decision: rt.last
          ? {
              action: rt.last.decision.action,
              kind: rt.last.decision.kind,
              blocked: rt.last.decision.blocked ?? null,
              reason: rt.last.decision.reason,
              host: rt.last.host,
              hosts: rt.last.hosts,
              evaluatedAt: iso(rt.last.decision.input.now),
            }
          : null,
      })),
    };
  });
}
