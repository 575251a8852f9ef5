/**
 * The allocation part of the engine config (`resources:` and `webhook:`) and the checks that tie it to the
 * rest: the outbox needs a store, actions need somewhere to go, queried allocations need a Prometheus.
 */
import type { SecretReader } from '../config-sources';
import { ConfigError } from '../fields';
import type { IndicatorConfig } from '../indicator-config';
import { parseResources, ResourceConfig } from './resource-config';
import { parseWebhook, WebhookConfig } from './webhook-config';

export type { ResourceConfig } from './resource-config';
export type { WebhookConfig } from './webhook-config';

/** What {@link parseActionsConfig} needs from the rest of the config. */
export interface ActionsConfigContext {
  indicators: IndicatorConfig[];
  /** `defaults.hostLabel` (or `instance`). */
  hostLabel: string;
  /** Whether there is a `central:` section. */
  isCentral: boolean;
  hasPrometheus: boolean;
  hasStore: boolean;
  secret: SecretReader;
}

/** Validates `resources` and `webhook` of a config document. */
export function parseActionsConfig(
  doc: Record<string, unknown>,
  ctx: ActionsConfigContext
): { resources: ResourceConfig[]; webhook: WebhookConfig | undefined } {
  const resources = parseResources(doc.resources, ctx);
  const webhook = parseWebhook(doc.webhook, ctx.secret);
  if (resources.length > 0) {
    if (!ctx.hasStore) {
      throw new ConfigError(
        'store.path',
        `store.path is required: resources are configured, and their policy state and actions outbox live in the store`
      );
    }
    if (!webhook) {
      throw new ConfigError(
        'webhook.url',
        `webhook.url is required: resources are configured (${resources[0].name}…), and their actions are delivered to it`
      );
    }
  }
  resources.forEach((r, i) => {
    if (r.utilization && 'query' in r.utilization && !ctx.hasPrometheus) {
      throw new ConfigError(
        'prometheus.url',
        `prometheus.url is required: resources[${i}].utilization.query reads utilization from Prometheus`
      );
    }
    const dim = Object.keys(r.queries)[0];
    if (dim !== undefined && !ctx.hasPrometheus) {
      throw new ConfigError(
        'prometheus.url',
        `prometheus.url is required: resources[${i}].${dim}.query reads the current allocation from Prometheus`
      );
    }
  });
  return { resources, webhook };
}
