/**
 * The shape of a CLI subcommand, so that each lives in its own file and can be tested without a process.
 */
import { parseArgs, ParseArgsConfig } from 'node:util';

/** Where a command writes; tests pass collectors, the binary passes the process streams. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** A subcommand: `run` resolves to the process exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** `parseArgs` with errors turned into {@link UsageError}s that say which flag was wrong. */
export function parseFlags<O extends Options>(args: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
}

/** Reads a numeric flag; undefined when absent. */
export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new UsageError(`--${name} must be a number, got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return n;
}
