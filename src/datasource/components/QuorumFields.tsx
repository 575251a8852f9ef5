import React from 'react';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup } from '@grafana/ui';
import { testIds } from '../../components/testIds';
import { EntropyQuery, QuorumQueryOptions } from '../types';
import { numberOrUndefined, show, textOrUndefined } from './fields';

const ROLES = [
  { value: 'checks' as const, label: 'Checks', description: 'A health check per host × observer (0 = failing)' },
  { value: 'indicator' as const, label: 'Indicator', description: 'Each observer’s entropy of this series' },
];
const W = 14;

interface Props {
  query: EntropyQuery;
  update: (patch: Partial<EntropyQuery>, run?: boolean) => void;
  onRunQuery: () => void;
}

/** The `quorum` output's fields: role, observer label, and the assessment options (README, "The quorum output"). */
export function QuorumFields({ query, update, onRunQuery }: Props) {
  const options = query.quorum ?? {};
  const set = (key: keyof QuorumQueryOptions, value: string | number | undefined) =>
    update({ quorum: { ...options, [key]: value } }, false);
  const option = (
    key: keyof QuorumQueryOptions,
    label: string,
    tooltip: string,
    placeholder: string,
    numeric: boolean
  ) => (
    <InlineField label={label} labelWidth={W} tooltip={tooltip}>
      <Input
        width={10}
        type={numeric ? 'number' : 'text'}
        data-testid={testIds.queryEditor.quorumOption + key}
        placeholder={placeholder}
        value={show(options[key])}
        onChange={(e) =>
          set(key, numeric ? numberOrUndefined(e.currentTarget.value) : textOrUndefined(e.currentTarget.value))
        }
        onBlur={onRunQuery}
      />
    </InlineField>
  );
  return (
    <>
      <InlineFieldRow>
        <InlineField label="Quorum role" labelWidth={W}>
          <RadioButtonGroup
            options={ROLES}
            value={query.quorumRole ?? 'indicator'}
            onChange={(v) => update({ quorumRole: v })}
          />
        </InlineField>
        <InlineField
          label="Observer label"
          labelWidth={W}
          tooltip="The label that tells observers apart, e.g. prober or replica"
        >
          <Input
            width={14}
            data-testid={testIds.queryEditor.observerLabel}
            placeholder="prober"
            value={query.observerLabel ?? ''}
            onChange={(e) => update({ observerLabel: textOrUndefined(e.currentTarget.value) }, false)}
            onBlur={onRunQuery}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        {option(
          'size',
          'Quorum size',
          'Observers that must agree (default: a majority of those seen within "known for")',
          'majority',
          true
        )}
        {option(
          'zQuorum',
          'z ≥',
          'An observer’s view is unpredictable when some indicator has its own z at least this',
          '3',
          true
        )}
        {option('entropyLevel', 'or Hn ≥', 'Also unpredictable when Hn is at least this level (0..1]', 'off', true)}
        {option('for', 'For', 'How long a view must stay unpredictable', '1m', false)}
      </InlineFieldRow>
      <InlineFieldRow>
        {option(
          'flagLevel',
          'Flag Hn ≥',
          '"Consistently high entropy": Hn at least this (default: the unpredictability rule)',
          'rule',
          true
        )}
        {option('flagFor', 'Flag for', 'How long a view must stay high to flag the host', '30m', false)}
        {option('staleness', 'Staleness', 'An observer silent this long drops out of the quorum', '5m', false)}
        {option('knownFor', 'Known for', 'Observers seen within this long make up the default majority', '1h', false)}
      </InlineFieldRow>
    </>
  );
}
