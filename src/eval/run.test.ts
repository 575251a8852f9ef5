import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { evaluateCorpus } from './run';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'he-eval-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const stamp = (i: number) => new Date(Date.UTC(2014, 3, 1) + i * 300_000).toISOString().slice(0, 19).replace('T', ' ');

/** A small NAB-style corpus: `a` has a jump inside its window at row 700, `b` no window and no anomaly. */
function corpus(): void {
  const write = (name: string, value: (i: number) => number | string) => {
    const file = path.join(dir, 'data', name);
    mkdirSync(path.dirname(file), { recursive: true });
    const rows = Array.from({ length: 1000 }, (_, i) => `${stamp(i)},${value(i)}`);
    writeFileSync(file, ['timestamp,value', ...rows].join('\n') + '\n');
  };
  write('cat/a.csv', (i) => (i === 5 ? 'bad' : i >= 700 ? 40 + (i % 5) : i % 5));
  write('cat/b.csv', (i) => i % 7);
  const windows = { 'cat/a.csv': [[stamp(650), stamp(750)]], 'cat/b.csv': [] };
  writeFileSync(path.join(dir, 'combined_windows.json'), JSON.stringify(windows));
  writeFileSync(path.join(dir, 'combined_labels.json'), JSON.stringify({ 'cat/a.csv': [stamp(700)], 'cat/b.csv': [] }));
}

describe('evaluateCorpus', () => {
  it('replays every labeled file, scores it, reports lead times and malformed rows', () => {
    corpus();
    const e = evaluateCorpus(dir);
    expect(e).toMatchObject({ files: 2, rows: 1999, windows: 1 });
    expect(e.problems).toEqual([`${path.join(dir, 'data', 'cat/a.csv')}:7: value "bad" is not a number`]);
    const [standard] = e.profiles;
    expect(standard).toMatchObject({ profile: 'standard', tp: 1, fn: 0, fp: 0 });
    expect(standard.normalized).toBeGreaterThan(50);
    // The jump is the labeled point: the first alert is at it, 50 rows (250 minutes) before the window end.
    expect(e.lead).toMatchObject({ detected: 1, atLabel: 1, medianMinutesBeforeEnd: 250 });
    expect(e.atAlertThreshold.map((p) => p.threshold)).toEqual([0.6, 0.6, 0.6]);
  });

  it('uses the detector options it is given, and rejects bad ones by name', () => {
    corpus();
    expect(evaluateCorpus(dir, { detector: { threshold: 0.99 } }).atAlertThreshold[0].threshold).toBe(0.99);
    expect(() => evaluateCorpus(dir, { detector: { suppress: 0 } })).toThrow(/suppress/);
  });
});
