/**
 * Alert intents → actions: the same guards as the decision loop (cooldown per direction, bounds, dry run;
 * not hysteresis, which the alert rule's own `for` already gave), one action per dedup key.
 *
 * Pure planning over the in-memory resources: {@link planAlerts} returns the rows, actions and intent rows
 * to write; the caller commits them in one transaction and only then answers the sender.
 */
import { planChange } from '../../core';
import type { AlertIntent, AlertOutcome } from '../alert-contract';
import { applyChange, allocationOf, ResourceRuntime } from './loop';
import type { IntentRow, NewAction, Outbox, ResourceRow } from './outbox';
import { actionBody, newActionId } from './payload';

/** What {@link planAlerts} asks to write, and the outcome of each intent (in order). */
export interface AlertPlan {
  outcomes: AlertOutcome[];
  rows: ResourceRow[];
  actions: NewAction[];
  intents: IntentRow[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Finds the resource an intent names, or says why there is none. */
function resolve(
  intent: AlertIntent,
  runtimes: Map<string, ResourceRuntime>
): { rt: ResourceRuntime } | { unmatched: string } {
  if (intent.resource !== undefined) {
    const rt = runtimes.get(intent.resource);
    return rt
      ? { rt }
      : {
          unmatched: `no resource named ${JSON.stringify(intent.resource.slice(0, 100))} (configured: ${[...runtimes.keys()].join(', ') || 'none'})`,
        };
  }
  if (intent.host !== undefined) {
    const host = intent.host;
    const matching = [...runtimes.values()].filter((rt) => rt.config.hosts.regex.test(host));
    if (matching.length === 1) {
      return { rt: matching[0] };
    }
    return {
      unmatched:
        matching.length === 0
          ? `no resource covers host ${JSON.stringify(host.slice(0, 100))}`
          : `host ${JSON.stringify(host.slice(0, 100))} is covered by several resources (${matching.map((r) => r.config.name).join(', ')}): add a resource label`,
    };
  }
  return { unmatched: 'the alert has neither a resource nor a host label' };
}

/** Plans the outcome of each intent at `now`. Later intents of a batch see the earlier ones' effects. */
export function planAlerts(
  intents: AlertIntent[],
  now: number,
  runtimes: Map<string, ResourceRuntime>,
  outbox: Outbox,
  downVeto: (rt: ResourceRuntime, host: string | undefined) => string | undefined = () => undefined
): AlertPlan {
  const plan: AlertPlan = { outcomes: [], rows: [], actions: [], intents: [] };
  const rows = new Map<string, ResourceRow>();
  const seen = new Map<string, IntentRow>();
  const record = (intent: AlertIntent, outcome: AlertOutcome) => {
    const row: IntentRow = {
      dedupKey: intent.dedupKey,
      status: outcome.status,
      actionId: 'actionId' in outcome ? (outcome.actionId ?? null) : null,
      reason: outcome.reason,
      recordedAt: now,
    };
    plan.outcomes.push(outcome);
    if (outcome.status !== 'duplicate') {
      plan.intents.push(row);
      seen.set(intent.dedupKey, row);
    }
  };
  for (const intent of intents) {
    const earlier = seen.get(intent.dedupKey) ?? outbox.findIntent(intent.dedupKey);
    // Only an intent that became an action is a duplicate; a blocked one is judged afresh (its cooldown may be over).
    if (earlier?.status === 'recorded') {
      record(intent, {
        status: 'duplicate',
        actionId: earlier.actionId ?? undefined,
        reason: `already recorded as action ${earlier.actionId} at ${iso(earlier.recordedAt)}`,
      });
      continue;
    }
    const found = resolve(intent, runtimes);
    if ('unmatched' in found) {
      record(intent, { status: 'unmatched', reason: found.unmatched });
      continue;
    }
    const { rt } = found;
    const cfg = rt.config;
    const row = rows.get(cfg.name) ?? rt.row;
    const up = intent.action === 'scale_up';
    const p = cfg.policy;
    const lastAny = Math.max(row.policy.lastUpAt, row.policy.lastDownAt);
    if (up && now - row.policy.lastUpAt < p.cooldownUpMs) {
      record(intent, {
        status: 'blocked',
        reason: `${cfg.name}: scale-up cooldown until ${iso(row.policy.lastUpAt + p.cooldownUpMs)}`,
      });
      continue;
    }
    const veto = up ? undefined : downVeto(rt, intent.host);
    if (veto !== undefined) {
      record(intent, { status: 'blocked', reason: `${cfg.name}: scale-down forbidden: ${veto}` });
      continue;
    }
    if (!up && now - lastAny < p.cooldownDownMs) {
      record(intent, {
        status: 'blocked',
        reason: `${cfg.name}: scale-down cooldown until ${iso(lastAny + p.cooldownDownMs)}`,
      });
      continue;
    }
    const change = planChange(allocationOf(cfg, row), up ? 1 : -1);
    if (Object.keys(change).length === 0) {
      record(intent, { status: 'blocked', reason: `${cfg.name}: already at ${up ? 'max' : 'min'}: no action` });
      continue;
    }
    const moved = Object.entries(change)
      .map(([k, c]) => `${k} ${c!.from} → ${c!.to}`)
      .join(', ');
    const summary = intent.summary ? `: ${intent.summary.slice(0, 300)}` : '';
    const reason = `alert ${intent.alertname} (${intent.origin}) asks to ${up ? 'scale up' : 'scale down'}${summary}; ${moved}${p.dryRun ? ' (dry run)' : ''}`;
    const id = newActionId();
    const host = intent.host ?? rt.last?.host ?? null;
    const body = actionBody({
      id,
      action: intent.action,
      createdAt: now,
      host,
      resource: cfg.name,
      change,
      kind: 'alert',
      input: rt.last?.decision.input,
      source: 'alert',
      dryRun: p.dryRun,
    });
    const next: ResourceRow = {
      ...row,
      policy: { ...row.policy, lastUpAt: up ? now : row.policy.lastUpAt, lastDownAt: up ? row.policy.lastDownAt : now },
      allocation: applyChange(row, change, p.dryRun),
      updatedAt: now,
    };
    rows.set(cfg.name, next);
    plan.actions.push({
      id,
      resource: cfg.name,
      host,
      type: body.type,
      source: 'alert',
      dryRun: p.dryRun,
      reason,
      body: JSON.stringify(body),
      createdAt: now,
    });
    record(intent, { status: 'recorded', actionId: id, dryRun: p.dryRun, reason });
  }
  plan.rows = [...rows.values()];
  return plan;
}
