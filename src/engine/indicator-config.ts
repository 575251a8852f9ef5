/**
 * One indicator's section of the engine config: merged with `defaults`, validated through `src/core`'s option
 * resolvers, with errors re-keyed to where the user wrote the value (the indicator or `defaults`).
 */
import {
  BaselineOptions,
  EntropyOptions,
  OptionError,
  prepareBaselineOptions,
  prepareOptions,
  resolveBaselineOptions,
  resolveEntropyOptions,
  resolveSurprisalOptions,
  surprisalDetector,
  SurprisalOptions,
} from '../core';
import { DetectorFactory, SeriesPipelineOptions } from '../core/pipeline';
import { checkKeys, ConfigError, durationAt, isMap, mapAt, numberAt, show, stringAt } from './fields';
import { parseSelector, Selector } from './selector';

/** One health indicator: where its series come from and how its entropy is computed. */
export interface IndicatorConfig {
  name: string;
  /** PromQL polled every interval (one series per host), or undefined for remote write. */
  query: string | undefined;
  /** Series selector for remote-write samples, or undefined for polling. */
  selector: Selector | undefined;
  /** Label that names the host (default `instance`). */
  hostLabel: string;
  /** Weight in the host aggregate. */
  weight: number;
  /** What each series' {@link SeriesPipeline} is built with (entropy options are already validated). */
  pipeline: SeriesPipelineOptions;
  /** Optional second detector: the surprisal early-warning detector, enabled with `detector: {…}`. */
  detector?: DetectorFactory;
}

/** Entropy option keys an indicator (or `defaults`) may set; `maxAge` is a duration here. */
export const ENTROPY_KEYS = [
  'estimator',
  'window',
  'minFill',
  'maxAge',
  'binning',
  'bins',
  'lo',
  'hi',
  'width',
  'order',
  'delay',
];
/** Every key `defaults` may set. */
export const SERIES_KEYS = [...ENTROPY_KEYS, 'hostLabel', 'weight', 'trendWindow', 'baseline', 'detector'];
const INDICATOR_KEYS = ['name', 'query', 'selector', ...SERIES_KEYS];

/** Runs `f`, turning an `OptionError` from src/core into a {@link ConfigError}. */
export function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OptionError) {
      throw new ConfigError(e.field, e.message);
    }
    throw e;
  }
}

/** Validates `indicators[i]` (`key`), merged over `defaults`. */
export function parseIndicator(
  key: string,
  value: unknown,
  defaults: Record<string, unknown>,
  intervalMs: number
): IndicatorConfig {
  if (!isMap(value)) {
    throw new ConfigError(key, `${key} must be a map with name and query or selector, got ${show(value)}`);
  }
  checkKeys(key, value, INDICATOR_KEYS);
  const name = stringAt(`${key}.name`, value.name);
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) {
    throw new ConfigError(
      `${key}.name`,
      `${key}.name must be letters, digits and _ (not starting with a digit), got ${show(name)}`
    );
  }
  if ((value.query === undefined) === (value.selector === undefined)) {
    throw new ConfigError(key, `${key} (${name}) must have exactly one of query (polled) and selector (remote write)`);
  }
  const query = value.query === undefined ? undefined : stringAt(`${key}.query`, value.query);
  let selector: Selector | undefined;
  if (value.selector !== undefined) {
    const text = stringAt(`${key}.selector`, value.selector);
    try {
      selector = parseSelector(text);
    } catch (e) {
      throw new ConfigError(
        `${key}.selector`,
        `${key}.selector ${show(text)} is not a series selector: ${(e as Error).message}`
      );
    }
  }
  const merged = { ...defaults, ...value };
  const at = (k: string) => (k in value ? `${key}.${k}` : `defaults.${k}`);
  const hostLabel = stringAt(at('hostLabel'), merged.hostLabel ?? 'instance');
  const weight = numberAt(at('weight'), merged.weight ?? 1, 0, 1e9);
  const trendWindow = numberAt(at('trendWindow'), merged.trendWindow ?? 10, 2, 10_000, true);
  const entropy: Record<string, unknown> = {};
  for (const k of ENTROPY_KEYS) {
    if (merged[k] !== undefined && k !== 'maxAge') {
      entropy[k] = merged[k];
    }
  }
  if (merged.maxAge !== undefined) {
    entropy.maxAgeMs = durationAt(at('maxAge'), merged.maxAge, intervalMs, 365 * 86_400_000);
  }
  // Report the key where the user wrote it: the indicator if set there, else defaults.
  const resolved = wrap(() => {
    try {
      return resolveEntropyOptions(entropy as EntropyOptions, `${key}.`);
    } catch (e) {
      if (e instanceof OptionError) {
        const field = e.field.slice(key.length + 1);
        const where = field === 'maxAgeMs' ? at('maxAge') : at(field);
        throw new OptionError(where, e.message.split(e.field).join(where));
      }
      throw e;
    }
  });
  const baselineKey = 'baseline' in value ? `${key}.baseline` : 'defaults.baseline';
  const baseline = wrap(() =>
    resolveBaselineOptions(mapAt(baselineKey, merged.baseline) as BaselineOptions, `${baselineKey}.`)
  );
  const detector = parseDetector('detector' in value ? `${key}.detector` : 'defaults.detector', merged.detector);
  return {
    name,
    query,
    selector,
    hostLabel,
    weight,
    // Prepared (frozen, marked validated): every series of the indicator shares these two objects.
    pipeline: { entropy: prepareOptions(resolved), baseline: prepareBaselineOptions(baseline), trendWindow },
    ...(detector ? { detector } : {}),
  };
}

/**
 * `detector:` — absent or `false`: no second detector; a map (`{}` for the defaults): the surprisal detector
 * with those options (README, "Configuration: the surprisal detector").
 */
function parseDetector(key: string, value: unknown): DetectorFactory | undefined {
  if (value === undefined || value === false) {
    return undefined;
  }
  if (!isMap(value)) {
    throw new ConfigError(
      key,
      `${key} must be a map of surprisal detector options ({} for the defaults) or false, got ${show(value)}`
    );
  }
  const options = wrap(() => resolveSurprisalOptions(value as SurprisalOptions, `${key}.`));
  return surprisalDetector(options);
}
