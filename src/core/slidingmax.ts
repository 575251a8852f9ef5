/**
 * Maximum of the last `K` values of a stream, amortized O(1) per value (a monotonic deque in a ring of `K`
 * slots). The surprisal detector uses it to report a spike once instead of on every sample that follows.
 */
export class SlidingMax {
  private readonly values: Float64Array;
  private readonly positions: Float64Array;
  /** Ring slots of the deque's front and its length; values decrease from front to back. */
  private front = 0;
  private length = 0;
  /** Values pushed so far. */
  private count = 0;

  constructor(readonly k: number) {
    this.values = new Float64Array(k);
    this.positions = new Float64Array(k);
  }

  /** Maximum of the last `K` values pushed (−Infinity before the first). */
  get max(): number {
    return this.length > 0 ? this.values[this.front] : -Infinity;
  }

  /** Adds `v`; the value pushed `K` values ago leaves. */
  push(v: number): void {
    const k = this.k;
    // Values not greater than v can never be the maximum again while v is in the window.
    while (this.length > 0 && this.values[this.slot(this.length - 1)] <= v) {
      this.length--;
    }
    if (this.length > 0 && this.positions[this.front] <= this.count - k) {
      this.front = this.slot(1);
      this.length--;
    }
    const slot = this.slot(this.length);
    this.values[slot] = v;
    this.positions[slot] = this.count;
    this.length++;
    this.count++;
  }

  /**
   * The values that can still be a maximum, oldest first, with their ages (0 = the last value pushed):
   * enough to rebuild an instance that gives the same maxima from then on.
   */
  state(): { values: number[]; ages: number[] } {
    const values: number[] = [];
    const ages: number[] = [];
    for (let j = 0; j < this.length; j++) {
      const slot = this.slot(j);
      values.push(this.values[slot]);
      ages.push(this.count - 1 - this.positions[slot]);
    }
    return { values, ages };
  }

  /** Rebuilds from {@link state}; undefined when the state is not a valid one for this `k`. */
  static restore(k: number, s: { values: number[]; ages: number[] }): SlidingMax | undefined {
    const { values, ages } = s ?? {};
    const ok =
      Array.isArray(values) &&
      Array.isArray(ages) &&
      values.length === ages.length &&
      values.length <= k &&
      values.every((v, j) => typeof v === 'number' && !Number.isNaN(v) && (j === 0 || v < values[j - 1])) &&
      ages.every((a, j) => Number.isInteger(a) && a >= 0 && a < k && (j === 0 || a < ages[j - 1]));
    if (!ok) {
      return undefined;
    }
    const m = new SlidingMax(k);
    // Positions are relative: place the newest candidate just before `count = k`.
    m.count = k;
    values.forEach((v, j) => {
      m.values[j] = v;
      m.positions[j] = k - 1 - ages[j];
    });
    m.length = values.length;
    return m;
  }

  /** Ring slot `offset` places after the front (a compare instead of `%`, which is slow on a hot path). */
  private slot(offset: number): number {
    const s = this.front + offset;
    return s >= this.k ? s - this.k : s;
  }

  /** Bytes of state. */
  get stateBytes(): number {
    return this.values.byteLength + this.positions.byteLength + 3 * 8;
  }
}
