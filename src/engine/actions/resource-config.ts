/**
 * The `resources:` section of the engine config: the allocatable units the policy scales, each tied to hosts
 * by a matcher on the host name, with its dimensions, its utilization indicator and its policy.
 *
 * Errors name the key path (`resources[1].cpu.max`), show the value and say what is allowed, like the rest
 * of the config.
 */
import {
  Allocation,
  checkAllocation,
  DimensionName,
  PolicyOptions,
  ResolvedPolicyOptions,
  resolvePolicyOptions,
} from '../../core';
import { IndicatorConfig, wrap } from '../indicator-config';
import { checkKeys, ConfigError, durationAt, isMap, mapAt, numberAt, show, stringAt } from '../fields';

/** The dimensions a resource may have, in the order they appear in actions. */
export const DIMENSIONS: readonly DimensionName[] = ['cpu', 'memory', 'replicas'];

/** A fully anchored regular expression (as PromQL `=~`). */
export interface NameMatcher {
  /** As written, for messages and the API. */
  text: string;
  regex: RegExp;
}

/**
 * Which hosts a resource covers: a regular expression on the host name; with `edge`, the hosts of the
 * central's edges whose edge name matches it (and no local host), else local hosts only.
 */
export interface HostMatcher extends NameMatcher {
  edge?: NameMatcher;
}

/** Utilization = the newest raw sample of a local indicator divided by `full` (1 for a ratio). */
export interface IndicatorUtilization {
  indicator: string;
  full: number;
}

/**
 * Utilization read from the engine's Prometheus each evaluation: one series per host (its `hostLabel` value
 * names the host; a series that also has an `edge` label applies to that edge's host only), divided by `full`.
 */
export interface QueryUtilization {
  query: string;
  hostLabel: string;
  full: number;
}

/** What {@link parseResource} needs from the rest of the config. */
export interface ResourceContext {
  indicators: IndicatorConfig[];
  /** `defaults.hostLabel` (the default of `utilization.hostLabel`). */
  hostLabel: string;
  /** Whether the engine has a `central:` section (edges to match). */
  isCentral: boolean;
}

/** One resource, validated. */
export interface ResourceConfig {
  name: string;
  hosts: HostMatcher;
  /** Dimensions with their configured `current` (the starting point; the engine persists later values). */
  allocation: Allocation;
  /** Per dimension, PromQL whose single result is the current allocation (it wins over the stored value). */
  queries: Partial<Record<DimensionName, string>>;
  /** How busy the resource is; undefined (edge resources only): unknown, so it never scales, only alerts. */
  utilization: IndicatorUtilization | QueryUtilization | undefined;
  policy: ResolvedPolicyOptions;
}

const RESOURCE_KEYS = ['name', 'hosts', 'utilization', 'policy', ...DIMENSIONS];
const DIMENSION_KEYS = ['current', 'min', 'max', 'step', 'query'];
/** YAML policy keys; the cooldowns are durations here (`5m`), milliseconds in src/core. */
const POLICY_KEYS = [
  'theta',
  'zThreshold',
  'for',
  'uHigh',
  'uLow',
  'lowEntropy',
  'cooldownUp',
  'cooldownDown',
  'trendThreshold',
  'scoreThreshold',
  'dryRun',
];
const NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function matcherAt(key: string, value: unknown): NameMatcher {
  const text = stringAt(key, value);
  try {
    return { text, regex: new RegExp(`^(?:${text})$`, 's') };
  } catch (e) {
    throw new ConfigError(key, `${key} ${show(text)} is not a regular expression: ${(e as Error).message}`);
  }
}

function parseHosts(key: string, value: unknown, ctx: ResourceContext): HostMatcher {
  const allowed = `${key} must be a map { host: "<regular expression>", edge?: "<regular expression>" } matching host (and edge) names (e.g. { host: "db-.*" })`;
  if (!isMap(value)) {
    throw new ConfigError(key, `${allowed}, got ${show(value)}`);
  }
  // The engine keeps hosts by name only (the indicator's hostLabel value), so the name is the one label.
  checkKeys(key, value, ['host', 'edge']);
  const host = matcherAt(`${key}.host`, value.host);
  if (value.edge === undefined) {
    return host;
  }
  const edge = matcherAt(`${key}.edge`, value.edge);
  if (!ctx.isCentral) {
    throw new ConfigError(
      `${key}.edge`,
      `${key}.edge ${show(edge.text)} matches the hosts of a central's edges, and this engine has no central: section`
    );
  }
  return { ...host, edge };
}

function parsePolicy(key: string, value: unknown): ResolvedPolicyOptions {
  const p = mapAt(key, value);
  checkKeys(key, p, POLICY_KEYS);
  const { cooldownUp, cooldownDown, ...rest } = p;
  const options: PolicyOptions = { ...(rest as PolicyOptions) };
  if (cooldownUp !== undefined) {
    options.cooldownUpMs = durationAt(`${key}.cooldownUp`, cooldownUp, 0, 30 * 86_400_000);
  }
  if (cooldownDown !== undefined) {
    options.cooldownDownMs = durationAt(`${key}.cooldownDown`, cooldownDown, 0, 30 * 86_400_000);
  }
  return wrap(() => resolvePolicyOptions(options, `${key}.`));
}

function parseUtilization(
  key: string,
  value: unknown,
  ctx: ResourceContext,
  edge: boolean
): ResourceConfig['utilization'] {
  if (value === undefined && edge) {
    return undefined;
  }
  // `utilization: cpu` is short for `utilization: { indicator: cpu }`.
  const u = typeof value === 'string' ? { indicator: value } : value;
  if (!isMap(u)) {
    throw new ConfigError(
      key,
      `${key} is required: the indicator whose raw value measures utilization, as a name or { indicator, full }, or { query, hostLabel, full } (PromQL, one series per host), got ${show(value)}`
    );
  }
  const full = () => numberAt(`${key}.full`, u.full ?? 1, Number.MIN_VALUE, 1e300);
  if (u.query !== undefined) {
    checkKeys(key, u, ['query', 'hostLabel', 'full']);
    const query = stringAt(`${key}.query`, u.query);
    const hostLabel = u.hostLabel === undefined ? ctx.hostLabel : stringAt(`${key}.hostLabel`, u.hostLabel);
    if (!LABEL.test(hostLabel)) {
      throw new ConfigError(
        `${key}.hostLabel`,
        `${key}.hostLabel must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*), got ${show(hostLabel)}`
      );
    }
    return { query, hostLabel, full: full() };
  }
  checkKeys(key, u, ['indicator', 'full']);
  if (edge) {
    // Frames carry no raw values, so an edge host has no sample of any indicator here.
    throw new ConfigError(
      `${key}.indicator`,
      `${key}.indicator cannot measure edge hosts (frames carry entropy, not raw values): use { query: "<PromQL, one series per host>" } or leave utilization out (then the resource only alerts)`
    );
  }
  const indicators = ctx.indicators;
  const indicator = stringAt(`${key}.indicator`, u.indicator);
  if (!indicators.some((i) => i.name === indicator)) {
    throw new ConfigError(
      `${key}.indicator`,
      `${key}.indicator ${show(indicator)} is not a configured indicator (have: ${indicators.map((i) => i.name).join(', ')})`
    );
  }
  return { indicator, full: full() };
}

/** Validates `resources[i]` (`key`). */
export function parseResource(key: string, value: unknown, ctx: ResourceContext): ResourceConfig {
  if (!isMap(value)) {
    throw new ConfigError(
      key,
      `${key} must be a map with name, hosts, utilization and cpu/memory/replicas, got ${show(value)}`
    );
  }
  checkKeys(key, value, RESOURCE_KEYS);
  const name = stringAt(`${key}.name`, value.name);
  if (!NAME.test(name)) {
    throw new ConfigError(
      `${key}.name`,
      `${key}.name must be 1–128 letters, digits, _ . : - (not starting with a digit), got ${show(name)}`
    );
  }
  const hosts = parseHosts(`${key}.hosts`, value.hosts, ctx);
  const allocation: Allocation = {};
  const queries: ResourceConfig['queries'] = {};
  for (const dim of DIMENSIONS) {
    if (value[dim] === undefined) {
      continue;
    }
    const d = mapAt(`${key}.${dim}`, value[dim]);
    checkKeys(`${key}.${dim}`, d, DIMENSION_KEYS);
    if (d.query !== undefined) {
      queries[dim] = stringAt(`${key}.${dim}.query`, d.query);
    }
    allocation[dim] = { current: d.current, min: d.min, max: d.max, step: d.step } as never;
  }
  if (Object.keys(allocation).length === 0) {
    throw new ConfigError(key, `${key} (${name}) needs at least one dimension: cpu, memory or replicas`);
  }
  wrap(() => checkAllocation(allocation, `${key}.`));
  for (const k of ['current', 'min', 'max', 'step'] as const) {
    const v = allocation.replicas?.[k];
    if (v !== undefined && !Number.isInteger(v)) {
      throw new ConfigError(
        `${key}.replicas.${k}`,
        `${key}.replicas.${k} must be a whole number of replicas, got ${v}`
      );
    }
  }
  return {
    name,
    hosts,
    allocation,
    queries,
    utilization: parseUtilization(`${key}.utilization`, value.utilization, ctx, hosts.edge !== undefined),
    policy: parsePolicy(`${key}.policy`, value.policy),
  };
}

/** Validates the `resources` list (absent → none); names are unique. */
export function parseResources(value: unknown, ctx: ResourceContext): ResourceConfig[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw new ConfigError('resources', `resources must be a list of resources, got ${show(value)}`);
  }
  const resources = value.map((item, i) => parseResource(`resources[${i}]`, item, ctx));
  const seen = new Set<string>();
  resources.forEach((r, i) => {
    if (seen.has(r.name)) {
      throw new ConfigError(
        `resources[${i}].name`,
        `resources[${i}].name ${show(r.name)} is used by an earlier resource; names must be unique`
      );
    }
    seen.add(r.name);
  });
  return resources;
}
