import { PanelPlugin } from '@grafana/data';
import { EntropyPanel } from './components/EntropyPanel';
import { buildPanelOptions, fieldConfigOptions } from './options';
import { EntropyPanelOptions } from './types';

export const plugin = new PanelPlugin<EntropyPanelOptions>(EntropyPanel).setPanelOptions(buildPanelOptions).useFieldConfig(fieldConfigOptions);
