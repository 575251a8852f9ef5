import { PanelOptionsEditorBuilder } from '@grafana/data';
import { buildPanelOptions } from './options';
import { DEFAULT_PANEL_OPTIONS, EntropyPanelOptions } from './types';

interface Item {
  path: keyof EntropyPanelOptions;
  defaultValue: unknown;
  showIf?: (o: EntropyPanelOptions) => boolean;
}

/** Records what the builder is asked for (Grafana's option editors registry is not needed for that). */
function record(): Item[] {
  const items: Item[] = [];
  const builder = {} as Record<string, (item: Item) => unknown>;
  for (const method of ['addRadio', 'addTextInput', 'addNumberInput', 'addBooleanSwitch']) {
    builder[method] = (item: Item) => {
      items.push(item);
      return builder;
    };
  }
  buildPanelOptions(builder as unknown as PanelOptionsEditorBuilder<EntropyPanelOptions>);
  return items;
}

const visible = (o: Partial<EntropyPanelOptions>) =>
  record()
    .filter((i) => !i.showIf || i.showIf({ ...DEFAULT_PANEL_OPTIONS, ...o }))
    .map((i) => i.path);

describe('panel options', () => {
  it('every option has its default from DEFAULT_PANEL_OPTIONS', () => {
    const items = record();
    expect(items.map((i) => i.path).sort()).toEqual(Object.keys(DEFAULT_PANEL_OPTIONS).sort());
    for (const item of items) {
      expect(item.defaultValue).toEqual(DEFAULT_PANEL_OPTIONS[item.path]);
    }
  });

  it.each([
    [{ mode: 'display' as const }, ['mode', 'colorBy', 'hostLabel', 'indicatorLabel', 'showValues']],
    [{ mode: 'compute' as const }, ['mode', 'colorBy', 'hostLabel', 'indicatorLabel', 'showValues', 'estimator', 'window', 'binning', 'bins', 'lo', 'hi', 'warmup']],
    [{ binning: 'width' as const }, ['mode', 'colorBy', 'hostLabel', 'indicatorLabel', 'showValues', 'estimator', 'window', 'binning', 'width', 'warmup']],
    [{ estimator: 'permutation' as const }, ['mode', 'colorBy', 'hostLabel', 'indicatorLabel', 'showValues', 'estimator', 'window', 'order', 'delay', 'warmup']],
  ])('%p shows only the options that apply', (options, expected) => {
    expect(visible(options)).toEqual(expected);
  });
});
