/**
 * Replays and scores a whole labeled corpus: every CSV through {@link replaySeries}, then NAB's scoring.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCsv } from '../cli/csv';
import { resolveSurprisalOptions } from '../core/surprisal';
import {
  LeadSummary,
  leadTimes,
  LeadTime,
  ProfileResult,
  scoreAtThreshold,
  scoreCorpus,
  summarizeLeads,
} from './corpus';
import { loadLabels } from './load';
import { PROFILES, ScoredFile } from './nab';
import { replaySeries, ReplayOptions } from './replay';

/** The outcome of {@link evaluateCorpus}. */
export interface Evaluation {
  files: number;
  rows: number;
  windows: number;
  profiles: ProfileResult[];
  /** The same profiles at the detector's own alert threshold (what a user gets without tuning). */
  atAlertThreshold: ProfileResult[];
  /** Lead times at the standard profile's threshold, and their summary. */
  leadTimes: LeadTime[];
  lead: LeadSummary;
  /** Malformed rows, as `file:line: message`. */
  problems: string[];
}

/** Replays every file named in `<dir>/combined_windows.json` from `<dir>/data` and scores the result. */
export function evaluateCorpus(dir: string, options: ReplayOptions = {}): Evaluation {
  const labels = loadLabels(dir);
  const files: ScoredFile[] = [];
  const problems: string[] = [];
  let rows = 0;
  for (const [name, windows] of [...labels.windows].sort(([a], [b]) => a.localeCompare(b))) {
    const file = path.join(dir, 'data', name);
    const series = parseCsv(readFileSync(file, 'utf8'));
    problems.push(...series.problems.map((p) => `${file}:${p.line}: ${p.message}`));
    const columns = replaySeries(series.timestamps, series.values, options);
    rows += series.values.length;
    files.push({ name, timestamps: series.timestamps, scores: columns.score, windows });
  }
  const profiles = scoreCorpus(files);
  const alertThreshold = resolveSurprisalOptions(options.detector).threshold;
  const atAlertThreshold = PROFILES.map((p) => scoreAtThreshold(files, p, alertThreshold));
  const lead = leadTimes(files, profiles[0].threshold, labels.points);
  return {
    files: files.length,
    rows,
    windows: lead.length,
    profiles,
    atAlertThreshold,
    leadTimes: lead,
    lead: summarizeLeads(lead),
    problems,
  };
}
