import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { DataSourceSettings } from '@grafana/data';
import { setDataSourceSrv } from '@grafana/runtime';
import { testIds } from '../../components/testIds';
import { StandInDataSourceSrv } from '../../testing/standIns';
import { EntropyDataSourceOptions, EntropySecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';

function renderConfig(jsonData: EntropyDataSourceOptions, secureJsonFields: Record<string, boolean> = {}) {
  setDataSourceSrv(new StandInDataSourceSrv());
  const options = { jsonData, secureJsonFields } as unknown as DataSourceSettings<
    EntropyDataSourceOptions,
    EntropySecureJsonData
  >;
  const onOptionsChange = jest.fn();
  render(<ConfigEditor options={options} onOptionsChange={onOptionsChange} />);
  return { onOptionsChange, options };
}

describe('ConfigEditor: the engine for live mode', () => {
  it('stores the engine URL in jsonData, keeping what was there', () => {
    const { onOptionsChange, options } = renderConfig({ upstreamUid: 'prom' });
    fireEvent.change(screen.getByTestId(testIds.configEditor.engineUrl), { target: { value: ' http://engine:9464 ' } });
    expect(onOptionsChange).toHaveBeenLastCalledWith({
      ...options,
      jsonData: { upstreamUid: 'prom', engineUrl: 'http://engine:9464' },
    });
  });

  it('says what is wrong with a URL', () => {
    renderConfig({ engineUrl: 'engine:9464' });
    expect(screen.getByText(/Engine URL must use http or https/)).toBeInTheDocument();
  });

  it('puts the token in secureJsonData only, never in jsonData', () => {
    const { onOptionsChange } = renderConfig({ engineUrl: 'http://e' });
    fireEvent.change(screen.getByTestId(testIds.configEditor.engineToken), { target: { value: 's3cret' } });
    const saved = onOptionsChange.mock.calls.at(-1)[0];
    expect(saved.secureJsonData).toEqual({ engineToken: 's3cret' });
    expect(JSON.stringify(saved.jsonData)).not.toMatch(/s3cret/);
  });

  it('shows a stored token as configured, and Reset clears it', () => {
    const { onOptionsChange } = renderConfig({ engineUrl: 'http://e' }, { engineToken: true });
    fireEvent.click(screen.getByRole('button', { name: /reset/i }));
    const saved = onOptionsChange.mock.calls.at(-1)[0];
    expect(saved.secureJsonFields).toEqual({ engineToken: false });
    expect(saved.secureJsonData).toEqual({ engineToken: '' });
  });
});
