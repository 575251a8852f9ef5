/**
 * `health-entropy score RESULTS --windows FILE`: NAB's scoring of per-row anomaly scores (the output of
 * `replay`, or NAB's own results files) against labeled windows: a table per profile, optionally JSON.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { leadTimes, scoreCorpus, summarizeLeads } from '../../eval/corpus';
import { loadLabels } from '../../eval/load';
import { ScoredFile } from '../../eval/nab';
import { fileTable, leadLine, leadTable, profileTable } from '../../eval/report';
import { CliIo, Command, parseFlags, UsageError } from '../command';
import { parseCsv } from '../csv';

const usage = `Usage: health-entropy score RESULTS_DIR --labels DIR [--column anomaly_score] [--json FILE] [--files]

Scores anomaly scores with the Numenta Anomaly Benchmark's rules: labeled windows, a probationary 15%, the
scaled sigmoid, the standard / reward_low_FP_rate / reward_low_FN_rate profiles, one threshold optimized per
profile over all files, normalized so that a detector that never alerts scores 0 and a perfect one 100.

RESULTS_DIR holds one CSV per labeled file, at the same relative path as its key in the windows file
(e.g. realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv), with a timestamp and an anomaly score column —
what \`health-entropy replay DIR/data --out RESULTS_DIR\` writes.

Options:
  --labels DIR      folder with combined_windows.json (and optionally combined_labels.json)   required
  --column NAME     the score column                                  default anomaly_score
  --json FILE       also write the full result as JSON
  --files           also print per-file scores (standard profile) and lead times
  -h, --help        this text`;

const flags = {
  labels: { type: 'string' },
  column: { type: 'string' },
  json: { type: 'string' },
  files: { type: 'boolean' },
} as const;

export const scoreCommand: Command = {
  name: 'score',
  summary: 'score anomaly scores against labeled windows (NAB scoring, three profiles)',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values: f, positionals } = parseFlags(args, flags);
    if (f.help) {
      io.out(usage + '\n');
      return 0;
    }
    if (positionals.length !== 1) {
      throw new UsageError(`expected one results folder, got ${positionals.length}`);
    }
    if (!f.labels) {
      throw new UsageError('--labels DIR is required (the folder holding combined_windows.json)');
    }
    const dir = positionals[0];
    const labels = loadLabels(f.labels);
    const column = f.column ?? 'anomaly_score';
    const files: ScoredFile[] = [];
    const missing: string[] = [];
    for (const [name, windows] of [...labels.windows].sort(([a], [b]) => a.localeCompare(b))) {
      const file = path.join(dir, name);
      if (!existsSync(file)) {
        missing.push(name);
        continue;
      }
      const series = parseCsv(readFileSync(file, 'utf8'), { timeColumn: 'timestamp', valueColumn: column });
      for (const p of series.problems) {
        io.err(`${file}:${p.line}: ${p.message}, row skipped\n`);
      }
      files.push({ name, timestamps: series.timestamps, scores: series.values, windows });
    }
    if (missing.length > 0) {
      // Scoring a subset would quietly change the corpus the threshold is optimized over.
      io.err(
        `health-entropy score: ${missing.length} labeled files have no results in ${dir}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}\n`
      );
      return 1;
    }
    const profiles = scoreCorpus(files);
    const leads = leadTimes(files, profiles[0].threshold, labels.points);
    const lead = summarizeLeads(leads);
    io.out(`${files.length} files, ${leads.length} labeled windows\n\n${profileTable(profiles)}\n\n`);
    io.out(`${leadLine(lead)} (standard threshold)\n`);
    if (f.files) {
      io.out(`\n${fileTable(profiles[0])}\n\n${leadTable(leads)}\n`);
    }
    if (f.json) {
      writeFileSync(f.json, JSON.stringify({ profiles, leadTimes: leads, lead }, null, 2) + '\n');
    }
    return 0;
  },
};
