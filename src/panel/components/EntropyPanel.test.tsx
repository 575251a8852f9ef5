import React from 'react';
import { render, screen } from '@testing-library/react';
import { dateTime, FieldColorModeId, LoadingState, PanelData, PanelProps, ThresholdsMode } from '@grafana/data';
import { rollingEntropy } from '../../core';
import { noise, timestamps } from '../../core/testing';
import { promFrame } from '../../frames/testFrames';
import { testIds } from '../../components/testIds';
import { DEFAULT_PANEL_OPTIONS, EntropyPanelOptions } from '../types';
import { EntropyPanel } from './EntropyPanel';

const t = timestamps(120);
const v = noise(120, 11);

function renderPanel(options: Partial<EntropyPanelOptions> = {}, series = [promFrame('cpu', { instance: 'h1' }, t, v)], links: Array<{ title: string; url: string }> = []) {
  const range = { from: dateTime(t[0]), to: dateTime(t[119]) };
  const data: PanelData = { series, state: LoadingState.Done, timeRange: { ...range, raw: range } };
  const props = {
    id: 1,
    data,
    timeRange: data.timeRange,
    timeZone: 'utc',
    options: { ...DEFAULT_PANEL_OPTIONS, window: 30, warmup: 10, ...options },
    fieldConfig: {
      defaults: {
        color: { mode: FieldColorModeId.Thresholds },
        thresholds: { mode: ThresholdsMode.Absolute, steps: [{ value: -Infinity, color: 'green' }, { value: 0.5, color: 'red' }] },
        decimals: 3,
        links,
      },
      overrides: [],
    },
    width: 400,
    height: 200,
    transparent: false,
    renderCounter: 0,
    title: '',
    eventBus: {} as PanelProps['eventBus'],
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    onChangeTimeRange: jest.fn(),
    replaceVariables: (s: string, vars?: Record<string, { value: unknown }>) => s.replace('${host}', String(vars?.host?.value)),
  } as unknown as PanelProps<EntropyPanelOptions>;
  return render(<EntropyPanel {...props} />);
}

describe('EntropyPanel', () => {
  it('shows one cell per host and indicator with the entropy src/core computes, coloured by thresholds', () => {
    renderPanel();
    const cell = screen.getByTestId(testIds.panel.cell);
    const expected = rollingEntropy(t, v, { window: 30 })[119];
    expect(Number(cell.getAttribute('data-entropy'))).toBeCloseTo(expected, 12);
    expect(cell).toHaveTextContent(expected.toFixed(3));
    expect(screen.getByTestId(testIds.panel.hostHeader)).toHaveTextContent('h1');
    expect(screen.getByTestId(testIds.panel.indicatorHeader)).toHaveTextContent('cpu');
    expect(cell.style.background).not.toBe('');
  });

  it('a data link opens with the cell interpolated', () => {
    renderPanel({}, undefined, [{ title: 'host', url: '/d/host?var-host=${host}' }]);
    expect(screen.getByRole('link')).toHaveAttribute('href', '/d/host?var-host=h1');
  });

  it('no data: the standard panel message', () => {
    renderPanel({}, []);
    expect(screen.queryByTestId(testIds.panel.grid)).not.toBeInTheDocument();
    expect(screen.getByText(/Unable to render data/)).toBeInTheDocument();
  });

  it('bad compute options: the message names the option', () => {
    renderPanel({ window: 0 });
    expect(screen.getByText(/window must be an integer from 2 to 100000, got 0/)).toBeInTheDocument();
  });
});
