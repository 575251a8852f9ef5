/** The panel's option editors; `module.ts` only wires this in. */
import { FieldColorModeId, FieldConfigProperty, PanelOptionsEditorBuilder, SetFieldConfigOptionsArgs } from '@grafana/data';
import { DEFAULT_PANEL_OPTIONS as D, EntropyPanelOptions } from './types';

const compute = (o: EntropyPanelOptions) => o.mode === 'compute';
const shannon = (o: EntropyPanelOptions) => compute(o) && o.estimator === 'shannon';
const fixed = (o: EntropyPanelOptions) => shannon(o) && o.binning === 'fixed';

/** Panel options: mode, colouring, labels, and the estimator for compute mode. */
export function buildPanelOptions(builder: PanelOptionsEditorBuilder<EntropyPanelOptions>): PanelOptionsEditorBuilder<EntropyPanelOptions> {
  return builder
    .addRadio({
      path: 'mode',
      name: 'Data',
      description: 'Compute entropy from the raw query results here, or display frames that already are entropy',
      defaultValue: D.mode,
      settings: {
        options: [
          { value: 'compute', label: 'Compute' },
          { value: 'display', label: 'Display' },
        ],
      },
    })
    .addRadio({
      path: 'colorBy',
      name: 'Colour by',
      defaultValue: D.colorBy,
      settings: {
        options: [
          { value: 'entropy', label: 'Entropy (Hn)' },
          { value: 'z', label: 'z vs baseline' },
        ],
      },
    })
    .addTextInput({ path: 'hostLabel', name: 'Host label', description: 'Label naming a host (rows)', defaultValue: D.hostLabel })
    .addTextInput({
      path: 'indicatorLabel',
      name: 'Indicator label',
      description: 'Label naming an indicator (columns) when series carry one; otherwise the query',
      defaultValue: D.indicatorLabel,
    })
    .addBooleanSwitch({ path: 'showValues', name: 'Show values', defaultValue: D.showValues })
    .addRadio({
      path: 'estimator',
      name: 'Estimator',
      category: ['Entropy'],
      defaultValue: D.estimator,
      settings: {
        options: [
          { value: 'shannon', label: 'Shannon' },
          { value: 'permutation', label: 'Permutation' },
        ],
      },
      showIf: compute,
    })
    .addNumberInput({ path: 'window', name: 'Window W', category: ['Entropy'], defaultValue: D.window, settings: { min: 2, max: 100000, integer: true }, showIf: compute })
    .addRadio({
      path: 'binning',
      name: 'Binning',
      category: ['Entropy'],
      defaultValue: D.binning,
      settings: {
        options: [
          { value: 'fixed', label: 'Fixed' },
          { value: 'adaptive', label: 'Adaptive' },
          { value: 'width', label: 'Width' },
        ],
      },
      showIf: shannon,
    })
    .addNumberInput({ path: 'bins', name: 'Bins B', category: ['Entropy'], defaultValue: D.bins, settings: { min: 2, integer: true }, showIf: (o) => shannon(o) && o.binning !== 'width' })
    .addNumberInput({ path: 'lo', name: 'Lower edge', category: ['Entropy'], defaultValue: D.lo, showIf: fixed })
    .addNumberInput({ path: 'hi', name: 'Upper edge', category: ['Entropy'], defaultValue: D.hi, showIf: fixed })
    .addNumberInput({ path: 'width', name: 'Bin width', category: ['Entropy'], defaultValue: D.width, showIf: (o) => shannon(o) && o.binning === 'width' })
    .addNumberInput({ path: 'order', name: 'Order d', category: ['Entropy'], defaultValue: D.order, settings: { min: 3, max: 7, integer: true }, showIf: (o) => compute(o) && o.estimator === 'permutation' })
    .addNumberInput({ path: 'delay', name: 'Delay τ', category: ['Entropy'], defaultValue: D.delay, settings: { min: 1, integer: true }, showIf: (o) => compute(o) && o.estimator === 'permutation' })
    .addNumberInput({ path: 'warmup', name: 'Baseline warm-up L', category: ['Entropy'], defaultValue: D.warmup, settings: { min: 1, integer: true }, showIf: compute });
}

/** Standard field options: colour scheme, thresholds, unit, min/max and data links; Hn defaults to 0..1. */
export const fieldConfigOptions: SetFieldConfigOptionsArgs = {
  standardOptions: {
    [FieldConfigProperty.Color]: { defaultValue: { mode: FieldColorModeId.ContinuousGrYlRd } },
    [FieldConfigProperty.Decimals]: { defaultValue: 2 },
    [FieldConfigProperty.Unit]: { defaultValue: 'none' },
  },
};
