/**
 * What the engine integration tests share: a test exporter with a known pattern and an injectable incident,
 * the engine started as a real process (the built CLI), and small HTTP helpers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, RunningProcess, startProcess } from '../helpers/processes';

export const ROOT = join(__dirname, '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds lib/ when it is missing or older than the sources, so the tests never run stale code. */
export function ensureBuilt(): void {
  const main = join(ROOT, 'lib', 'cli', 'main.js');
  const srcNewest = Math.max(...['core', 'engine', 'cli', 'demo'].map((d) => newestMtime(join(ROOT, 'src', d))));
  if (!existsSync(main) || statSync(main).mtimeMs < srcNewest) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.node.json'], { cwd: ROOT, stdio: 'inherit' });
  }
}

/** A test exporter: `he_test_cpu` and `he_test_mem` per host, a two-value cycle until an incident. */
export class TestExporter {
  readonly server: Server;
  port = 0;
  private scrapes = 0;
  /** Hosts whose values have turned random (the incident). */
  readonly incident = new Set<string>();
  private seed = 12345;

  constructor(public hosts: string[]) {
    this.server = createServer((req, res) => {
      this.scrapes++;
      const lines = ['# TYPE he_test_cpu gauge', '# TYPE he_test_mem gauge'];
      for (const host of this.hosts) {
        const random = this.incident.has(host);
        // Known pattern: cpu alternates 0.05 / 0.15 (two bins of ten), mem a slow 4-step staircase.
        const cpu = random ? this.next() : this.scrapes % 2 === 0 ? 0.05 : 0.15;
        const mem = random ? this.next() : 0.4 + 0.1 * (Math.floor(this.scrapes / 3) % 4);
        lines.push(`he_test_cpu{host="${host}"} ${cpu}`, `he_test_mem{host="${host}"} ${mem}`);
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(lines.join('\n') + '\n');
    });
  }

  /** Park–Miller: seeded, so a failing run can be reasoned about. */
  private next(): number {
    this.seed = (this.seed * 48271) % 2147483647;
    return this.seed / 2147483647;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A started engine process with its config file and port. */
export interface TestEngine extends RunningProcess {
  url: string;
  port: number;
}

/** Writes `config` (YAML) to a temp dir and starts `health-entropy engine` on `port`, waiting for /readyz. */
export async function startEngine(config: string, port: number, dir?: string): Promise<TestEngine> {
  const own = dir === undefined;
  const where = dir ?? mkdtempSync(join(tmpdir(), 'he-engine-'));
  const file = join(where, 'engine.yaml');
  writeFileSync(file, config);
  const proc = await startProcess(
    process.execPath,
    [join(ROOT, 'bin', 'health-entropy.js'), 'engine', '--config', file, '--listen', `127.0.0.1:${port}`],
    { readyUrl: `http://127.0.0.1:${port}/readyz`, timeoutMs: 60_000 }
  );
  const stop = proc.stop;
  return {
    ...proc,
    url: `http://127.0.0.1:${port}`,
    port,
    async stop(signal?: NodeJS.Signals) {
      await stop(signal);
      // A directory the caller passed is the caller's (the restart test reuses it).
      if (own) {
        rmSync(where, { recursive: true, force: true });
      }
    },
  };
}

/** GET returning parsed JSON (throws with the body on a non-2xx). */
export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${url}: HTTP ${res.status}: ${text.slice(0, 500)}`);
  }
  return JSON.parse(text) as T;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) {
      return v;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(250);
  }
}

/** Prometheus range query over `[startMs, endMs]`; series keyed by the `host` label. */
export async function promRange(
  url: string,
  query: string,
  startMs: number,
  endMs: number,
  stepMs: number
): Promise<Map<string, Array<[number, number]>>> {
  const params = new URLSearchParams({
    query,
    start: String(startMs / 1000),
    end: String(endMs / 1000),
    step: String(stepMs / 1000),
  });
  const body = await getJson<{
    data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
  }>(`${url}/api/v1/query_range?${params}`);
  const out = new Map<string, Array<[number, number]>>();
  for (const r of body.data.result) {
    out.set(
      r.metric.host,
      r.values.map(([t, v]) => [Math.round(t * 1000), Number(v)])
    );
  }
  return out;
}
