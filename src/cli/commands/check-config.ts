/**
 * `health-entropy check-config FILE`: validates an engine config the way `engine` would (including that
 * secrets resolve), without starting anything: for CI and for a pre-deploy hook.
 */
import { ConfigError, loadConfigFile } from '../../engine/config';
import { formatDuration } from '../../engine/fields';
import { CliIo, Command, parseFlags, UsageError } from '../command';

const usage = `Usage: health-entropy check-config FILE

Validates an engine configuration: YAML syntax, every key and value, selectors, and that secrets
({env: NAME} or {file: PATH}) can be read. Exit code 0 when valid, 1 with the offending key otherwise.

Options:
  -h, --help   this text`;

/** The `check-config` subcommand. */
export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'validate an engine configuration file',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values: f, positionals } = parseFlags(args, {});
    if (f.help) {
      io.out(usage + '\n');
      return 0;
    }
    if (positionals.length !== 1) {
      throw new UsageError(`expected one config file, got ${positionals.length}`);
    }
    try {
      const c = loadConfigFile(positionals[0]);
      const polled = c.indicators.filter((i) => i.query !== undefined).length;
      io.out(
        `${positionals[0]}: valid: ${c.indicators.length} indicators (${polled} polled, ${c.indicators.length - polled} by remote write), ` +
          `interval ${formatDuration(c.intervalMs)}, listen ${c.listen.host}:${c.listen.port}, ` +
          `store ${c.store ? c.store.path : 'none (baselines not persisted)'}, ` +
          `${c.resources.length ? `${c.resources.length} resources, actions to ${c.webhook!.url.replace(/\?.*$/, '?…')}` : 'no resources (allocation off)'}` +
          (c.deltas.upstream ? `, edge ${c.deltas.edge} → ${c.deltas.upstream.url}` : '') +
          (c.deltas.central ? `, central for up to ${c.deltas.central.maxEdges} edges` : '') +
          (c.quorum
            ? `, quorum by ${c.quorum.observerLabel}: ${c.quorum.checks ? 'checks and ' : ''}${c.quorum.indicators.length} indicators`
            : '') +
          '\n'
      );
      return 0;
    } catch (e) {
      if (e instanceof ConfigError) {
        io.err(`${positionals[0]}: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  },
};
