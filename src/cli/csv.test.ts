import fc from 'fast-check';
import { parseCsv, parseTimestamp, parseValue, splitCsvLine } from './csv';

describe('parseTimestamp', () => {
  it.each<[string, number]>([
    ['2014-02-14 14:30:00', Date.UTC(2014, 1, 14, 14, 30)],
    ['2014-02-14T14:30', Date.UTC(2014, 1, 14, 14, 30)],
    ['2014-02-14 14:30:05.250', Date.UTC(2014, 1, 14, 14, 30, 5, 250)],
    ['2026-12-03T10:00:00Z', Date.UTC(2026, 11, 3, 10)],
    ['2026-12-03T10:00:00+01:00', Date.UTC(2026, 11, 3, 9)],
    ['1700000000', 1_700_000_000_000], // Prometheus: epoch seconds
    ['1700000000.5', 1_700_000_000_500],
    ['1700000000000', 1_700_000_000_000], // Grafana: epoch milliseconds
    ['2026-12-03T10:00:00', Date.UTC(2026, 11, 3, 10)], // no zone: UTC, as NAB
  ])('%s', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  it.each([
    '',
    'yesterday',
    '2014-13-01 00:00:00',
    '2014-02-30 00:00:00',
    '2014-02-14 25:00:00',
    '12/03/2026 10:00',
  ])('rejects %p', (text) => {
    expect(parseTimestamp(text)).toBeNaN();
  });
});

describe('parseValue', () => {
  it.each<[string, number | undefined]>([
    ['0.5', 0.5],
    [' -3e2 ', -300],
    ['.5', 0.5],
    ['NaN', NaN],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    ['1,5', undefined],
    ['0x10', undefined],
    ['', undefined],
    ['abc', undefined],
  ])('%p', (text, expected) => {
    expect(parseValue(text)).toBe(expected);
  });
});

describe('splitCsvLine', () => {
  it.each<[string, string[]]>([
    ['a,b', ['a', 'b']],
    ['"a,b",c', ['a,b', 'c']],
    ['"say ""hi""",1', ['say "hi"', '1']],
    ['', ['']],
  ])('%p', (line, cells) => {
    expect(splitCsvLine(line)).toEqual(cells);
  });

  it('round-trips any cells through quoting', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 6 }), (cells) => {
        const fc1 = cells.filter((c) => !/[\r\n]/.test(c));
        if (fc1.length === 0) {
          return;
        }
        const line = fc1.map((c) => `"${c.replace(/"/g, '""')}"`).join(',');
        expect(splitCsvLine(line)).toEqual(fc1);
      })
    );
  });
});

describe('parseCsv', () => {
  it('reads NAB files with a header', () => {
    const s = parseCsv('timestamp,value\n2014-02-14 14:30:00,0.1\n2014-02-14 14:35:00,0.2\n');
    expect(s.header).toEqual(['timestamp', 'value']);
    expect(Array.from(s.values)).toEqual([0.1, 0.2]);
    expect(Array.from(s.lines)).toEqual([2, 3]);
    expect(s.rawTimestamps).toEqual(['2014-02-14 14:30:00', '2014-02-14 14:35:00']);
    expect(s.problems).toEqual([]);
  });

  it('reads a Grafana export: quoted cells, BOM, extra columns, CRLF', () => {
    const text =
      '\uFEFF"Time","Series","Value"\r\n"2026-12-03 10:00:00","cpu","0.25"\r\n"2026-12-03 10:01:00","cpu","0.5"\r\n';
    const s = parseCsv(text);
    expect(Array.from(s.values)).toEqual([0.25, 0.5]);
    expect(s.timestamps[1] - s.timestamps[0]).toBe(60_000);
  });

  it('reads headerless epoch-second rows', () => {
    const s = parseCsv('1700000000,1\n1700000015,2\n');
    expect(s.header).toBeUndefined();
    expect(Array.from(s.timestamps)).toEqual([1_700_000_000_000, 1_700_000_015_000]);
  });

  it('reports each malformed row with its line and keeps the rest', () => {
    const s = parseCsv(
      'timestamp,value\n2014-02-14 14:30:00,0.1\nbad,0.2\n2014-02-14 14:40:00,x\n2014-02-14 14:45:00\n2014-02-14 14:50:00,NaN\n'
    );
    expect(Array.from(s.lines)).toEqual([2, 6]);
    expect(s.values[1]).toBeNaN(); // kept: the window counts it as invalid
    expect(s.problems.map((p) => p.line)).toEqual([3, 4, 5]);
    expect(s.problems[0].message).toMatch(/timestamp "bad" is not a date/);
    expect(s.problems[1].message).toMatch(/value "x" is not a number/);
    expect(s.problems[2].message).toMatch(/expected at least 2 columns, got 1/);
  });

  it('names a missing column', () => {
    expect(() => parseCsv('time,value\n1,2\n', { valueColumn: 'cpu' })).toThrow(
      /column "cpu" not found in header \(time, value\)/
    );
  });

  it('handles empty input and caps the problem list on huge garbage', () => {
    expect(parseCsv('').values.length).toBe(0);
    const garbage = Array.from({ length: 5000 }, (_, i) => `row${i},zz`).join('\n');
    const s = parseCsv('timestamp,value\n' + garbage, { maxProblems: 10 });
    expect(s.values.length).toBe(0);
    expect(s.problems.length).toBe(11);
    expect(s.problems[10].message).toBe('4990 more problems not listed');
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (text) => {
        const s = parseCsv(text);
        expect(s.values.length).toBe(s.timestamps.length);
        expect(s.values.length).toBe(s.lines.length);
      })
    );
  });
});
