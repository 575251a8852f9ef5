/**
 * `npm run demo`: the whole product on one machine without Docker — a synthetic fleet with scripted incidents,
 * a real Prometheus, the engine, and a webhook receiver — with a live table of what the engine sees and, per
 * incident, how much earlier the entropy warning came than a plain threshold alert.
 */
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseFlags, numberFlag, UsageError } from '../cli/command';
import { durationAt } from '../engine/fields';
import { ConfigError } from '../engine/config';
import { DemoError } from './processes';
import { DemoRun } from './run';
import { DEFAULT_SCENARIO } from './scenario';
import { summaryText } from './summary';

export const USAGE = `Usage: npm run demo -- [--duration SECONDS] [--json FILE] [--step DURATION] [--plain]

Starts a synthetic fleet of ${DEFAULT_SCENARIO.hosts.length} hosts with scripted incidents, a real Prometheus scraping it, the
Health Entropy engine polling Prometheus, and a webhook receiver that prints the actions the engine sends.
Shows a live table and, per incident, the entropy warning versus a plain threshold alert. Ctrl-C stops it
(a second Ctrl-C forces); nothing is left running.

Options:
  --duration SECONDS   stop after this long (default ${DEFAULT_SCENARIO.steps} steps: the whole script)
  --json FILE          write the summary (incidents, warning and threshold times, lead times, actions
                       received with their signature check) as JSON
  --step DURATION      one fleet sample per step (default 1s; 250ms … 15s); the script is in steps
  --plain              plain lines even on a terminal (no redraw in place)
  -h, --help           this text`;

/** Parsed command line. */
export interface DemoArgs {
  durationMs: number | undefined;
  json: string | undefined;
  stepMs: number;
  plain: boolean;
  help: boolean;
}

/** Parses the demo's flags; throws {@link UsageError} naming the flag. */
export function parseDemoArgs(argv: string[]): DemoArgs {
  const { values } = parseFlags(
    argv,
    { duration: { type: 'string' }, json: { type: 'string' }, step: { type: 'string' }, plain: { type: 'boolean' } },
    false
  );
  const duration = numberFlag('duration', values.duration);
  if (duration !== undefined && !(duration > 0 && duration <= 86_400)) {
    throw new UsageError(`--duration must be a number of seconds above 0 and at most 86400, got ${values.duration}`);
  }
  let stepMs = 1000;
  if (values.step !== undefined) {
    try {
      stepMs = durationAt('--step', values.step, 250, 15_000);
    } catch (e) {
      throw new UsageError(e instanceof ConfigError ? e.message : String(e));
    }
  }
  if (values.json === '') {
    throw new UsageError('--json needs a file name');
  }
  return {
    durationMs: duration === undefined ? undefined : duration * 1000,
    json: values.json,
    stepMs,
    plain: values.plain ?? false,
    help: values.help ?? false,
  };
}

/** Why `file` cannot be written (checked before a run of minutes, not after), or undefined. */
export function unwritable(file: string): string | undefined {
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
      return 'is a directory';
    }
    accessSync(dirname(resolve(file)), constants.W_OK);
    return undefined;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return err.code === 'ENOENT' ? `the directory ${dirname(resolve(file))} does not exist` : err.message;
  }
}

/** Runs the demo; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(argv);
  } catch (e) {
    process.stderr.write(`demo: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const jsonProblem = args.json === undefined ? undefined : unwritable(args.json);
  if (jsonProblem) {
    process.stderr.write(`demo: --json ${args.json}: ${jsonProblem}\n`);
    return 2;
  }
  const tty = Boolean(process.stdout.isTTY) && !args.plain;
  const run = new DemoRun({
    scenario: DEFAULT_SCENARIO,
    stepMs: args.stepMs,
    durationMs: args.durationMs ?? DEFAULT_SCENARIO.steps * args.stepMs,
    write: (t) => process.stdout.write(t),
    tty,
    color: tty && !process.env.NO_COLOR,
    columns: () => process.stdout.columns,
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      process.stdout.write(`\n${signal}: stopping the demo (again to force)…\n`);
      run.stop();
      return;
    }
    run.supervisor.forceStop();
    process.stdout.write(`${tty ? '\x1b[?25h' : ''}\n${signal} again: children killed, temp files removed.\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await run.run();
    process.stdout.write(`\n${summaryText(summary)}\n`);
    if (args.json) {
      try {
        writeFileSync(args.json, JSON.stringify(summary, null, 2) + '\n');
      } catch (e) {
        process.stderr.write(`demo: cannot write --json ${args.json}: ${(e as Error).message}\n`);
        return 1;
      }
      process.stdout.write(`\nSummary written to ${args.json}\n`);
    }
    return 0;
  } catch (e) {
    process.stderr.write(`demo: ${e instanceof DemoError ? e.message : ((e as Error).stack ?? String(e))}\n`);
    return 1;
  } finally {
    // Once a stop was asked for, the handler stays until the process exits: a second Ctrl-C while the summary
    // is written must force (exit 130), not fall back to Node's default of dying by the signal.
    if (signals === 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
