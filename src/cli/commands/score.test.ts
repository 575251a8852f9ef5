import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../main';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'he-score-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function collect() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

const stamp = (i: number) => new Date(Date.UTC(2014, 3, 1) + i * 300_000).toISOString().slice(0, 19).replace('T', ' ');

/** 40 rows; window over rows 20..24 labeled at row 22; `scores` by row (0 elsewhere). */
function corpus(scores: Record<number, number>, extraLine?: string) {
  const labels = path.join(dir, 'labels');
  mkdirSync(labels, { recursive: true });
  writeFileSync(path.join(labels, 'combined_windows.json'), JSON.stringify({ 'cat/a.csv': [[stamp(20), stamp(24)]] }));
  writeFileSync(path.join(labels, 'combined_labels.json'), JSON.stringify({ 'cat/a.csv': [stamp(22)] }));
  const results = path.join(dir, 'results', 'cat');
  mkdirSync(results, { recursive: true });
  const lines = ['timestamp,value,anomaly_score'];
  for (let i = 0; i < 40; i++) {
    lines.push(`${stamp(i)},1,${scores[i] ?? 0}`);
  }
  if (extraLine) {
    lines.splice(3, 0, extraLine);
  }
  writeFileSync(path.join(results, 'a.csv'), lines.join('\n') + '\n');
  return { labels, results: path.join(dir, 'results') };
}

describe('health-entropy score', () => {
  it('prints a table per profile and writes JSON; a left-edge detection scores 100', async () => {
    const { labels, results } = corpus({ 20: 0.9 });
    const json = path.join(dir, 'score.json');
    const c = collect();
    expect(await main(['score', results, '--labels', labels, '--json', json], c.io)).toBe(0);
    const text = c.out.join('');
    expect(text).toMatch(/^standard\s+100\.0\s+0\.9000/m);
    expect(text).toMatch(/^reward_low_FP_rate\s+100\.0/m);
    expect(text).toMatch(/^reward_low_FN_rate\s+100\.0/m);
    // First alert at row 20, window end at row 24: 4 steps of 5 minutes, before the labeled row 22.
    expect(text).toContain(
      'lead time: 1 of 1 windows alerted, median 20 min before the window end; first alert before the labeled point in 1, at it in 0, after it in 0'
    );
    const result = JSON.parse(readFileSync(json, 'utf8'));
    expect(result.profiles.map((p: { profile: string }) => p.profile)).toEqual([
      'standard',
      'reward_low_FP_rate',
      'reward_low_FN_rate',
    ]);
    expect(result.lead).toMatchObject({ medianMinutesBeforeEnd: 20, beforeLabel: 1 });
    expect(result.leadTimes[0].minutesBeforeLabel).toBe(10);
  });

  it('reports a malformed row with file and line and scores the rest', async () => {
    const { labels, results } = corpus({ 22: 0.9 }, '2014-04-01 00:07:00,1,oops');
    const c = collect();
    expect(await main(['score', results, '--labels', labels], c.io)).toBe(0);
    expect(c.err.join('')).toContain(
      `${path.join(results, 'cat', 'a.csv')}:4: value "oops" is not a number, row skipped`
    );
    expect(c.out.join('')).toMatch(/^standard\s+\d+\.\d\s+0\.9000/m);
  });

  it('refuses to score when a labeled file has no results, naming it', async () => {
    const { labels } = corpus({});
    const c = collect();
    expect(await main(['score', path.join(dir, 'empty'), '--labels', labels], c.io)).toBe(1);
    expect(c.err.join('')).toContain('cat/a.csv');
  });

  it('requires --labels', async () => {
    const c = collect();
    expect(await main(['score', dir], c.io)).toBe(2);
    expect(c.err.join('')).toContain('--labels');
  });

  it('scores what replay wrote', async () => {
    const { labels } = corpus({});
    const data = path.join(dir, 'data', 'cat');
    mkdirSync(data, { recursive: true });
    const rows = ['timestamp,value', ...Array.from({ length: 40 }, (_, i) => `${stamp(i)},${i === 21 ? 50 : i % 3}`)];
    writeFileSync(path.join(data, 'a.csv'), rows.join('\n') + '\n');
    const out = path.join(dir, 'replayed');
    const r = collect();
    expect(await main(['replay', path.join(dir, 'data'), '--out', out, '--warmup', '6', '--bins', '3'], r.io)).toBe(0);
    const c = collect();
    const json = path.join(dir, 'score.json');
    expect(await main(['score', out, '--labels', labels, '--json', json], c.io)).toBe(0);
    expect(c.out.join('')).toContain('1 files, 1 labeled windows');
    // The spike at row 21 is inside the window (rows 20..24): replay's scores catch it.
    const [standard] = JSON.parse(readFileSync(json, 'utf8')).profiles;
    expect(standard).toMatchObject({ tp: 1, fn: 0 });
    expect(standard.normalized).toBeGreaterThan(50);
  });
});
