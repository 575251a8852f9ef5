/**
 * Real processes for integration tests: free loopback ports, start-and-wait-until-ready, stop for sure.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A started process; `stop` is idempotent and waits for the exit. */
export interface RunningProcess {
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Options for {@link startProcess}. */
export interface StartOptions {
  /** Polled until it answers 2xx. */
  readyUrl?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `command` and waits until `readyUrl` answers (or throws with the process's output). */
export async function startProcess(
  command: string,
  args: string[],
  options: StartOptions = {}
): Promise<RunningProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true;
      resolve();
    })
  );
  child.on('error', (e) => {
    output += `\nspawn error: ${e.message}`;
  });
  const handle: RunningProcess = {
    child,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (exited || child.exitCode !== null) {
        return;
      }
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
  if (options.readyUrl) {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      if (exited) {
        throw new Error(`${command} exited before it was ready:\n${output.slice(-4000)}`);
      }
      try {
        const res = await fetch(options.readyUrl);
        if (res.ok) {
          break;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await handle.stop('SIGKILL');
        throw new Error(`${command} was not ready at ${options.readyUrl} in time:\n${output.slice(-4000)}`);
      }
      await sleep(100);
    }
  }
  return handle;
}

/** A real Prometheus (Debian's `prometheus` binary) with its own data dir, on a free loopback port. */
export interface TestPrometheus extends RunningProcess {
  url: string;
  port: number;
  dir: string;
}

/** Options for {@link startPrometheus}. */
export interface PrometheusOptions {
  /** prometheus.yml contents (scrape configs etc.). */
  config: string;
  /** Extra flags, e.g. `--web.enable-remote-write-receiver`. */
  flags?: string[];
  /** Use an existing TSDB directory (e.g. made by `promtool tsdb create-blocks-from openmetrics`). */
  dataDir?: string;
}

/** Path of the Prometheus binary (Debian installs it in /usr/bin). */
export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

export async function startPrometheus(options: PrometheusOptions): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'he-prom-'));
  const port = await freePort();
  writeFileSync(join(dir, 'prometheus.yml'), options.config);
  const proc = await startProcess(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${options.dataDir ?? join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...(options.flags ?? []),
    ],
    { readyUrl: `http://127.0.0.1:${port}/-/ready`, timeoutMs: 60_000 }
  );
  const stop = proc.stop;
  return {
    ...proc,
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    async stop(signal?: NodeJS.Signals) {
      await stop(signal);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
