/**
 * A host's series by indicator name, with the `Map` methods the engine uses, over one small array.
 *
 * A host has a handful of series (one per indicator), and a `Map` costs ~270 bytes even with one entry (its
 * hash table is allocated for several): at 100,000 hosts that is 27 MB for nothing. Lookups scan the array
 * (indicator names are interned config strings, so most comparisons are pointer checks).
 */
import { EngineSeries } from './series';

export class HostSeries implements Iterable<[string, EngineSeries]> {
  /**
   * Replaced, never changed in place, on `set` of a new name and on `delete`: an iteration in progress goes on
   * over the array it started with, so deleting the current entry while iterating (as `evaluate` does) is safe.
   */
  private items: EngineSeries[] = [];

  get size(): number {
    return this.items.length;
  }

  get(indicator: string): EngineSeries | undefined {
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      if (items[i].indicator.name === indicator) {
        return items[i];
      }
    }
    return undefined;
  }

  has(indicator: string): boolean {
    return this.get(indicator) !== undefined;
  }

  /** Sets the series of `indicator` (which must be `series.indicator.name`); a new one goes last, as in a Map. */
  set(indicator: string, series: EngineSeries): this {
    if (series.indicator.name !== indicator) {
      throw new RangeError(`series of indicator ${series.indicator.name} set under ${indicator}`);
    }
    const i = this.items.findIndex((s) => s.indicator.name === indicator);
    // `concat` and `map` allocate exactly the length (a spread or `filter` leaves spare capacity).
    this.items = i < 0 ? this.items.concat(series) : this.items.map((s, j) => (j === i ? series : s));
    return this;
  }

  delete(indicator: string): boolean {
    const i = this.items.findIndex((s) => s.indicator.name === indicator);
    if (i < 0) {
      return false;
    }
    const kept = new Array<EngineSeries>(this.items.length - 1);
    for (let j = 0, k = 0; j < this.items.length; j++) {
      if (j !== i) {
        kept[k++] = this.items[j];
      }
    }
    this.items = kept;
    return true;
  }

  clear(): void {
    this.items = [];
  }

  /** The series, in insertion order: a snapshot (later changes make a new array), fast for hot loops. */
  list(): readonly EngineSeries[] {
    return this.items;
  }

  values(): IterableIterator<EngineSeries> {
    return this.items.values();
  }

  *keys(): IterableIterator<string> {
    for (const s of this.items) {
      yield s.indicator.name;
    }
  }

  *entries(): IterableIterator<[string, EngineSeries]> {
    for (const s of this.items) {
      yield [s.indicator.name, s];
    }
  }

  [Symbol.iterator](): IterableIterator<[string, EngineSeries]> {
    return this.entries();
  }

  forEach(fn: (series: EngineSeries, indicator: string, map: this) => void): void {
    for (const s of this.items) {
      fn(s, s.indicator.name, this);
    }
  }
}
