/**
 * The demo's child processes (Prometheus, the engine) and temporary directories, owned by one
 * {@link Supervisor} so that a stop — Ctrl-C, `--duration` over, an error — leaves nothing behind.
 *
 * Children run in their own process group: a Ctrl-C in the terminal reaches the demo only, which then stops
 * them in order (the engine persists, Prometheus flushes) instead of everything dying at once.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A failure the demo explains in one sentence (no stack trace). */
export class DemoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoError';
  }
}

/** A started child. */
export interface Child {
  name: string;
  process: ChildProcess;
  /** The last 64 KiB it wrote (stdout and stderr), for error messages. */
  output(): string;
  exited: Promise<number | null>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Owns children and temp dirs; `stop` is idempotent, `forceStop` synchronous. */
export class Supervisor {
  private readonly children: Child[] = [];
  private readonly dirs: string[] = [];
  private onExit = () => this.forceStop();

  constructor() {
    // Last resort: whatever way the demo exits, no child outlives it.
    process.on('exit', this.onExit);
  }

  /** A new temp dir, removed by `stop`. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** Starts `command` in its own process group, capturing its output. */
  spawn(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
    const proc = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-65_536);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const exited = new Promise<number | null>((resolve) => {
      proc.on('exit', (code) => resolve(code));
      proc.on('error', (e) => {
        output += `\n${name}: ${e.message}`;
        resolve(null);
      });
    });
    const child: Child = { name, process: proc, output: () => output, exited };
    this.children.push(child);
    return child;
  }

  /** Waits until `url` answers 2xx; throws with the child's output if it exits or the time runs out. */
  async waitReady(child: Child, url: string, timeoutMs: number): Promise<void> {
    let gone = false;
    void child.exited.then(() => (gone = true));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (gone) {
        throw new DemoError(`${child.name} exited during start-up:\n${child.output().slice(-3000)}`);
      }
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (res.ok) {
          return;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new DemoError(
          `${child.name} did not answer ${url} within ${timeoutMs / 1000} s:\n${child.output().slice(-3000)}`
        );
      }
      await sleep(150);
    }
  }

  /** Pids of children still running (for the summary and the test that checks nothing is left). */
  pids(): Record<string, number> {
    return Object.fromEntries(this.children.filter(alive).map((c) => [c.name, c.process.pid!]));
  }

  /** The temp dirs made so far. */
  tempDirs(): string[] {
    return [...this.dirs];
  }

  /**
   * Stops children in reverse start order with SIGTERM (SIGKILL after `graceMs`), then removes the temp dirs.
   */
  async stop(graceMs = 10_000): Promise<void> {
    for (const child of [...this.children].reverse()) {
      if (!alive(child)) {
        continue;
      }
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await child.exited;
      clearTimeout(timer);
    }
    this.removeDirs();
    process.off('exit', this.onExit);
  }

  /** SIGKILLs every child and removes the temp dirs, synchronously (a second Ctrl-C, or process exit). */
  forceStop(): void {
    for (const child of this.children) {
      if (alive(child)) {
        signalGroup(child, 'SIGKILL');
      }
    }
    this.removeDirs();
  }

  private removeDirs(): void {
    for (const dir of this.dirs.splice(0)) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

const alive = (c: Child) => c.process.exitCode === null && c.process.signalCode === null && c.process.pid !== undefined;

/** Signals the child's whole process group (it leads one: spawned detached). */
function signalGroup(child: Child, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.process.pid!, signal);
  } catch {
    try {
      child.process.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Path of the Prometheus binary: `PROMETHEUS_BIN`, else Debian's. */
export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

/**
 * Makes sure Prometheus is there: when missing and running as root on Debian/Ubuntu, installs the `prometheus`
 * package (after `apt-get update`); otherwise says what to install.
 */
export function ensurePrometheus(log: (line: string) => void, bin = PROMETHEUS_BIN): string {
  if (existsSync(bin)) {
    return bin;
  }
  const hasApt = existsSync('/usr/bin/apt-get');
  if (process.getuid?.() === 0 && hasApt && bin === '/usr/bin/prometheus') {
    log('Prometheus is missing: installing the Debian package (apt-get update && apt-get install -y prometheus)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [
      ['update', '-qq'],
      ['install', '-y', '-qq', 'prometheus'],
    ]) {
      const r = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status !== 0) {
        throw new DemoError(`apt-get ${args.join(' ')} failed (exit ${r.status}): ${String(r.stderr).slice(-2000)}`);
      }
    }
    if (existsSync(bin)) {
      return bin;
    }
  }
  throw new DemoError(
    `Prometheus is not installed (${bin} is missing). The demo runs a real Prometheus: install it ` +
      `(Debian/Ubuntu: sudo apt-get install prometheus; elsewhere: https://prometheus.io/download/) ` +
      `or set PROMETHEUS_BIN to a prometheus binary. Run as root, the demo installs the Debian package itself.`
  );
}
