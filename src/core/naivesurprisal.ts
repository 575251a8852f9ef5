/**
 * Naive reference of the surprisal detector: the same definition written the obvious way — a map of bins,
 * every weight multiplied by `1 − α` on every sample, coarsening by re-keying the map, and the suppression
 * maximum by scanning the last `K` values. O(bins + K) per sample; tests and the benchmark compare
 * {@link SurprisalDetector} with it. Never use it on a hot path.
 */
import { FORGET_BELOW } from './ewhistogram';
import { DetectorPoint } from './pipeline';
import { learnWidth, resolveSurprisalOptions, SurprisalOptions } from './surprisal';

export class NaiveSurprisal {
  private readonly o;
  private readonly warm: number[] = [];
  private bins = new Map<number, number>();
  private width = NaN;
  private baseWidth = NaN;
  private sinceTidy = 0;
  private readonly levels: number[] = [];

  constructor(options: SurprisalOptions = {}) {
    this.o = resolveSurprisalOptions(options);
  }

  push(_t: number, v: number): DetectorPoint | undefined {
    if (!Number.isFinite(v)) {
      return undefined;
    }
    const o = this.o;
    if (Number.isNaN(this.width)) {
      this.warm.push(v);
      if (this.warm.length === o.warmup) {
        this.width = learnWidth(Float64Array.from(this.warm), o.bins);
        this.baseWidth = this.width;
        this.warm.forEach((x) => this.learn(x));
      }
      return undefined;
    }
    const total = [...this.bins.values()].reduce((a, b) => a + b, 0);
    const keys = [...this.bins.keys()];
    const lo = Math.min(...keys);
    const hi = Math.max(...keys);
    const k = Math.floor(v / this.width);
    const norm = total + o.smoothing * o.maxBins;
    let surprisal: number;
    if (k >= lo && k <= hi) {
      surprisal = -Math.log(((this.bins.get(k) ?? 0) + o.smoothing) / norm);
    } else {
      const d = Math.min(o.maxBins, k < lo ? lo - k : k - hi);
      surprisal = -Math.log(o.smoothing / norm / (1 + d));
    }
    const ceiling = -Math.log(o.smoothing / norm / (1 + o.maxBins));
    const level = Math.min(1, Math.max(0, surprisal / ceiling));
    const previous = this.levels.slice(-o.suppress);
    const score = previous.length === 0 || level > Math.max(...previous) + 1e-9 ? level : 0;
    this.levels.push(level);
    this.learn(v);
    return { statistic: surprisal, score, alert: score >= o.threshold };
  }

  private learn(v: number): void {
    const o = this.o;
    for (const [k, c] of this.bins) {
      this.bins.set(k, c * (1 - o.alpha));
    }
    let k = Math.floor(v / this.width);
    while (this.bins.size > 0 && Math.max(k, ...this.bins.keys()) - Math.min(k, ...this.bins.keys()) >= o.maxBins) {
      this.width *= 2;
      const merged = new Map<number, number>();
      for (const [key, c] of this.bins) {
        merged.set(Math.floor(key / 2), (merged.get(Math.floor(key / 2)) ?? 0) + c);
      }
      this.bins = merged;
      k = Math.floor(v / this.width);
    }
    this.bins.set(k, (this.bins.get(k) ?? 0) + 1);
    if (++this.sinceTidy === o.maxBins) {
      this.sinceTidy = 0;
      if (this.width > this.baseWidth) {
        this.tidy();
      }
    }
  }

  private tidy(): void {
    const sorted = () => [...this.bins.keys()].sort((a, b) => a - b);
    for (const edge of [() => sorted()[0], () => sorted()[this.bins.size - 1]]) {
      while (this.bins.size > 1 && this.bins.get(edge())! < FORGET_BELOW) {
        this.bins.delete(edge());
      }
    }
    const span = () => sorted()[this.bins.size - 1] - sorted()[0] + 1;
    while (4 * span() <= this.o.maxBins && this.width > this.baseWidth) {
      const split = new Map<number, number>();
      for (const [key, c] of this.bins) {
        split.set(2 * key, c / 2);
        split.set(2 * key + 1, c / 2);
      }
      this.bins = split;
      this.width /= 2;
    }
  }
}
