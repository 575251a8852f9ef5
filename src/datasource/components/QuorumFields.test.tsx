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
    })
  );
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const q = { refId: 'A', expr: 'probe_success', output: 'quorum', ...query } as EntropyQuery;
  render(<QueryEditor datasource={ds} query={q} onChange={onChange} onRunQuery={onRunQuery} />);
  return { onChange, onRunQuery, q };
}

describe('QueryEditor: the quorum output', () => {
  it('is not shown for other outputs', () => {
    renderEditor({ output: 'entropy' });
    expect(screen.queryByTestId(testIds.queryEditor.observerLabel)).not.toBeInTheDocument();
  });

  it('without an observer label the query says what is missing', () => {
    renderEditor();
    expect(screen.getByTestId(testIds.queryEditor.error)).toHaveTextContent(/needs an observer label/);
  });

  it('edits the role, the observer label and the options; leaving a field runs the query', () => {
    const { onChange, onRunQuery, q } = renderEditor({ observerLabel: 'prober', quorum: { size: 2 } });
    expect(screen.queryByTestId(testIds.queryEditor.error)).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Checks'));
    expect(onChange).toHaveBeenLastCalledWith({ ...q, quorumRole: 'checks' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    fireEvent.change(screen.getByTestId(testIds.queryEditor.observerLabel), { target: { value: 'replica' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...q, observerLabel: 'replica' });
    const forInput = screen.getByTestId(`${testIds.queryEditor.quorumOption}for`);
    expect(forInput).toHaveAttribute('placeholder', '1m');
    fireEvent.change(forInput, { target: { value: '2m' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...q, quorum: { size: 2, for: '2m' } });
    fireEvent.blur(forInput);
    expect(onRunQuery).toHaveBeenCalledTimes(2);
    fireEvent.change(screen.getByTestId(`${testIds.queryEditor.quorumOption}size`), { target: { value: '' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...q, quorum: { size: undefined } });
  });

  it('a bad option is shown with its field', () => {
    renderEditor({ observerLabel: 'prober', quorum: { flagFor: 'later' } });
    expect(screen.getByTestId(testIds.queryEditor.error)).toHaveTextContent(
      'quorum.flagFor must be a duration like 30s'
    );
  });
});
