/**
 * `health-entropy entropy FILE.csv`: rolling entropy of a `timestamp,value` CSV, as CSV on stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createEstimator, EntropyOptions, OptionError } from '../../core';
import { CliIo, Command, numberFlag, parseFlags, UsageError } from '../command';
import { parseCsv } from '../csv';

const usage = `Usage: health-entropy entropy FILE.csv [options]

Rolling entropy of a timestamp,value CSV (NAB, Prometheus or Grafana export). Writes
timestamp,value,entropy,entropy_bits per row (entropy empty until the window is full).

Options:
  --estimator shannon|permutation   default shannon
  --window N                        samples in the window (W), default 60
  --min-fill N                      samples before entropy is defined, default W
  --max-age SECONDS                 also drop samples older than this
  --binning fixed|adaptive|width    Shannon binning, default fixed
  --bins N  --lo X  --hi X          fixed/adaptive bins (default 10 over 0..1)
  --width X                         bin width for width binning
  --order D  --delay T              permutation order (3..7, default 4) and delay (default 1)
  --out FILE                        write here instead of stdout
  -h, --help                        this text`;

const flags = {
  estimator: { type: 'string' },
  window: { type: 'string' },
  'min-fill': { type: 'string' },
  'max-age': { type: 'string' },
  binning: { type: 'string' },
  bins: { type: 'string' },
  lo: { type: 'string' },
  hi: { type: 'string' },
  width: { type: 'string' },
  order: { type: 'string' },
  delay: { type: 'string' },
  out: { type: 'string' },
} as const;

function formatNumber(x: number): string {
  return Number.isNaN(x) ? '' : String(Number(x.toFixed(12)));
}

export const entropyCommand: Command = {
  name: 'entropy',
  summary: 'rolling entropy of a timestamp,value CSV',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values: f, positionals } = parseFlags(args, flags);
    if (f.help) {
      io.out(usage + '\n');
      return 0;
    }
    if (positionals.length !== 1) {
      throw new UsageError(`expected one CSV file, got ${positionals.length}`);
    }
    const maxAge = numberFlag('max-age', f['max-age']);
    const options: EntropyOptions = {
      estimator: f.estimator as EntropyOptions['estimator'],
      window: numberFlag('window', f.window),
      minFill: numberFlag('min-fill', f['min-fill']),
      maxAgeMs: maxAge === undefined ? undefined : maxAge * 1000,
      binning: f.binning as EntropyOptions['binning'],
      bins: numberFlag('bins', f.bins),
      lo: numberFlag('lo', f.lo),
      hi: numberFlag('hi', f.hi),
      width: numberFlag('width', f.width),
      order: numberFlag('order', f.order),
      delay: numberFlag('delay', f.delay),
    };
    for (const key of Object.keys(options) as Array<keyof EntropyOptions>) {
      if (options[key] === undefined) {
        delete options[key];
      }
    }
    let estimator;
    try {
      estimator = createEstimator(options);
    } catch (e) {
      if (e instanceof OptionError) {
        throw new UsageError(e.message);
      }
      throw e;
    }
    const file = positionals[0];
    const series = parseCsv(readFileSync(file, 'utf8'));
    for (const p of series.problems) {
      io.err(`${file}:${p.line}: ${p.message}, row skipped\n`);
    }
    const lines = ['timestamp,value,entropy,entropy_bits'];
    for (let i = 0; i < series.values.length; i++) {
      const hn = estimator.push(series.timestamps[i], series.values[i]);
      const bits = hn === undefined ? NaN : estimator.bits;
      lines.push(
        `${series.rawTimestamps[i]},${String(series.values[i])},${formatNumber(hn ?? NaN)},${formatNumber(bits)}`
      );
    }
    const text = lines.join('\n') + '\n';
    if (f.out) {
      writeFileSync(f.out, text);
    } else {
      io.out(text);
    }
    const s = estimator.stats;
    io.err(
      `${file}: ${series.values.length} rows, ${s.admitted} in the window, skipped ${s.invalid} invalid, ` +
        `${s.duplicate} duplicate, ${s.outOfOrder} out of order; ${series.problems.length} malformed\n`
    );
    return 0;
  },
};
