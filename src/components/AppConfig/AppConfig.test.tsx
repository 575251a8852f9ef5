import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { PluginType } from '@grafana/data';
import AppConfig, { AppConfigProps } from './AppConfig';
import { engineUrlError } from './validate';
import { testIds } from 'components/testIds';

function renderConfig(jsonData = {}, secureJsonFields = {}) {
  const plugin = {
    meta: {
      id: 'healthentropy-app',
      name: 'Health Entropy',
      type: PluginType.app,
      enabled: true,
      jsonData,
      secureJsonFields,
    },
  };
  return render(<AppConfig {...({ plugin, query: {} } as unknown as AppConfigProps)} />);
}

describe('AppConfig', () => {
  test('shows the engine URL and token fields with the stored URL', () => {
    renderConfig({ engineUrl: 'http://engine:9464' });
    expect(screen.getByRole('group', { name: /engine/i })).toBeInTheDocument();
    expect(screen.getByTestId(testIds.appConfig.engineUrl)).toHaveValue('http://engine:9464');
    expect(screen.getByTestId(testIds.appConfig.engineToken)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /save engine settings/i })).toBeEnabled();
  });

  test('a bad URL is explained and blocks saving', () => {
    renderConfig();
    fireEvent.change(screen.getByTestId(testIds.appConfig.engineUrl), { target: { value: 'ftp://x' } });
    expect(screen.getByText(/must use http or https, got ftp/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /save engine settings/i })).toBeDisabled();
  });

  test('a configured token is shown as configured, not as its value', () => {
    renderConfig({}, { engineToken: true });
    expect(screen.getByRole('button', { name: /reset/i })).toBeInTheDocument();
  });
});

describe('engineUrlError', () => {
  it.each([
    ['', undefined],
    ['http://engine:9464', undefined],
    ['https://engine.example/sub/', undefined],
    ['engine:9464', /http or https/],
    ['not a url', /absolute http\(s\) URL/],
    ['http://user:pw@engine', /must not contain credentials/],
    ['x'.repeat(100_000), /absolute http\(s\) URL/],
  ])('%s', (input, expected) => {
    const error = engineUrlError(input);
    if (expected === undefined) {
      expect(error).toBeUndefined();
    } else {
      expect(error).toMatch(expected);
      expect(error!.length).toBeLessThan(200);
    }
  });
});
