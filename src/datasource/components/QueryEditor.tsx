import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Alert, InlineField, InlineFieldRow, Input, RadioButtonGroup, Stack, TextArea } from '@grafana/ui';
import { BinningMode, DEFAULT_ENTROPY_OPTIONS, EstimatorKind } from '../../core';
import { testIds } from '../../components/testIds';
import type { DataSource } from '../datasource';
import { QueryError, resolveQuery } from '../resolveQuery';
import { resolveLive } from '../resolveLive';
import {
  DEFAULT_HOST_LABEL,
  DEFAULT_LIVE_CAPACITY,
  EDITOR_OUTPUTS,
  EntropyDataSourceOptions,
  EntropyQuery,
  EntropyUnit,
} from '../types';
import { numberOrUndefined, show, textOrUndefined } from './fields';
import { QuorumFields } from './QuorumFields';

type Props = QueryEditorProps<DataSource, EntropyQuery, EntropyDataSourceOptions>;

const ESTIMATORS = [
  { value: 'shannon' as EstimatorKind, label: 'Shannon', description: 'Spread of the values' },
  { value: 'permutation' as EstimatorKind, label: 'Permutation', description: 'Predictability of their order' },
];
const BINNINGS = [
  { value: 'fixed' as BinningMode, label: 'Fixed' },
  { value: 'adaptive' as BinningMode, label: 'Adaptive' },
  { value: 'width' as BinningMode, label: 'Width' },
];
const UNITS = [
  { value: 'normalized' as EntropyUnit, label: 'Hn (0..1)' },
  { value: 'bits' as EntropyUnit, label: 'Bits' },
];
const W = 14;

type NumberKey = 'window' | 'bins' | 'lo' | 'hi' | 'width' | 'order' | 'delay' | 'weight' | 'warmup';

/** The problem with the query as typed, if any (an empty new query is not a problem yet). */
function problem(query: EntropyQuery, settings: EntropyDataSourceOptions): string | undefined {
  if (query.output === 'live') {
    const live = resolveLive(query, settings);
    return typeof live === 'string' ? live : undefined;
  }
  try {
    resolveQuery(query, settings);
    return undefined;
  } catch (e) {
    if (e instanceof QueryError && !(e.field === 'expr' && !query.expr)) {
      return e.message;
    }
    return undefined;
  }
}

/** PromQL, legend, estimator, window, step, host label and output; every change re-runs the query. */
export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const settings = datasource.settings;
  const update = (patch: Partial<EntropyQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };
  const estimator = query.estimator ?? settings.estimator ?? 'shannon';
  const binning = query.binning ?? settings.binning ?? 'fixed';
  const output = query.output ?? 'entropy';
  const defaultOf = (key: NumberKey): string => {
    if (key === 'weight') {
      return '1';
    }
    if (key === 'warmup') {
      return '60';
    }
    return String(settings[key] ?? DEFAULT_ENTROPY_OPTIONS[key]);
  };
  const numberInput = (key: NumberKey, label: string, tooltip: string) => (
    <InlineField label={label} labelWidth={W} tooltip={tooltip}>
      <Input
        type="number"
        width={12}
        data-testid={testIds.queryEditor[key]}
        placeholder={defaultOf(key)}
        value={show(query[key])}
        onChange={(e) => update({ [key]: numberOrUndefined(e.currentTarget.value) }, false)}
        onBlur={onRunQuery}
      />
    </InlineField>
  );
  const textInput = (
    key: 'legendFormat' | 'minStep' | 'hostLabel' | 'indicator',
    label: string,
    tooltip: string,
    placeholder: string,
    width = 20
  ) => (
    <InlineField label={label} labelWidth={W} tooltip={tooltip}>
      <Input
        width={width}
        data-testid={testIds.queryEditor[key]}
        placeholder={placeholder}
        value={query[key] ?? ''}
        onChange={(e) => update({ [key]: textOrUndefined(e.currentTarget.value) }, false)}
        onBlur={onRunQuery}
      />
    </InlineField>
  );
  const error = problem(query, settings);
  const outputRow = (
    <InlineFieldRow>
      <InlineField label="Output" labelWidth={W}>
        <RadioButtonGroup
          options={EDITOR_OUTPUTS.map((o) => ({ ...o }))}
          value={output}
          onChange={(v) => update({ output: v })}
        />
      </InlineField>
      {output !== 'baseline' && output !== 'aggregate' && output !== 'live' && (
        <InlineField label="Unit" labelWidth={8}>
          <RadioButtonGroup options={UNITS} value={query.unit ?? 'normalized'} onChange={(v) => update({ unit: v })} />
        </InlineField>
      )}
    </InlineFieldRow>
  );
  const errorBox = error && (
    <Alert severity="error" title="This query cannot run" data-testid={testIds.queryEditor.error}>
      {error}
    </Alert>
  );
  if (output === 'live') {
    // Live: the engine computes; the query only says what to follow and how much history to keep.
    const liveInput = (key: 'liveHosts' | 'liveIndicators', label: string, tooltip: string) => (
      <InlineField label={label} labelWidth={W} tooltip={tooltip}>
        <Input
          width={30}
          data-testid={testIds.queryEditor[key]}
          placeholder="all"
          value={query[key] ?? ''}
          onChange={(e) => update({ [key]: textOrUndefined(e.currentTarget.value) }, false)}
          onBlur={onRunQuery}
        />
      </InlineField>
    );
    return (
      <Stack direction="column" gap={0.5}>
        {outputRow}
        <InlineFieldRow>
          {liveInput('liveHosts', 'Hosts', 'Comma-separated host names (variables work); blank follows every host')}
          {liveInput('liveIndicators', 'Indicators', 'Comma-separated indicator names; blank follows every indicator')}
        </InlineFieldRow>
        <InlineFieldRow>
          <InlineField label="Rows kept" labelWidth={W} tooltip="Rows kept per series; older rows are dropped">
            <Input
              type="number"
              width={12}
              data-testid={testIds.queryEditor.liveCapacity}
              placeholder={String(DEFAULT_LIVE_CAPACITY)}
              value={show(query.liveCapacity)}
              onChange={(e) => update({ liveCapacity: numberOrUndefined(e.currentTarget.value) }, false)}
              onBlur={onRunQuery}
            />
          </InlineField>
        </InlineFieldRow>
        {errorBox}
      </Stack>
    );
  }
  return (
    <Stack direction="column" gap={0.5}>
      <div data-testid={testIds.queryEditor.container}>
        <InlineField
          label="PromQL"
          labelWidth={W}
          grow
          tooltip="Any range query; each resulting series gets its own entropy"
        >
          <TextArea
            data-testid={testIds.queryEditor.expr}
            rows={2}
            placeholder="avg by (instance) (rate(node_cpu_seconds_total{mode!='idle'}[5m]))"
            value={query.expr ?? ''}
            onChange={(e) => update({ expr: e.currentTarget.value }, false)}
            onBlur={onRunQuery}
          />
        </InlineField>
      </div>
      <InlineFieldRow>
        {textInput('legendFormat', 'Legend', 'Series name, e.g. {{instance}} cpu', '{{instance}}', 24)}
        {textInput('minStep', 'Min step', 'Lower bound of the query step, e.g. 30s', 'auto', 10)}
        {textInput(
          'hostLabel',
          'Host label',
          'The label that names a host',
          settings.hostLabel ?? DEFAULT_HOST_LABEL,
          14
        )}
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="Estimator" labelWidth={W}>
          <RadioButtonGroup options={ESTIMATORS} value={estimator} onChange={(v) => update({ estimator: v })} />
        </InlineField>
        {numberInput('window', 'Window W', 'Samples in the rolling window (2 to 100000)')}
      </InlineFieldRow>
      {estimator === 'shannon' ? (
        <InlineFieldRow>
          <InlineField label="Binning" labelWidth={W}>
            <RadioButtonGroup options={BINNINGS} value={binning} onChange={(v) => update({ binning: v })} />
          </InlineField>
          {binning === 'width'
            ? numberInput('width', 'Bin width', 'bin = floor(value / width)')
            : numberInput('bins', 'Bins B', '2 to 65536')}
          {binning === 'fixed' && numberInput('lo', 'Lower edge', 'Values below are clamped into the first bin')}
          {binning === 'fixed' && numberInput('hi', 'Upper edge', 'Values above are clamped into the last bin')}
        </InlineFieldRow>
      ) : (
        <InlineFieldRow>
          {numberInput('order', 'Order d', 'Pattern length, 3 to 7')}
          {numberInput('delay', 'Delay τ', 'Samples between pattern points')}
        </InlineFieldRow>
      )}
      {outputRow}
      <InlineFieldRow>
        {textInput(
          'indicator',
          'Indicator',
          'Indicator name in the aggregate and the panel (default: the query letter)',
          query.refId ?? 'A',
          14
        )}
        {output === 'aggregate' && numberInput('weight', 'Weight', 'Weight of this indicator in the host aggregate')}
        {(output === 'baseline' || output === 'quorum') &&
          numberInput('warmup', 'Warm-up L', 'Evaluations before the baseline reports z')}
      </InlineFieldRow>
      {output === 'quorum' && <QuorumFields query={query} update={update} onRunQuery={onRunQuery} />}
      {errorBox}
    </Stack>
  );
}
