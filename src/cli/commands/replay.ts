/**
 * `health-entropy replay <csv file or folder> --out <folder>`: runs recorded series through exactly the code
 * the engine runs per series (window entropy, baseline, surprisal detector) and writes every row's numbers.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { OptionError } from '../../core';
import { SurprisalOptions } from '../../core/surprisal';
import { listCsv } from '../../eval/load';
import { REPLAY_ENTROPY, replaySeries, ReplayOptions } from '../../eval/replay';
import { CliIo, Command, numberFlag, parseFlags, UsageError } from '../command';
import { parseCsv } from '../csv';

const usage = `Usage: health-entropy replay <csv file or folder> --out <folder> [options]

Replays timestamp,value CSVs (NAB, Prometheus or Grafana exports) through the engine's per-series code and
writes, for each input file, a CSV with one line per row:
  timestamp,value,entropy,baseline,z,surprisal,anomaly_score,alert
A folder is read recursively; its layout is kept under --out. Malformed rows are reported as file:line and
skipped. Empty cells: not defined yet (window filling, warm-up) or a skipped sample.

Options:
  --out DIR                  where to write (created if missing)              required
  --window N                 entropy window in samples                        default 60
  --entropy-bins N           adaptive bins of the window entropy              default 10
  --warmup N                 detector warm-up samples (learns the bin width)  default 300
  --alpha A                  detector forgetting rate, 0 < A < 1              default 0.01
  --bins N                   bins over the warm-up's 5–95% range              default 20
  --max-bins N               most bins kept before coarsening                 default 64
  --smoothing L              additive smoothing per bin                       default 0.5
  --suppress K               report only a new maximum over the last K        default 60
  --threshold T              alert when anomaly_score >= T                    default 0.6
  -h, --help                 this text`;

const flags = {
  out: { type: 'string' },
  window: { type: 'string' },
  'entropy-bins': { type: 'string' },
  warmup: { type: 'string' },
  alpha: { type: 'string' },
  bins: { type: 'string' },
  'max-bins': { type: 'string' },
  smoothing: { type: 'string' },
  suppress: { type: 'string' },
  threshold: { type: 'string' },
} as const;

type Flags = Partial<Record<keyof typeof flags, string>>;

/** Builds replay options from flags; a bad value is a usage error naming the flag. */
export function replayOptions(f: Flags): ReplayOptions {
  const detector: SurprisalOptions = {};
  const set = (key: keyof SurprisalOptions, flag: keyof Flags) => {
    const n = numberFlag(flag, f[flag]);
    if (n !== undefined) {
      detector[key] = n;
    }
  };
  set('warmup', 'warmup');
  set('alpha', 'alpha');
  set('bins', 'bins');
  set('maxBins', 'max-bins');
  set('smoothing', 'smoothing');
  set('suppress', 'suppress');
  set('threshold', 'threshold');
  return {
    entropy: {
      ...REPLAY_ENTROPY,
      window: numberFlag('window', f.window) ?? 60,
      bins: numberFlag('entropy-bins', f['entropy-bins']) ?? REPLAY_ENTROPY.bins,
    },
    detector,
  };
}

function cell(x: number): string {
  return Number.isNaN(x) ? '' : String(Number(x.toFixed(9)));
}

/** Draws a progress bar on a terminal; silent when not a TTY or the run is short. */
function progress(io: CliIo, tty: boolean, total: number, minRows: number): (done: number) => void {
  if (!tty || total < minRows) {
    return () => undefined;
  }
  let shown = -1;
  return (done) => {
    const pct = Math.floor((100 * done) / total);
    if (pct !== shown) {
      shown = pct;
      const bar = '#'.repeat(pct >> 2).padEnd(25, '.');
      io.err(`\r[${bar}] ${pct}% (${done}/${total} rows)${done >= total ? '\n' : ''}`);
    }
  };
}

/**
 * The command. `tty` says whether stderr is a terminal (tests pass it, the binary asks the process); a run
 * of fewer than `progressRows` rows finishes too fast for a progress bar to help.
 */
export function makeReplayCommand(
  tty: () => boolean = () => Boolean(process.stderr.isTTY),
  progressRows = 500_000
): Command {
  return {
    name: 'replay',
    summary: 'replay CSV files through the engine and write entropy, surprisal and anomaly scores',
    usage,
    async run(args: string[], io: CliIo): Promise<number> {
      const { values: f, positionals } = parseFlags(args, flags);
      if (f.help) {
        io.out(usage + '\n');
        return 0;
      }
      if (positionals.length !== 1) {
        throw new UsageError(`expected one CSV file or folder, got ${positionals.length}`);
      }
      if (!f.out) {
        throw new UsageError('--out <folder> is required');
      }
      const options = replayOptions(f);
      try {
        // Every option is checked before any file is read: an empty replay builds the whole pipeline.
        replaySeries([], [], options);
      } catch (e) {
        throw e instanceof OptionError ? new UsageError(e.message) : e;
      }
      const input = positionals[0];
      const isDir = statSync(input).isDirectory();
      const files = isDir
        ? listCsv(input).map((rel) => ({ rel, file: path.join(input, rel) }))
        : [{ rel: path.basename(input), file: input }];
      if (files.length === 0) {
        io.err(`health-entropy replay: no .csv files under ${input}\n`);
        return 1;
      }
      const texts = files.map(({ file }) => readFileSync(file, 'utf8'));
      const series = texts.map((t) => parseCsv(t));
      const total = series.reduce((s, x) => s + x.values.length, 0);
      const tick = progress(io, tty(), total, progressRows);
      let done = 0;
      for (let k = 0; k < files.length; k++) {
        const { rel, file } = files[k];
        const s = series[k];
        for (const p of s.problems) {
          io.err(`${file}:${p.line}: ${p.message}, row skipped\n`);
        }
        const columns = replaySeries(s.timestamps, s.values, options, (n) => tick(done + n));
        done += s.values.length;
        const lines = ['timestamp,value,entropy,baseline,z,surprisal,anomaly_score,alert'];
        for (let i = 0; i < s.values.length; i++) {
          lines.push(
            [
              s.rawTimestamps[i],
              String(s.values[i]),
              cell(columns.entropy[i]),
              cell(columns.baseline[i]),
              cell(columns.z[i]),
              cell(columns.surprisal[i]),
              cell(columns.score[i]),
              String(columns.alert[i]),
            ].join(',')
          );
        }
        const target = path.join(f.out, rel);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, lines.join('\n') + '\n');
        const alerts = columns.alert.reduce((a, b) => a + b, 0);
        io.err(`${file}: ${s.values.length} rows, ${s.problems.length} malformed, ${alerts} alerts → ${target}\n`);
      }
      return 0;
    },
  };
}

export const replayCommand = makeReplayCommand();
