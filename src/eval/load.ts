/**
 * Loading a NAB-style labeled corpus from disk: `data/<category>/<file>.csv`, `combined_windows.json` and
 * (optionally) `combined_labels.json`, keyed by `<category>/<file>.csv`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseTimestamp } from '../cli/csv';

/** Labeled windows and points of a corpus, timestamps in epoch ms. */
export interface CorpusLabels {
  windows: Map<string, Array<[number, number]>>;
  points: Map<string, number[]>;
}

function time(text: unknown, where: string): number {
  const t = typeof text === 'string' ? parseTimestamp(text) : NaN;
  if (Number.isNaN(t)) {
    throw new Error(`${where}: ${JSON.stringify(text)} is not a timestamp`);
  }
  return t;
}

/** Reads `combined_windows.json` (required) and `combined_labels.json` (optional) from `dir`. */
export function loadLabels(dir: string): CorpusLabels {
  const windowsFile = path.join(dir, 'combined_windows.json');
  const raw = JSON.parse(readFileSync(windowsFile, 'utf8')) as Record<string, unknown>;
  const windows = new Map<string, Array<[number, number]>>();
  for (const [name, list] of Object.entries(raw)) {
    if (!Array.isArray(list)) {
      throw new Error(`${windowsFile}: "${name}" must be a list of [start, end] pairs`);
    }
    windows.set(
      name,
      list.map((w, i) => {
        const where = `${windowsFile}: "${name}"[${i}]`;
        if (!Array.isArray(w) || w.length !== 2) {
          throw new Error(`${where} must be a [start, end] pair`);
        }
        return [time(w[0], where), time(w[1], where)];
      })
    );
  }
  const points = new Map<string, number[]>();
  const labelsFile = path.join(dir, 'combined_labels.json');
  if (existsSync(labelsFile)) {
    const labels = JSON.parse(readFileSync(labelsFile, 'utf8')) as Record<string, unknown>;
    for (const [name, list] of Object.entries(labels)) {
      points.set(name, Array.isArray(list) ? list.map((t, i) => time(t, `${labelsFile}: "${name}"[${i}]`)) : []);
    }
  }
  return { windows, points };
}

/** CSV files under `dir`, recursively, as paths relative to it with `/` separators, sorted. */
export function listCsv(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${entry}` : entry;
      if (statSync(path.join(dir, r)).isDirectory()) {
        walk(r);
      } else if (entry.toLowerCase().endsWith('.csv')) {
        out.push(r);
      }
    }
  };
  walk('');
  return out;
}
