/**
 * Streaming Shannon entropy over binned window values (DESIGN.md, "Shannon").
 *
 * Moving one sample in or out changes one bin count by one, so `S` changes by a table difference: O(1) per
 * sample for `fixed` and `width`. `adaptive` re-bins the window when its min or max changes (amortized O(1)
 * for stationary data, O(W) per change of range).
 */
import { adaptiveBin, fixedBin, widthBin } from './binning';
import { CountedEntropy, Counts, countsArray, sumTable } from './counted';
import { ResolvedEntropyOptions } from './options';
import { ROUNDING } from './xlogx';

function slotArray(capacity: number, maxValue: number): Uint16Array | Int32Array {
  return maxValue <= 0xffff ? new Uint16Array(capacity) : new Int32Array(capacity);
}

type Cells = Uint16Array | Uint32Array;

/**
 * `length` zeroed cells able to hold integers up to `maxValue`. 16 bits for every realistic window and bin
 * count: one element type keeps the hot loops monomorphic whatever windows a page or an engine mixes (a
 * `Uint8Array` for small windows saved ~70 bytes per estimator but cost about a quarter of the batch throughput once
 * estimators of both kinds had run through the same code).
 */
function cellsArray(length: number, maxValue: number): Cells {
  return maxValue <= 0xffff ? new Uint16Array(length) : new Uint32Array(length);
}

/** Shannon entropy with `fixed(lo, hi, B)` bins. */
export class FixedShannon extends CountedEntropy {
  /**
   * The bin counts (`[0, B)`) and each slot's bin (`[B, B + W)`) in one typed array: the engine keeps one
   * estimator per series, and each small typed array costs ~190 bytes of V8 objects beside its data.
   */
  private readonly cells: Cells;
  private readonly lo: number;
  private readonly hi: number;
  private readonly bins: number;

  constructor(options: ResolvedEntropyOptions) {
    super(options, options.bins);
    this.cells = cellsArray(options.bins + options.window, Math.max(options.window, options.bins - 1));
    this.lo = options.lo;
    this.hi = options.hi;
    this.bins = options.bins;
  }

  /**
   * The hot path, specialised: without `maxAgeMs`, the window is a plain ring and the whole update fits in
   * one method that V8 inlines into callers' loops (about 3× the generic loop). Same steps, same tables and
   * same `fixedBin` as the generic path; the property tests hold both to the naive reference.
   */
  push(t: number, v: number): number | undefined {
    if (this.ageBounded || typeof v !== 'number' || v - v !== 0 || t - t !== 0 || t <= this.lastT) {
      return super.push(t, v);
    }
    this.lastT = t;
    this.admitted++;
    const cells = this.cells;
    const bins = this.bins;
    const x = this.xlogx;
    let size = this.size;
    let slot = this.head;
    if (size === this.capacity) {
      const c = cells[cells[bins + slot]]--;
      this.s += x[c - 1] - x[c];
      this.head = slot + 1 === size ? 0 : slot + 1;
    } else {
      slot += size;
      if (slot >= this.capacity) {
        slot -= this.capacity;
      }
      this.size = ++size;
    }
    const k = fixedBin(v, this.lo, this.hi, bins);
    cells[bins + slot] = k;
    const c = cells[k]++;
    this.s += x[c + 1] - x[c];
    this.counted(c, false);
    if (size < this.minFill) {
      return undefined;
    }
    this.setEntropy(size, size < this.bins ? size : this.bins);
    return this.normalized;
  }

  /**
   * The batch loop with the ring state in locals (written back at the end): the browser runs this over whole
   * Prometheus ranges. Rows the fast path cannot take (invalid, out of order, `maxAgeMs`) go through `push`.
   */
  pushMany(ts: ArrayLike<number>, vs: ArrayLike<number>, out: Float64Array, unit: 'normalized' | 'bits'): void {
    if (this.ageBounded) {
      super.pushMany(ts, vs, out, unit);
      return;
    }
    const bitsOut = unit === 'bits';
    const { cells, lo, hi, bins, capacity, minFill, resyncEvery } = this;
    const x = this.xlogx;
    const logs = this.logs;
    const inverse = this.inverse;
    const inverseLogs = this.inverseLogs;
    // Loop state lives in locals (registers); it is written back before anything that reads `this`.
    let { s, lastT, size, head, admitted, updates } = this;
    let h = this.bits;
    let hn = this.normalized;
    for (let i = 0; i < out.length; i++) {
      const t = ts[i];
      const v = vs[i];
      if (typeof v !== 'number' || v - v !== 0 || t - t !== 0 || t <= lastT) {
        this.saveLoop(s, lastT, size, head, admitted, updates, h, hn);
        super.push(t, v); // counts the skip; the window is unchanged
        out[i] = size >= minFill ? (bitsOut ? h : hn) : NaN;
        continue;
      }
      lastT = t;
      admitted++;
      let slot = head;
      if (size === capacity) {
        const c = cells[cells[bins + slot]]--;
        s += x[c - 1] - x[c];
        head = slot + 1 === capacity ? 0 : slot + 1;
      } else {
        slot += size;
        if (slot >= capacity) {
          slot -= capacity;
        }
        size++;
      }
      const k = fixedBin(v, lo, hi, bins);
      cells[bins + slot] = k;
      const c = cells[k]++;
      s += x[c + 1] - x[c];
      if (++updates >= resyncEvery) {
        s = sumTable(cells, x, bins);
        updates = 0;
      }
      if (size < minFill) {
        h = NaN;
        hn = NaN;
        out[i] = NaN;
        continue;
      }
      h = size > 1 ? logs[size] - s * inverse[size] : 0;
      h = h > ROUNDING ? h : 0;
      const kk = size < bins ? size : bins;
      hn = h * inverseLogs[kk];
      hn = hn < 1 ? hn : 1;
      out[i] = bitsOut ? h : hn;
    }
    this.saveLoop(s, lastT, size, head, admitted, updates, h, hn);
  }

  protected remove(slot: number): void {
    this.uncounted(this.cells[this.cells[this.bins + slot]]--);
  }

  protected add(slot: number, v: number): void {
    const k = fixedBin(v, this.lo, this.hi, this.bins);
    this.cells[this.bins + slot] = k;
    this.counted(this.cells[k]++);
  }

  protected update(): void {
    const n = this.size;
    this.setEntropy(n, n < this.bins ? n : this.bins);
  }

  protected sumXlogx(): number {
    return sumTable(this.cells, this.xlogx, this.bins);
  }
}

/** Shannon entropy with unbounded `width(w)` bins; `B` is taken as `n` for normalization. */
export class WidthShannon extends CountedEntropy {
  private readonly counts = new Map<number, number>();
  private readonly slotBins: Float64Array;
  private readonly width: number;

  constructor(options: ResolvedEntropyOptions) {
    super(options, options.window);
    this.slotBins = new Float64Array(options.window);
    this.width = options.width;
  }

  protected remove(slot: number): void {
    const k = this.slotBins[slot];
    const c = this.counts.get(k) as number;
    if (c === 1) {
      this.counts.delete(k);
    } else {
      this.counts.set(k, c - 1);
    }
    this.uncounted(c);
  }

  protected add(slot: number, v: number): void {
    const k = widthBin(v, this.width);
    this.slotBins[slot] = k;
    const c = this.counts.get(k) ?? 0;
    this.counts.set(k, c + 1);
    this.counted(c);
  }

  protected update(): void {
    this.setEntropy(this.size, this.size);
  }

  protected sumXlogx(): number {
    let s = 0;
    for (const c of this.counts.values()) {
      s += this.xlogx[c];
    }
    return s;
  }
}

/** Shannon entropy with `adaptive(B)` bins spanning the window's own min and max. */
export class AdaptiveShannon extends CountedEntropy {
  private readonly counts: Counts;
  private readonly slotBins: Uint16Array | Int32Array;
  private readonly values: Float64Array;
  private readonly bins: number;
  /** The range the current bin indices were assigned with. */
  private lo = Infinity;
  private hi = -Infinity;
  /** Set when a sample may have moved min or max; resolved in `update`. */
  private stale = false;

  constructor(options: ResolvedEntropyOptions) {
    super(options, options.bins);
    this.bins = options.bins;
    this.counts = countsArray(options.bins, options.window);
    this.slotBins = slotArray(options.window, options.bins - 1);
    this.values = new Float64Array(options.window);
  }

  protected remove(slot: number): void {
    const v = this.values[slot];
    if (v <= this.lo || v >= this.hi) {
      this.stale = true;
    }
    this.uncounted(this.counts[this.slotBins[slot]]--);
  }

  protected add(slot: number, v: number): void {
    this.values[slot] = v;
    if (v < this.lo || v > this.hi) {
      this.stale = true;
    }
    const k = adaptiveBin(v, this.lo, this.hi, this.bins);
    this.slotBins[slot] = k;
    this.counted(this.counts[k]++);
  }

  protected update(): void {
    if (this.stale) {
      this.rebinIfRangeMoved();
    }
    const n = this.size;
    if (this.hi > this.lo) {
      this.setEntropy(n, n < this.bins ? n : this.bins);
    } else {
      this.bits = 0;
      this.normalized = 0;
    }
  }

  /** Finds the window's min and max; if they differ from the binning range, re-bins every sample. */
  private rebinIfRangeMoved(): void {
    this.stale = false;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < this.size; i++) {
      const v = this.values[this.slotAt(i)];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    if (lo === this.lo && hi === this.hi) {
      return;
    }
    this.lo = lo;
    this.hi = hi;
    this.counts.fill(0);
    for (let i = 0; i < this.size; i++) {
      const slot = this.slotAt(i);
      const k = adaptiveBin(this.values[slot], lo, hi, this.bins);
      this.slotBins[slot] = k;
      this.counts[k]++;
    }
    this.resync();
  }

  protected sumXlogx(): number {
    return sumTable(this.counts, this.xlogx);
  }
}
