/**
 * What every counting estimator shares: `S = Σ c·log2 c` kept up to date by table differences, and its
 * periodic re-sync from the counts so that floating error never accumulates.
 */
import { ResolvedEntropyOptions } from './options';
import { resyncPeriod, RollingWindow } from './window';
import { ROUNDING, inverseLog2Table, inverseTable, log2Table, xlog2xTable } from './xlogx';

export abstract class CountedEntropy extends RollingWindow {
  /** `S = Σ c·log2 c` over the current counts. */
  protected s = 0;
  /** `t[c] = c·log2 c`. */
  protected readonly xlogx: Float64Array;
  /** `t[n] = log2 n`. */
  protected readonly logs: Float64Array;
  /** `t[n] = 1 / n` and `t[k] = 1 / log2 k`: multiplies instead of divides on the hot path. */
  protected readonly inverse: Float64Array;
  protected readonly inverseLogs: Float64Array;
  /** Count changes since the last re-sync. */
  protected updates = 0;
  protected readonly resyncEvery: number;

  constructor(options: ResolvedEntropyOptions, states: number) {
    super(options);
    this.xlogx = xlog2xTable(options.window);
    this.logs = log2Table(Math.max(options.window, states));
    this.inverse = inverseTable(options.window);
    this.inverseLogs = inverseLog2Table(Math.max(options.window, states));
    this.resyncEvery = resyncPeriod(states);
  }

  /** A count went from `c` to `c + 1` (`apply` false: the caller already adjusted `s`). */
  protected counted(c: number, apply = true): void {
    if (apply) {
      this.s += this.xlogx[c + 1] - this.xlogx[c];
    }
    if (++this.updates >= this.resyncEvery) {
      this.resync();
    }
  }

  /** A count went from `c` to `c − 1`. */
  protected uncounted(c: number): void {
    this.s += this.xlogx[c - 1] - this.xlogx[c];
  }

  /** Sets `bits` and `normalized` for `n` counted items over `k` possible outcomes. */
  protected setEntropy(n: number, k: number): void {
    let h = n > 1 ? this.logs[n] - this.s * this.inverse[n] : 0;
    h = h > ROUNDING ? h : 0;
    this.bits = h;
    const hn = h * this.inverseLogs[k];
    this.normalized = hn < 1 ? hn : 1;
  }

  /** Writes back the loop state a batch loop kept in locals (`pushMany` of the specialised estimators). */
  protected saveLoop(
    s: number,
    lastT: number,
    size: number,
    head: number,
    admitted: number,
    updates: number,
    h: number,
    hn: number
  ): void {
    this.s = s;
    this.lastT = lastT;
    this.size = size;
    this.head = head;
    this.admitted = admitted;
    this.updates = updates;
    this.bits = h;
    this.normalized = hn;
  }

  resync(): void {
    this.s = this.sumXlogx();
    this.updates = 0;
  }

  /** `Σ c·log2 c` recomputed from the counts. */
  protected abstract sumXlogx(): number;
}

/** Counts never exceed the window, so 16 bits are enough for any window up to 65535 (all real ones). */
export type Counts = Uint16Array | Uint32Array;

/** A zeroed counts array for `states` outcomes in a window of `capacity` samples. */
export function countsArray(states: number, capacity: number): Counts {
  return capacity <= 0xffff ? new Uint16Array(states) : new Uint32Array(states);
}

/** `Σ t[c]` over a typed array of counts (its first `n` entries). */
export function sumTable(counts: Counts, table: Float64Array, n = counts.length): number {
  let s = 0;
  for (let k = 0; k < n; k++) {
    s += table[counts[k]];
  }
  return s;
}
