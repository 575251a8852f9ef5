import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rollingEntropy } from '../core';
import { main } from './main';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'he-cli-'));
const csv = join(dir, 'cpu.csv');
const rows = Array.from({ length: 30 }, (_, i) => {
  const t = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString().replace('T', ' ').slice(0, 19);
  return `${t},${((i * 7) % 10) / 10}`;
});
writeFileSync(
  csv,
  ['timestamp,value', ...rows.slice(0, 10), '2026-01-01 00:10:30,garbage', ...rows.slice(10)].join('\n')
);

describe('health-entropy CLI', () => {
  it('lists commands with --help and exits 2 without a command', async () => {
    expect((await run(['--help'])).out).toMatch(/entropy\s+rolling entropy/);
    expect((await run([])).code).toBe(2);
  });

  it('rejects an unknown command', async () => {
    const r = await run(['entrpy']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "entrpy"/);
  });

  it('entropy writes one row per good input row, equal to the core', async () => {
    const r = await run(['entropy', csv, '--window', '5']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('timestamp,value,entropy,entropy_bits');
    expect(lines.length).toBe(31);
    const values = rows.map((row) => Number(row.split(',')[1]));
    const times = rows.map((row) => Date.parse(row.split(',')[0].replace(' ', 'T') + 'Z'));
    const expected = rollingEntropy(times, values, { window: 5 });
    lines.slice(1).forEach((line, i) => {
      const cell = line.split(',')[2];
      if (Number.isNaN(expected[i])) {
        expect(cell).toBe('');
      } else {
        expect(Number(cell)).toBeCloseTo(expected[i], 9);
      }
    });
    expect(r.err).toMatch(/cpu\.csv:12: value "garbage" is not a number, row skipped/);
    expect(r.err).toMatch(/30 rows, 30 in the window/);
  });

  it('writes to --out', async () => {
    const out = join(dir, 'out.csv');
    expect((await run(['entropy', csv, '--out', out, '--window', '3'])).code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('timestamp,value,entropy,entropy_bits');
  });

  it.each<[string[], RegExp]>([
    [['entropy', csv, '--window', '0'], /window must be an integer from 2 to 100000, got 0/],
    [['entropy', csv, '--window', 'ten'], /--window must be a number, got "ten"/],
    [['entropy', csv, '--bogus'], /Unknown option '--bogus'/],
    [['entropy'], /expected one CSV file, got 0/],
    [['entropy', csv, '--estimator', 'permutation', '--order', '9'], /order must be an integer from 3 to 7, got 9/],
  ])('usage error %j', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/Usage: health-entropy entropy/);
  });

  it('a missing file is exit 1 with its name', async () => {
    const r = await run(['entropy', join(dir, 'nope.csv')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no such file: .*nope\.csv/);
  });
});
