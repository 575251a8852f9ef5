import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { DataSourceApi, DataSourceSettings } from '@grafana/data';
import { setDataSourceSrv } from '@grafana/runtime';
import { testIds } from '../../components/testIds';
import { instanceSettings, StandInDataSourceSrv } from '../../testing/standIns';
import { EntropyDataSourceOptions } from '../types';
import { ConfigEditor } from './ConfigEditor';

function renderConfig(jsonData: EntropyDataSourceOptions) {
  const registry = new StandInDataSourceSrv();
  for (const [uid, type, name] of [
    ['prom', 'prometheus', 'Prometheus main'],
    ['loki', 'loki', 'Logs'],
  ]) {
    const settings = instanceSettings(uid, type, name, {});
    registry.add({ uid, name, type } as DataSourceApi, settings);
  }
  setDataSourceSrv(registry);
  const options = { jsonData, secureJsonFields: {} } as unknown as DataSourceSettings<EntropyDataSourceOptions>;
  const onOptionsChange = jest.fn();
  render(<ConfigEditor options={options} onOptionsChange={onOptionsChange} />);
  return { onOptionsChange, options };
}

describe('ConfigEditor', () => {
  it('shows the chosen upstream Prometheus by name', () => {
    renderConfig({ upstreamUid: 'prom' });
    expect(screen.getByTestId(testIds.configEditor.upstream)).toHaveTextContent(/Prometheus main|prom/);
  });

  it('a default window is stored in jsonData, keeping what was there', () => {
    const { onOptionsChange, options } = renderConfig({ upstreamUid: 'prom', hostLabel: 'node' });
    fireEvent.change(screen.getByTestId(testIds.configEditor.window), { target: { value: '90' } });
    expect(onOptionsChange).toHaveBeenLastCalledWith({
      ...options,
      jsonData: { upstreamUid: 'prom', hostLabel: 'node', window: 90 },
    });
  });

  it('the estimator default is one click', () => {
    const { onOptionsChange } = renderConfig({ upstreamUid: 'prom' });
    fireEvent.click(screen.getByLabelText('Permutation'));
    expect(onOptionsChange.mock.calls.at(-1)[0].jsonData).toEqual({ upstreamUid: 'prom', estimator: 'permutation' });
  });

  it('the host label default', () => {
    const { onOptionsChange } = renderConfig({});
    fireEvent.change(screen.getByTestId(testIds.configEditor.hostLabel), { target: { value: 'node' } });
    expect(onOptionsChange.mock.calls.at(-1)[0].jsonData).toEqual({ hostLabel: 'node' });
  });
});
