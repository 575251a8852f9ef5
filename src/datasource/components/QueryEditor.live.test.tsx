import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { testIds } from '../../components/testIds';
import { instanceSettings } from '../../testing/standIns';
import { DataSource } from '../datasource';
import { EntropyDataSourceOptions, EntropyQuery } from '../types';
import { QueryEditor } from './QueryEditor';

function renderEditor(
  query: Partial<EntropyQuery>,
  jsonData: EntropyDataSourceOptions = { engineUrl: 'http://engine:9464' }
) {
  const ds = new DataSource(
    instanceSettings<EntropyDataSourceOptions>('e', 'healthentropy-entropy-datasource', 'Entropy', jsonData)
  );
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const q = { refId: 'A', expr: '', ...query } as EntropyQuery;
  render(<QueryEditor datasource={ds} query={q} onChange={onChange} onRunQuery={onRunQuery} />);
  return { onChange, onRunQuery, q };
}

describe('QueryEditor, live output', () => {
  it('Live is one click away and runs the query', () => {
    const { onChange, onRunQuery, q } = renderEditor({ output: 'entropy', expr: 'cpu' });
    fireEvent.click(screen.getByLabelText('Live'));
    expect(onChange).toHaveBeenLastCalledWith({ ...q, output: 'live' });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('shows only what a live query needs: hosts, indicators, rows kept (no PromQL, no estimator)', () => {
    renderEditor({ output: 'live' });
    for (const id of [
      testIds.queryEditor.liveHosts,
      testIds.queryEditor.liveIndicators,
      testIds.queryEditor.liveCapacity,
    ]) {
      expect(screen.getByTestId(id)).toBeInTheDocument();
    }
    expect(screen.queryByTestId(testIds.queryEditor.expr)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.queryEditor.window)).not.toBeInTheDocument();
    expect(screen.getByTestId(testIds.queryEditor.liveCapacity)).toHaveAttribute('placeholder', '1000');
  });

  it('typing filters changes the query; leaving the field runs it', () => {
    const { onChange, onRunQuery, q } = renderEditor({ output: 'live' });
    const hosts = screen.getByTestId(testIds.queryEditor.liveHosts);
    fireEvent.change(hosts, { target: { value: 'db-1, $host' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...q, liveHosts: 'db-1, $host' });
    expect(onRunQuery).not.toHaveBeenCalled();
    fireEvent.blur(hosts);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    fireEvent.change(screen.getByTestId(testIds.queryEditor.liveCapacity), { target: { value: '50' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...q, liveCapacity: 50 });
  });

  it.each([
    ['without an engine URL', {}, {}, 'Query A: live mode needs the engine URL'],
    [
      'with a bad capacity',
      { liveCapacity: 1.5 },
      { engineUrl: 'http://e' },
      'Query A: rows kept must be an integer from 1 to 100000, got 1.5',
    ],
  ])('explains a live query %s', (_what, query, jsonData, message) => {
    renderEditor({ output: 'live', ...query }, jsonData);
    expect(screen.getByTestId(testIds.queryEditor.error)).toHaveTextContent(message);
  });
});
