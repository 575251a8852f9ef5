import { StandInTemplateSrv } from '../testing/standIns';
import { escapeRegex, formatPromValue, interpolateQuery } from './interpolate';
import { EntropyQuery } from './types';

describe('formatPromValue', () => {
  it.each([
    ['node-1:9100', 'node-1:9100'],
    [['a.1', 'b'], '(a\\.1|b)'],
    [['only.one'], 'only\\.one'],
    [['x|y', '(z)'], '(x\\|y|\\(z\\))'],
    [undefined, ''],
  ])('%p → %s', (value, expected) => {
    expect(formatPromValue(value)).toBe(expected);
  });

  it('escapes every regex metacharacter', () => {
    expect(escapeRegex('^$*+?.()|[]{}\\')).toBe('\\^\\$\\*\\+\\?\\.\\(\\)\\|\\[\\]\\{\\}\\\\');
  });
});

describe('interpolateQuery', () => {
  it('replaces variables in text fields, scoped variables first, and leaves numbers and unknowns alone', () => {
    const srv = new StandInTemplateSrv({ host: ['a', 'b'], label: 'node' });
    const q = {
      refId: 'A',
      expr: 'up{instance=~"$host"}[$__rate_interval]',
      legendFormat: '$label {{instance}}',
      hostLabel: '$label',
      window: 30,
      output: 'entropy',
    } as EntropyQuery;
    const out = interpolateQuery(srv, q, { label: { text: 'scoped', value: 'scoped' } });
    expect(out).toEqual({
      ...q,
      expr: 'up{instance=~"(a|b)"}[$__rate_interval]',
      legendFormat: 'scoped {{instance}}',
      hostLabel: 'scoped',
      minStep: undefined,
      indicator: undefined,
    });
  });
});
