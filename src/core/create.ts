/**
 * The two public ways to compute rolling entropy: one series at a time ({@link createEstimator}) and a whole
 * range at once ({@link rollingEntropy}). Both run the same estimator classes.
 */
import { StreamingEntropy } from './window';
import { EntropyOptions, resolveEntropyOptions, ResolvedEntropyOptions } from './options';
import { PermutationEntropy } from './permutation';
import { AdaptiveShannon, FixedShannon, WidthShannon } from './shannon';

/** Options objects that {@link prepareOptions} returned: validated once, frozen, safe to share. */
const prepared = new WeakSet<object>();

/** Validates options once (throws `OptionError`); passing the result again costs nothing. */
export function prepareOptions(options: EntropyOptions = {}): ResolvedEntropyOptions {
  if (prepared.has(options)) {
    return options as ResolvedEntropyOptions;
  }
  const resolved = Object.freeze(resolveEntropyOptions(options));
  prepared.add(resolved);
  return resolved;
}

/** A streaming estimator for one series; options are validated here (throws `OptionError`). */
export function createEstimator(options: EntropyOptions = {}): StreamingEntropy {
  const o = prepareOptions(options);
  if (o.estimator === 'permutation') {
    return new PermutationEntropy(o);
  }
  switch (o.binning) {
    case 'fixed':
      return new FixedShannon(o);
    case 'adaptive':
      return new AdaptiveShannon(o);
    default:
      return new WidthShannon(o);
  }
}

/** What {@link rollingEntropy} returns at each input row. */
export type EntropyUnit = 'normalized' | 'bits';

/**
 * Rolling entropy of a whole series: element `i` is what the streaming estimator returns after row `i`
 * (NaN where undefined). `timestamps` in milliseconds, ascending; rows that are skipped by the window (NaN,
 * ±Inf, duplicate or out-of-order timestamps) carry the value of the window as it stands.
 */
export function rollingEntropy(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  options: EntropyOptions = {},
  unit: EntropyUnit = 'normalized'
): Float64Array {
  if (timestamps.length !== values.length) {
    throw new RangeError(
      `timestamps and values must have the same length, got ${timestamps.length} and ${values.length}`
    );
  }
  const out = new Float64Array(values.length);
  createEstimator(options).pushMany(timestamps, values, out, unit);
  return out;
}
