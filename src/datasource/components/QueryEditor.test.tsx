import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { testIds } from '../../components/testIds';
import { instanceSettings } from '../../testing/standIns';
import { DataSource } from '../datasource';
import { EntropyDataSourceOptions, EntropyQuery } from '../types';
import { QueryEditor } from './QueryEditor';

function renderEditor(query: Partial<EntropyQuery> = {}) {
  const ds = new DataSource(
    instanceSettings<EntropyDataSourceOptions>('e', 'healthentropy-entropy-datasource', 'Entropy', {
      upstreamUid: 'prom',
      window: 30,
    })
  );
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const q = { refId: 'A', expr: 'cpu', output: 'entropy', ...query } as EntropyQuery;
  render(<QueryEditor datasource={ds} query={q} onChange={onChange} onRunQuery={onRunQuery} />);
  return { onChange, onRunQuery, q };
}

describe('QueryEditor', () => {
  it('typing PromQL changes the query; leaving the field runs it', () => {
    const { onChange, onRunQuery, q } = renderEditor();
    const expr = screen.getByTestId(testIds.queryEditor.expr);
    fireEvent.change(expr, { target: { value: 'rate(x[5m])' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...q, expr: 'rate(x[5m])' });
    expect(onRunQuery).not.toHaveBeenCalled();
    fireEvent.blur(expr);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('shows the instance default window as placeholder and stores a number', () => {
    const { onChange, q } = renderEditor();
    const window = screen.getByTestId(testIds.queryEditor.window);
    expect(window).toHaveAttribute('placeholder', '30');
    fireEvent.change(window, { target: { value: '120' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...q, window: 120 });
  });

  it('clearing a number goes back to the default', () => {
    const { onChange, q } = renderEditor({ window: 45 });
    fireEvent.change(screen.getByTestId(testIds.queryEditor.window), { target: { value: '' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...q, window: undefined });
  });

  it('choosing the permutation estimator runs the query and shows order and delay instead of bins', () => {
    const { onChange, onRunQuery, q } = renderEditor();
    expect(screen.getByTestId(testIds.queryEditor.bins)).toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Permutation'));
    expect(onChange).toHaveBeenLastCalledWith({ ...q, estimator: 'permutation' });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('permutation queries edit order and delay', () => {
    renderEditor({ estimator: 'permutation' });
    expect(screen.getByTestId(testIds.queryEditor.order)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.queryEditor.delay)).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.queryEditor.bins)).not.toBeInTheDocument();
  });

  it.each([
    ['Baseline', 'baseline', testIds.queryEditor.warmup],
    ['Aggregate', 'aggregate', testIds.queryEditor.weight],
  ])('output %s is chosen with one click and shows its own setting', (label, value, testId) => {
    const { onChange, q } = renderEditor();
    fireEvent.click(screen.getByLabelText(label));
    expect(onChange).toHaveBeenLastCalledWith({ ...q, output: value });
    renderEditor({ output: value as EntropyQuery['output'] });
    expect(screen.getByTestId(testId)).toBeInTheDocument();
  });

  it('width binning asks for a bin width', () => {
    renderEditor({ binning: 'width' });
    expect(screen.getByTestId(testIds.queryEditor.width)).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.queryEditor.lo)).not.toBeInTheDocument();
  });

  it('explains a query that cannot run, naming the field', () => {
    renderEditor({ window: 1 });
    expect(screen.getByTestId(testIds.queryEditor.error)).toHaveTextContent(
      'Query A: window must be an integer from 2 to 100000, got 1'
    );
  });

  it('an empty new query is not an error yet', () => {
    renderEditor({ expr: '' });
    expect(screen.queryByTestId(testIds.queryEditor.error)).not.toBeInTheDocument();
  });
});
