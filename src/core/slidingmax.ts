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
