/**
 * A host's (or resource's) score from its indicators: weighted mean of `Hn`, with the max alongside.
 */
import { OptionError } from './options';

/** One indicator's contribution. `value` undefined or NaN (window not yet full) is left out. */
export interface WeightedValue {
  name: string;
  value: number | undefined;
  /** Default 1; 0 keeps the indicator visible in `max` but out of the mean. */
  weight?: number;
}

/** The aggregate; `undefined` fields when no indicator has a value. */
export interface AggregateScore {
  /** Weighted mean of the defined values (undefined when their weights sum to 0). */
  mean: number | undefined;
  /** Largest defined value, and which indicator has it. */
  max: number | undefined;
  maxName: string | undefined;
  /** How many indicators had a value. */
  count: number;
}

/** Validates a weight: finite and ≥ 0. */
export function checkWeight(field: string, weight: unknown): number {
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
    throw new OptionError(field, `${field} must be a finite number ≥ 0, got ${String(weight)}`);
  }
  return weight;
}

/** Weighted mean and max of the indicators that have a value. */
export function aggregate(items: readonly WeightedValue[]): AggregateScore {
  let sum = 0;
  let wsum = 0;
  let max: number | undefined;
  let maxName: string | undefined;
  let count = 0;
  for (const item of items) {
    const v = item.value;
    if (v === undefined || Number.isNaN(v)) {
      continue;
    }
    const w = item.weight ?? 1;
    count++;
    sum += w * v;
    wsum += w;
    if (max === undefined || v > max) {
      max = v;
      maxName = item.name;
    }
  }
  return { mean: wsum > 0 ? sum / wsum : undefined, max, maxName, count };
}
