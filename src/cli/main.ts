/**
 * `health-entropy`: one binary, one subcommand per job.
 */
import { CliIo, Command, UsageError } from './command';
import { checkConfigCommand } from './commands/check-config';
import { engineCommand } from './commands/engine';
import { entropyCommand } from './commands/entropy';
import { replayCommand } from './commands/replay';
import { scoreCommand } from './commands/score';

/** Every subcommand; later ones (engine, replay, score) register here. */
export const COMMANDS: Command[] = [entropyCommand, engineCommand, checkConfigCommand, replayCommand, scoreCommand];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: health-entropy COMMAND [options]   (health-entropy COMMAND --help for more)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 failure, 2 usage). Never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`health-entropy: unknown command "${name.slice(0, 40)}"\n\n${overview()}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`health-entropy ${name}: ${e.message}\n\n${command.usage}\n`);
      return 2;
    }
    const err = e as NodeJS.ErrnoException;
    io.err(`health-entropy ${name}: ${err.code === 'ENOENT' ? `no such file: ${err.path}` : err.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  }).then((code) => {
    process.exitCode = code;
  });
}
