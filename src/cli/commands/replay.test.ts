import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../main';
import { makeReplayCommand } from './replay';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'he-replay-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function collect() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

/** A NAB-style file: 5-minute steps, a repeating pattern, a spike at row `spike`, a malformed line 5. */
function nabFile(file: string, rows = 400, spike = 380): void {
  const lines = ['timestamp,value'];
  for (let i = 0; i < rows; i++) {
    const t = new Date(Date.UTC(2014, 1, 14) + i * 300_000).toISOString().slice(0, 19).replace('T', ' ');
    lines.push(`${t},${i === spike ? 500 : i % 10}`);
    if (i === 2) {
      lines.push('2014-02-14 00:12:00,not-a-number');
    }
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, lines.join('\n') + '\n');
}

describe('health-entropy replay', () => {
  it('writes every row with the engine numbers, and reports the malformed row as file:line', async () => {
    const file = path.join(dir, 'in.csv');
    nabFile(file);
    const c = collect();
    const code = await main(['replay', file, '--out', path.join(dir, 'out')], c.io);
    expect(code).toBe(0);
    expect(c.err.join('')).toContain(`${file}:5: value "not-a-number" is not a number, row skipped`);
    const lines = readFileSync(path.join(dir, 'out', 'in.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('timestamp,value,entropy,baseline,z,surprisal,anomaly_score,alert');
    expect(lines).toHaveLength(401);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.every((r) => r.length === 8)).toBe(true);
    expect(rows[0][0]).toBe('2014-02-14 00:00:00');
    // Warm-up (300 samples): no surprisal yet; entropy defined once the 60-sample window is full.
    expect(rows[10][5]).toBe('');
    expect(rows[10][2]).toBe('');
    expect(Number(rows[100][2])).toBeGreaterThan(0);
    expect(rows[300][5]).not.toBe('');
    const spike = rows[380];
    expect(spike[1]).toBe('500');
    expect(Number(spike[6])).toBeGreaterThan(0.6);
    expect(spike[7]).toBe('1');
    expect(rows.filter((r) => r[7] === '1')).toHaveLength(1);
  });

  it('replays a folder recursively and keeps its layout', async () => {
    nabFile(path.join(dir, 'in', 'a', 'one.csv'), 50);
    nabFile(path.join(dir, 'in', 'b', 'two.csv'), 60);
    writeFileSync(path.join(dir, 'in', 'notes.txt'), 'not a csv');
    const c = collect();
    expect(await main(['replay', path.join(dir, 'in'), '--out', path.join(dir, 'out')], c.io)).toBe(0);
    expect(
      readFileSync(path.join(dir, 'out', 'a', 'one.csv'), 'utf8')
        .trim()
        .split('\n')
    ).toHaveLength(51);
    expect(
      readFileSync(path.join(dir, 'out', 'b', 'two.csv'), 'utf8')
        .trim()
        .split('\n')
    ).toHaveLength(61);
  });

  it.each([
    [['--alpha', '2'], /alpha must be in \(0, 1\)/],
    [['--bins', 'x'], /--bins must be a number/],
    [['--window', '1'], /window must be an integer from 2/],
  ])('rejects %j with a usage error naming the option, before writing anything', async (extra, message) => {
    const file = path.join(dir, 'in.csv');
    nabFile(file, 20);
    const c = collect();
    expect(await main(['replay', file, '--out', path.join(dir, 'out'), ...extra], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(message);
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
  });

  it('requires --out and names a missing input', async () => {
    const c = collect();
    expect(await main(['replay', path.join(dir, 'x.csv')], c.io)).toBe(2);
    expect(c.err.join('')).toContain('--out');
    const d = collect();
    expect(await main(['replay', path.join(dir, 'nope.csv'), '--out', dir], d.io)).toBe(1);
    expect(d.err.join('')).toContain('nope.csv');
  });

  it('draws a progress bar only on a terminal', async () => {
    const file = path.join(dir, 'in.csv');
    nabFile(file, 3000);
    const tty = collect();
    await makeReplayCommand(() => true, 1000).run([file, '--out', path.join(dir, 'o1')], tty.io);
    expect(tty.err.join('')).toMatch(/\r\[#+\] 100% \(3000\/3000 rows\)\n/);
    const pipe = collect();
    await makeReplayCommand(() => false, 1000).run([file, '--out', path.join(dir, 'o2')], pipe.io);
    expect(pipe.err.join('')).not.toContain('\r');
  });
});
