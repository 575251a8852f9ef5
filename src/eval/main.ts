/**
 * `npm run eval`: replays the NAB development files through the engine's per-series code and scores them.
 *
 * The files live outside the repository (`../shared/data/nab-dev`, next to the clone); a user's clone does
 * not have them, so their absence is a message and exit code 0, not a failure.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveSurprisalOptions, SurprisalOptions } from '../core/surprisal';
import { fileTable, leadLine, leadTable, profileTable } from './report';
import { evaluateCorpus } from './run';

/** Repository root: this file runs as lib/eval/main.js (compiled) or src/eval/main.ts (ts-node). */
const ROOT = path.join(__dirname, '..', '..');
/** The development corpus, a sibling of the clone. */
export const NAB_DEV = path.join(ROOT, '..', 'shared', 'data', 'nab-dev');

const USAGE = 'Usage: node lib/eval/main.js [NAB_DIR] [--detector \'{"alpha":0.003}\']';

function main(argv: string[]): number {
  let parsed;
  let detector: SurprisalOptions;
  try {
    parsed = parseArgs({ args: argv, options: { detector: { type: 'string' } }, allowPositionals: true });
    detector = JSON.parse(parsed.values.detector ?? '{}');
    resolveSurprisalOptions(detector, 'detector.');
  } catch (e) {
    process.stderr.write(`eval: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const dir = parsed.positionals[0] ?? NAB_DEV;
  if (!existsSync(path.join(dir, 'combined_windows.json'))) {
    process.stdout.write(
      `eval: no labeled corpus at ${dir} (expected combined_windows.json and data/); nothing to score.\n` +
        'Pass a NAB-style folder as the first argument: node lib/eval/main.js /path/to/nab-dev\n'
    );
    return 0;
  }
  const started = Date.now();
  const e = evaluateCorpus(dir, { detector });
  const used = resolveSurprisalOptions(detector);
  const seconds = (Date.now() - started) / 1000;
  for (const p of e.problems) {
    process.stderr.write(`${p}, row skipped\n`);
  }
  const out = process.stdout;
  out.write(`NAB development corpus: ${e.files} files, ${e.rows} rows, ${e.windows} labeled windows (${dir})\n`);
  out.write(`detector: surprisal ${JSON.stringify(used)}\n\n`);
  out.write('each profile at its threshold optimized over the corpus (NAB):\n' + profileTable(e.profiles) + '\n\n');
  out.write(`at the detector's alert threshold ${used.threshold}:\n${profileTable(e.atAlertThreshold)}\n\n`);
  out.write(`${leadLine(e.lead)} (standard threshold)\n\n`);
  out.write(fileTable(e.profiles[0]) + '\n\n' + leadTable(e.leadTimes) + '\n\n');
  const artifacts = path.join(ROOT, 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  const json = path.join(artifacts, 'eval.json');
  writeFileSync(json, JSON.stringify({ corpus: dir, detector: used, seconds, ...e }, null, 2) + '\n');
  out.write(`replayed and scored in ${seconds.toFixed(1)} s; wrote ${path.relative(process.cwd(), json)}\n`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
