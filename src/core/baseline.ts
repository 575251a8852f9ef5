/**
 * A series' normal entropy: exponentially weighted mean `μ` and standard deviation `σ` of `Hn`, learned over
 * a warm-up of `L` evaluations and not updated while an anomaly is open (DESIGN.md, "Baseline and deviation").
 *
 * Each value is judged against the baseline *before* it is learned, so an anomaly cannot hide itself.
 */
import { checkFinite, checkInteger, OptionError, rejectUnknownKeys } from './options';

/** Baseline options as a user writes them. */
export interface BaselineOptions {
  /** `L`: evaluations before deviation and z are reported. Default 60. */
  warmup?: number;
  /** EW rate once warm (0 < α ≤ 1); during warm-up the plain running mean is used. Default 0.02. */
  alpha?: number;
  /** `σmin`: floor of σ in `z = deviation / max(σ, σmin)`. Default 0.02 (in units of Hn). */
  sigmaMin?: number;
  /** An anomaly is open (learning pauses) while |z| ≥ this. Default 3; `Infinity` never pauses. */
  freezeZ?: number;
  /** After this many consecutive paused evaluations the level is taken as the new normal. Default 60. */
  maxFrozen?: number;
}

export type ResolvedBaselineOptions = Required<BaselineOptions>;

export const DEFAULT_BASELINE_OPTIONS: ResolvedBaselineOptions = {
  warmup: 60,
  alpha: 0.02,
  sigmaMin: 0.02,
  freezeZ: 3,
  maxFrozen: 60,
};

/** Validates and applies defaults; errors name the field. */
export function resolveBaselineOptions(input: BaselineOptions = {}, prefix = ''): ResolvedBaselineOptions {
  const d = DEFAULT_BASELINE_OPTIONS;
  const f = (name: string) => prefix + name;
  rejectUnknownKeys(input, Object.keys(d), prefix, 'a baseline option');
  const alpha = checkFinite(f('alpha'), input.alpha ?? d.alpha, true);
  if (alpha > 1) {
    throw new OptionError(f('alpha'), `${f('alpha')} must be in (0, 1], got ${alpha}`);
  }
  const freezeZ = input.freezeZ ?? d.freezeZ;
  if (!(typeof freezeZ === 'number' && freezeZ > 0)) {
    throw new OptionError(f('freezeZ'), `${f('freezeZ')} must be a number greater than 0, got ${String(freezeZ)}`);
  }
  return {
    warmup: checkInteger(f('warmup'), input.warmup ?? d.warmup, 1, 1_000_000),
    alpha,
    sigmaMin: checkFinite(f('sigmaMin'), input.sigmaMin ?? d.sigmaMin, true),
    freezeZ,
    maxFrozen: checkInteger(f('maxFrozen'), input.maxFrozen ?? d.maxFrozen, 1, 1_000_000),
  };
}

/** Marks the objects {@link prepareBaselineOptions} returned (a property, not a WeakSet entry per object). */
const PREPARED = Symbol('prepared baseline options');

function freezePrepared(resolved: ResolvedBaselineOptions): ResolvedBaselineOptions {
  Object.defineProperty(resolved, PREPARED, { value: true });
  return Object.freeze(resolved);
}

const PREPARED_DEFAULTS = freezePrepared({ ...DEFAULT_BASELINE_OPTIONS });

/**
 * Validates baseline options once (throws `OptionError`); passing the result again costs nothing, so one
 * resolved object serves every series of an indicator instead of a copy per series.
 */
export function prepareBaselineOptions(options: BaselineOptions = {}): ResolvedBaselineOptions {
  if ((options as { [PREPARED]?: boolean })[PREPARED] === true) {
    return options as ResolvedBaselineOptions;
  }
  if (Object.keys(options).length === 0) {
    return PREPARED_DEFAULTS;
  }
  return freezePrepared(resolveBaselineOptions(options));
}

/** What one evaluation yields. */
export interface BaselinePoint {
  /** Baseline mean and standard deviation the value was judged against (NaN before the first value). */
  mean: number;
  std: number;
  /** `value − μ` and `deviation / max(σ, σmin)`; NaN during warm-up. */
  deviation: number;
  z: number;
  /** Warm-up complete. */
  ready: boolean;
  /** Learning paused for this value (anomaly open). */
  frozen: boolean;
}

/** Persistable state of a {@link Baseline}. */
export interface BaselineState {
  count: number;
  mean: number;
  variance: number;
  frozenRun: number;
}

/** One series' baseline. */
export class Baseline {
  readonly options: ResolvedBaselineOptions;
  private count = 0;
  private mean = NaN;
  private variance = 0;
  private frozenRun = 0;

  constructor(options: BaselineOptions = {}, state?: BaselineState) {
    this.options = prepareBaselineOptions(options);
    if (state) {
      this.restore(state);
    }
  }

  get ready(): boolean {
    return this.count >= this.options.warmup;
  }

  /**
   * Judges `value` against the baseline, then learns it unless an anomaly is open. `anomalyOpen` overrides
   * the built-in rule (|z| ≥ freezeZ), e.g. when a detector owns the anomaly state. NaN values are not
   * learned and yield NaN deviation.
   */
  observe(value: number, anomalyOpen?: boolean): BaselinePoint {
    return this.observeInto(
      value,
      { mean: NaN, std: NaN, deviation: NaN, z: NaN, ready: false, frozen: false },
      anomalyOpen
    );
  }

  /** {@link observe} writing into `out` (returned): no allocation per evaluation on the engine's hot path. */
  observeInto(value: number, out: BaselinePoint, anomalyOpen?: boolean): BaselinePoint {
    const o = this.options;
    const ready = this.ready;
    const std = Math.sqrt(this.variance);
    const mean = this.mean;
    const deviation = ready ? value - mean : NaN;
    const z = deviation / Math.max(std, o.sigmaMin);
    out.mean = mean;
    out.std = std;
    out.ready = ready;
    if (!Number.isFinite(value)) {
      out.deviation = NaN;
      out.z = NaN;
      out.frozen = false;
      return out;
    }
    const open = ready && (anomalyOpen ?? Math.abs(z) >= o.freezeZ);
    let frozen = false;
    if (!open) {
      this.frozenRun = 0;
      this.learn(value);
    } else if (this.frozenRun >= o.maxFrozen) {
      // Open for maxFrozen evaluations: the level is the new normal; learn until the anomaly closes.
      this.learn(value);
    } else {
      this.frozenRun++;
      frozen = true;
    }
    out.deviation = deviation;
    out.z = z;
    out.frozen = frozen;
    return out;
  }

  /** West's exponentially weighted mean and variance; the running mean while `count < 1/α`. */
  private learn(x: number): void {
    this.count++;
    const a = Math.max(this.options.alpha, 1 / this.count);
    if (this.count === 1) {
      this.mean = x;
      this.variance = 0;
      return;
    }
    const diff = x - this.mean;
    const incr = a * diff;
    this.mean += incr;
    this.variance = (1 - a) * (this.variance + diff * incr);
  }

  state(): BaselineState {
    return { count: this.count, mean: this.mean, variance: this.variance, frozenRun: this.frozenRun };
  }

  private restore(s: BaselineState): void {
    const ok =
      Number.isInteger(s.count) &&
      s.count >= 0 &&
      (s.count === 0 || Number.isFinite(s.mean)) &&
      Number.isFinite(s.variance) &&
      s.variance >= 0 &&
      Number.isInteger(s.frozenRun) &&
      s.frozenRun >= 0;
    if (!ok) {
      throw new OptionError('baseline.state', `baseline state is not valid: ${JSON.stringify(s)}`);
    }
    this.count = s.count;
    this.mean = s.count === 0 ? NaN : s.mean;
    this.variance = s.variance;
    this.frozenRun = s.frozenRun;
  }
}

/** Baseline columns over a whole series (the browser's `baseline` output). */
export interface BaselineSeries {
  mean: Float64Array;
  std: Float64Array;
  deviation: Float64Array;
  z: Float64Array;
}

/** Runs a {@link Baseline} over `values` (NaN rows are skipped and yield NaN). */
export function rollingBaseline(values: ArrayLike<number>, options: BaselineOptions = {}): BaselineSeries {
  const b = new Baseline(options);
  const n = values.length;
  const out: BaselineSeries = {
    mean: new Float64Array(n),
    std: new Float64Array(n),
    deviation: new Float64Array(n),
    z: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const p = b.observe(values[i]);
    out.mean[i] = p.mean;
    out.std[i] = p.std;
    out.deviation[i] = p.deviation;
    out.z[i] = p.z;
  }
  return out;
}
