import React from 'react';
import { DataSourceInstanceSettings, DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { DataSourcePicker } from '@grafana/runtime';
import { FieldSet, InlineField, Input, RadioButtonGroup, SecretInput } from '@grafana/ui';
import { BinningMode, DEFAULT_ENTROPY_OPTIONS, EstimatorKind } from '../../core';
import { engineUrlError } from '../../components/AppConfig/validate';
import { testIds } from '../../components/testIds';
import { DEFAULT_HOST_LABEL, EntropyDataSourceOptions, EntropySecureJsonData, EstimatorSettings } from '../types';
import { numberOrUndefined, show } from './fields';

type Props = DataSourcePluginOptionsEditorProps<EntropyDataSourceOptions, EntropySecureJsonData>;

const ESTIMATORS = [
  { value: 'shannon' as EstimatorKind, label: 'Shannon' },
  { value: 'permutation' as EstimatorKind, label: 'Permutation' },
];
const BINNINGS = [
  { value: 'fixed' as BinningMode, label: 'Fixed' },
  { value: 'adaptive' as BinningMode, label: 'Adaptive' },
  { value: 'width' as BinningMode, label: 'Width' },
];
const LABEL_WIDTH = 20;

/** Engine URL (jsonData) and token (secureJsonData): only Grafana's proxy route reads the token. */
function EngineSettings({ options, onOptionsChange }: Props) {
  const url = options.jsonData.engineUrl ?? '';
  const error = engineUrlError(url);
  const setSecure = (engineToken: string, configured?: boolean) =>
    onOptionsChange({
      ...options,
      secureJsonData: { ...options.secureJsonData, engineToken },
      ...(configured === undefined
        ? {}
        : { secureJsonFields: { ...options.secureJsonFields, engineToken: configured } }),
    });
  return (
    <FieldSet label="Engine (live mode)">
      <InlineField
        label="URL"
        labelWidth={LABEL_WIDTH}
        tooltip="The Health Entropy engine, as Grafana's server reaches it"
        invalid={Boolean(error)}
        error={error}
      >
        <Input
          width={40}
          data-testid={testIds.configEditor.engineUrl}
          placeholder="http://health-entropy:9464"
          value={url}
          onChange={(e) =>
            onOptionsChange({
              ...options,
              jsonData: { ...options.jsonData, engineUrl: e.currentTarget.value.trim() || undefined },
            })
          }
        />
      </InlineField>
      <InlineField label="Token" labelWidth={LABEL_WIDTH} tooltip="The engine's stream.bearerToken, if it has one">
        <SecretInput
          width={40}
          data-testid={testIds.configEditor.engineToken}
          placeholder="token"
          isConfigured={Boolean(options.secureJsonFields?.engineToken)}
          value={options.secureJsonData?.engineToken ?? ''}
          onChange={(e) => setSecure(e.currentTarget.value)}
          onReset={() => setSecure('', false)}
        />
      </InlineField>
    </FieldSet>
  );
}

/** Upstream Prometheus and the defaults new queries start from. */
export function ConfigEditor(props: Props) {
  const { options, onOptionsChange } = props;
  const jsonData = options.jsonData;
  const set = (patch: Partial<EntropyDataSourceOptions>) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...patch } });
  const numberInput = (
    key: keyof EstimatorSettings & ('window' | 'bins' | 'lo' | 'hi' | 'order' | 'delay'),
    label: string,
    tooltip: string
  ) => (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip}>
      <Input
        type="number"
        width={16}
        data-testid={testIds.configEditor[key]}
        placeholder={String(DEFAULT_ENTROPY_OPTIONS[key])}
        value={show(jsonData[key])}
        onChange={(e) => set({ [key]: numberOrUndefined(e.currentTarget.value) })}
      />
    </InlineField>
  );
  return (
    <>
      <FieldSet label="Upstream">
        <InlineField
          label="Prometheus"
          labelWidth={LABEL_WIDTH}
          tooltip="The data source that answers the PromQL of every query"
          required
        >
          <div data-testid={testIds.configEditor.upstream}>
            <DataSourcePicker
              type="prometheus"
              noDefault
              width={40}
              current={jsonData.upstreamUid ?? null}
              onChange={(ds: DataSourceInstanceSettings) => set({ upstreamUid: ds.uid })}
            />
          </div>
        </InlineField>
      </FieldSet>
      <FieldSet label="Defaults for new queries">
        <InlineField label="Estimator" labelWidth={LABEL_WIDTH}>
          <RadioButtonGroup
            options={ESTIMATORS}
            value={jsonData.estimator ?? 'shannon'}
            onChange={(estimator) => set({ estimator })}
          />
        </InlineField>
        {numberInput('window', 'Window W', 'Samples in the rolling window (2 to 100000)')}
        <InlineField label="Binning" labelWidth={LABEL_WIDTH} tooltip="Fixed bins over lo..hi suit ratios in 0..1">
          <RadioButtonGroup
            options={BINNINGS}
            value={jsonData.binning ?? 'fixed'}
            onChange={(binning) => set({ binning })}
          />
        </InlineField>
        {numberInput('bins', 'Bins B', 'Bins for fixed and adaptive binning (2 to 65536)')}
        {numberInput('lo', 'Lower edge', 'Lower edge of fixed bins')}
        {numberInput('hi', 'Upper edge', 'Upper edge of fixed bins')}
        {numberInput('order', 'Order d', 'Permutation order (3 to 7)')}
        {numberInput('delay', 'Delay τ', 'Permutation delay (1 or more)')}
        <InlineField label="Host label" labelWidth={LABEL_WIDTH} tooltip="The label that names a host">
          <Input
            width={16}
            data-testid={testIds.configEditor.hostLabel}
            placeholder={DEFAULT_HOST_LABEL}
            value={jsonData.hostLabel ?? ''}
            onChange={(e) => set({ hostLabel: e.currentTarget.value || undefined })}
          />
        </InlineField>
      </FieldSet>
      <EngineSettings {...props} />
    </>
  );
}
