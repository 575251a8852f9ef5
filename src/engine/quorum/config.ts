/**
 * `quorum:` in the engine config (README, "Configuration: the entropy quorum"): the health-check series, the
 * label that tells observers apart, the quorum size, the unpredictability and flag rules, and the indicators
 * each observer's own entropy is computed from.
 *
 * Why quorum indicators are their own list: the engine's `indicators` keep one series per host (one window,
 * one baseline), but the quorum needs each observer's view of the host — one window and baseline per host ×
 * observer × indicator. So a quorum indicator's query must keep both the host label and the observer label
 * (e.g. `avg by (instance, prober) (...)`), and its series live in the quorum's own state, apart from the
 * host-level series that `/metrics` exports as `health_entropy{host,indicator}`.
 */
import { QuorumOptions, resolveQuorumOptions, ResolvedQuorumOptions } from '../../core';
import { checkKeys, ConfigError, durationAt, isMap, mapAt, show, stringAt } from '../fields';
import { IndicatorConfig, parseIndicator, wrap } from '../indicator-config';

/** The quorum's part of {@link EngineConfig}. */
export interface QuorumConfig {
  /** Label naming the observer (`prober`, `replica`). */
  observerLabel: string;
  /** Label naming the host in the checks (indicators have their own `hostLabel`, defaulting to this). */
  hostLabel: string;
  /** The checks as a polled indicator named {@link CHECKS_NAME} (value 0 = failing); undefined: no checks. */
  checks: IndicatorConfig | undefined;
  /** Per-observer indicators, named `quorum:<name>` (see {@link QUORUM_PREFIX}). */
  indicators: IndicatorConfig[];
  options: ResolvedQuorumOptions;
}

/** Prefix of quorum indicators' internal names (telemetry labels, store rows); user names cannot contain `:`. */
export const QUORUM_PREFIX = 'quorum:';
/** Internal name of the checks' poll. */
export const CHECKS_NAME = `${QUORUM_PREFIX}checks`;

const KEYS = [
  'observerLabel',
  'hostLabel',
  'checks',
  'size',
  'staleness',
  'knownFor',
  'unpredictable',
  'flag',
  'indicators',
];
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Where each core option is written in the YAML (for error messages). */
const NAMES: Partial<Record<keyof QuorumOptions, string>> = {
  quorum: 'size',
  stalenessMs: 'staleness',
  knownForMs: 'knownFor',
  zQuorum: 'unpredictable.zQuorum',
  entropyLevel: 'unpredictable.entropyLevel',
  forMs: 'unpredictable.for',
  flagLevel: 'flag.entropyLevel',
  flagForMs: 'flag.for',
};

function labelAt(key: string, value: unknown): string {
  const s = stringAt(key, value);
  if (!LABEL.test(s)) {
    throw new ConfigError(key, `${key} must be a Prometheus label name like instance or prober, got ${show(s)}`);
  }
  return s;
}

function optionalDuration(key: string, value: unknown, minMs: number, maxMs: number): number | undefined {
  return value === undefined ? undefined : durationAt(key, value, minMs, maxMs);
}

/** The name of a quorum indicator as observers report it (`quorum:cpu` → `cpu`). */
export function reportedName(indicator: IndicatorConfig): string {
  return indicator.name.slice(QUORUM_PREFIX.length);
}

/**
 * Validates `quorum:` (absent → undefined). `defaults` are the top-level `defaults` (entropy options, baseline
 * and the rest apply to quorum indicators too); errors name the key path.
 */
export function parseQuorum(
  value: unknown,
  defaults: Record<string, unknown>,
  intervalMs: number,
  hasPrometheus: boolean
): QuorumConfig | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!isMap(value)) {
    throw new ConfigError(
      'quorum',
      `quorum must be a map (observerLabel, checks, indicators, ...), got ${show(value)}`
    );
  }
  checkKeys('quorum', value, KEYS);
  const observerLabel = labelAt('quorum.observerLabel', value.observerLabel);
  const hostLabel =
    value.hostLabel === undefined
      ? labelAt('defaults.hostLabel', defaults.hostLabel ?? 'instance')
      : labelAt('quorum.hostLabel', value.hostLabel);
  if (hostLabel === observerLabel) {
    throw new ConfigError(
      'quorum.observerLabel',
      `quorum.observerLabel must differ from the host label (${show(hostLabel)}): one names the host, the other who observes it`
    );
  }
  const checks: IndicatorConfig | undefined =
    value.checks === undefined
      ? undefined
      : {
          name: CHECKS_NAME,
          query: stringAt('quorum.checks', value.checks),
          selector: undefined,
          hostLabel,
          weight: 0,
          pipeline: { entropy: { window: 1 } },
        };
  const indicators = parseIndicators(value.indicators, defaults, hostLabel, intervalMs, observerLabel);
  if (checks) {
    // Backfilled over the same steps as the indicators, so that a start or a gap is assessed step by step.
    checks.pipeline = { entropy: { window: Math.max(1, ...indicators.map((i) => i.pipeline.entropy?.window ?? 1)) } };
  }
  if (!checks && indicators.length === 0) {
    throw new ConfigError('quorum', 'quorum needs checks, indicators or both: there is nothing to assess hosts by');
  }
  if (!hasPrometheus) {
    throw new ConfigError('prometheus.url', 'prometheus.url is required: the quorum polls its checks and indicators');
  }
  const unpredictable = mapAt('quorum.unpredictable', value.unpredictable);
  checkKeys('quorum.unpredictable', unpredictable, ['zQuorum', 'entropyLevel', 'for']);
  const flag = mapAt('quorum.flag', value.flag);
  checkKeys('quorum.flag', flag, ['entropyLevel', 'for']);
  const day = 86_400_000;
  const input: QuorumOptions = {
    quorum: value.size as number | undefined,
    stalenessMs: optionalDuration('quorum.staleness', value.staleness, intervalMs, 7 * day),
    knownForMs: optionalDuration('quorum.knownFor', value.knownFor, intervalMs, 30 * day),
    zQuorum: unpredictable.zQuorum as number | undefined,
    entropyLevel: unpredictable.entropyLevel as number | undefined,
    forMs: optionalDuration('quorum.unpredictable.for', unpredictable.for, 0, 7 * day),
    flagLevel: flag.entropyLevel as number | undefined,
    flagForMs: optionalDuration('quorum.flag.for', flag.for, 0, 30 * day),
  };
  for (const k of Object.keys(input) as Array<keyof QuorumOptions>) {
    if (input[k] === undefined) {
      delete input[k];
    }
  }
  const options = wrap(() => resolveQuorumOptions(input, 'quorum.', NAMES));
  return { observerLabel, hostLabel, checks, indicators, options };
}

function parseIndicators(
  value: unknown,
  defaults: Record<string, unknown>,
  hostLabel: string,
  intervalMs: number,
  observerLabel: string
): IndicatorConfig[] {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw new ConfigError('quorum.indicators', `quorum.indicators must be a list of indicators, got ${show(value)}`);
  }
  const seen = new Set<string>();
  return value.map((item, i) => {
    const key = `quorum.indicators[${i}]`;
    if (isMap(item) && item.selector !== undefined) {
      throw new ConfigError(
        `${key}.selector`,
        `${key}.selector: quorum indicators are polled (query: …); remote write does not carry them to the quorum`
      );
    }
    const ind = parseIndicator(key, item, { ...defaults, hostLabel }, intervalMs);
    if (ind.name === 'checks') {
      throw new ConfigError(`${key}.name`, `${key}.name "checks" is reserved for the quorum's checks; choose another`);
    }
    if (seen.has(ind.name)) {
      throw new ConfigError(`${key}.name`, `${key}.name ${show(ind.name)} is used by an earlier quorum indicator`);
    }
    if (ind.hostLabel === observerLabel) {
      throw new ConfigError(`${key}.hostLabel`, `${key}.hostLabel must differ from quorum.observerLabel`);
    }
    seen.add(ind.name);
    return { ...ind, name: QUORUM_PREFIX + ind.name };
  });
}
