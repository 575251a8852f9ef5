/**
 * `health-entropy engine --config FILE`: runs the engine until SIGTERM or SIGINT, then drains and persists.
 */
import pino from 'pino';
import { ConfigError, loadConfigFile } from '../../engine/config';
import { Engine } from '../../engine/engine';
import { StoreError } from '../../engine/store';
import { CliIo, Command, parseFlags, UsageError } from '../command';

const usage = `Usage: health-entropy engine --config FILE [options]

Runs the engine: polls Prometheus and/or receives remote write, computes rolling entropy per host and
indicator, learns baselines (kept in store.path across restarts), serves /metrics, /api/v1/profiles,
/healthz, /readyz, POST /api/v1/write and the live stream GET /api/v1/stream. With resources: configured,
it decides scale actions every evaluation and delivers them, signed, to the webhook (/api/v1/actions,
/api/v1/resources); with upstream: it pushes delta frames to a central, with central: it receives them
(POST /api/v1/deltas, GET /api/v1/edges). Logs are JSON lines on stdout. Stops on SIGTERM/SIGINT after
persisting its state.

Options:
  --config FILE           YAML configuration (see examples/engine.yaml); required
  --listen HOST:PORT      overrides listen (env HEALTH_ENTROPY_LISTEN)
  --store PATH            overrides store.path (env HEALTH_ENTROPY_STORE)
  --log-level LEVEL       fatal, error, warn, info, debug, trace (env HEALTH_ENTROPY_LOG_LEVEL), default info
  -h, --help              this text`;

const flags = {
  config: { type: 'string' },
  listen: { type: 'string' },
  store: { type: 'string' },
  'log-level': { type: 'string' },
} as const;

/** The `engine` subcommand. */
export const engineCommand: Command = {
  name: 'engine',
  summary: 'run the engine (streaming entropy, baselines, /metrics)',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values: f, positionals } = parseFlags(args, flags, false);
    if (f.help) {
      io.out(usage + '\n');
      return 0;
    }
    if (f.config === undefined || positionals.length > 0) {
      throw new UsageError('--config FILE is required');
    }
    let config;
    try {
      config = loadConfigFile(f.config, { listen: f.listen, storePath: f.store, logLevel: f['log-level'] });
    } catch (e) {
      if (e instanceof ConfigError) {
        io.err(`health-entropy engine: ${f.config}: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    const logger = pino({ level: config.logLevel, base: { service: 'health-entropy-engine' } });
    const engine = new Engine(config, logger);
    let signals = 0;
    let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
    const done = new Promise<number>((resolve) => {
      onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals > 1) {
          // A second signal means "now": the first stop is still persisting; exit without waiting for it.
          logger.warn({ signal }, 'second signal: exiting immediately');
          process.exit(130);
        }
        logger.info({ signal }, 'stopping');
        engine.stop().then(
          () => resolve(0),
          (e: Error) => {
            logger.error({ err: e.message }, 'stop failed');
            resolve(1);
          }
        );
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    try {
      await engine.start();
    } catch (e) {
      const message = e instanceof StoreError ? e.message : `cannot start: ${(e as Error).message}`;
      logger.fatal({ err: message }, 'engine failed to start');
      io.err(`health-entropy engine: ${message}\n`);
      await engine.stop();
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      return 1;
    }
    return done;
  },
};
