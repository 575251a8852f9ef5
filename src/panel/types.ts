/** Options of the "Entropy health" panel. */
import { BinningMode, EstimatorKind } from '../core';

/** `compute`: the panel applies the entropy transform to its raw query results; `display`: frames already are entropy. */
export type PanelMode = 'compute' | 'display';

/** What colours a cell. */
export type ColorBy = 'entropy' | 'z';

export interface EntropyPanelOptions {
  mode: PanelMode;
  colorBy: ColorBy;
  /** Label naming the host (rows). */
  hostLabel: string;
  /** Label naming the indicator (columns), when frames carry one (e.g. the engine's metrics). */
  indicatorLabel: string;
  showValues: boolean;
  estimator: EstimatorKind;
  window: number;
  binning: BinningMode;
  bins: number;
  lo: number;
  hi: number;
  width: number;
  order: number;
  delay: number;
  /** Baseline warm-up `L`, evaluations. */
  warmup: number;
}

export const DEFAULT_PANEL_OPTIONS: EntropyPanelOptions = {
  mode: 'compute',
  colorBy: 'entropy',
  hostLabel: 'instance',
  indicatorLabel: 'indicator',
  showValues: true,
  estimator: 'shannon',
  window: 60,
  binning: 'fixed',
  bins: 10,
  lo: 0,
  hi: 1,
  width: 1,
  order: 4,
  delay: 1,
  warmup: 60,
};
