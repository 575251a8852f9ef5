/**
 * What the allocation integration tests share: an engine config whose policy scales up at every evaluation
 * while a host's entropy is high, a remote-write pusher that drives the hosts' values (constant = entropy 0,
 * random = entropy high), and reading the engine's store after it stopped.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestReceiver } from '../../src/engine/actions/test-receiver';
import { encodeWriteRequest, snappy } from '../../src/engine/remote-write/encoder';
import { getJson, startEngine, TestEngine, waitFor } from '../engine/harness';
import { freePort } from '../helpers/processes';

/** The signing key the engine and the receiver share (written to a file for the engine). */
export const KEY = Buffer.alloc(32, 0x2a);
export const SECRET = `whsec_${KEY.toString('base64')}`;

/** Engine timing of these tests. */
export interface Timing {
  intervalMs: number;
  /** Remote-write period of the pusher. */
  sampleMs: number;
}

/**
 * One resource per host (`r<i>` ↔ `h<i>`), cpu from 1 in steps of 1, no cooldown, `for: 1`: each evaluation
 * while `h<i>`'s entropy deviates scales `r<i>` up by one. The host baseline learns the constant phase
 * (entropy 0) and then stays frozen (maxFrozen is huge), so the deviation holds while values are random.
 */
export function engineConfig(dir: string, receiverUrl: string, hosts: number, t: Timing): string {
  const secretFile = join(dir, 'webhook-secret');
  writeFileSync(secretFile, SECRET);
  const resources = Array.from(
    { length: hosts },
    (_, i) =>
      `  - { name: r${i}, hosts: { host: "h${i}" }, utilization: util, cpu: { current: 1, min: 1, max: 1000000, step: 1 }, policy: { for: 1, theta: 0.15, uHigh: 0.8, cooldownUp: 0s, cooldownDown: 0s } }`
  );
  return `
interval: ${t.intervalMs}ms
persistInterval: 200ms
store: { path: ${join(dir, 'state.db')} }
logLevel: warn
defaults: { window: 10, binning: fixed, bins: 10, lo: 0, hi: 1, baseline: { warmup: 5, maxFrozen: 1000000 } }
hostBaseline: { warmup: 5, alpha: 0.1, maxFrozen: 1000000 }
indicators:
  - { name: cpu, selector: he_cpu, hostLabel: host }
  - { name: util, selector: he_util, hostLabel: host, weight: 0 }
webhook:
  url: ${receiverUrl}
  secret: { file: ${secretFile} }
  timeout: 2s
  backoff: { initial: 50ms, max: 500ms }
resources:
${resources.join('\n')}
`;
}

/** Park–Miller: the pusher's random values are reproducible from the seed. */
export function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

/** Pushes `he_cpu` and `he_util` for each host every `sampleMs`; `random` hosts get random cpu values. */
export class Pusher {
  readonly random = new Set<string>();
  /** Per host: [wall time the write was acknowledged, cpu value] of each acknowledged sample. */
  readonly sent = new Map<string, Array<[number, number]>>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private t = Date.now();
  private readonly next = rng(4242);
  url = '';

  constructor(
    readonly hosts: string[],
    readonly sampleMs: number
  ) {}

  start(url: string): void {
    this.url = url;
    this.timer = setInterval(() => {
      // One write at a time, so that samples arrive in timestamp order.
      if (!this.busy) {
        this.busy = true;
        void this.push().finally(() => (this.busy = false));
      }
    }, this.sampleMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async push(): Promise<void> {
    this.t = Math.max(this.t + this.sampleMs, Date.now());
    const t = this.t;
    const values = this.hosts.map((h) => [h, this.random.has(h) ? this.next() : 0.5] as const);
    const body = snappy(
      encodeWriteRequest(
        values.flatMap(([host, cpu]) => [
          {
            labels: [
              ['__name__', 'he_cpu'],
              ['host', host],
            ] as Array<[string, string]>,
            samples: [[t, cpu]] as Array<[number, number]>,
          },
          {
            labels: [
              ['__name__', 'he_util'],
              ['host', host],
            ] as Array<[string, string]>,
            samples: [[t, 0.95]] as Array<[number, number]>,
          },
        ])
      )
    );
    try {
      const res = await fetch(`${this.url}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
        body,
        signal: AbortSignal.timeout(2000),
      });
      if (res.status === 204) {
        const at = Date.now();
        for (const [host, cpu] of values) {
          const list = this.sent.get(host) ?? [];
          list.push([at, cpu]);
          this.sent.set(host, list);
        }
      }
    } catch {
      // The engine is down (killed on purpose): the sample is lost, as it would be for Prometheus.
    }
  }
}

/** An action row as stored. */
export interface StoredAction {
  seq: number;
  id: string;
  resource: string;
  state: string;
  attempts: number;
  createdAt: number;
  deliveredAt: number | null;
  body: { change: { cpu: { from: number; to: number } }; createdAt: string };
}

/** Reads the outbox of a store file (the engine must not be running, or be dead). */
export function readActions(path: string): StoredAction[] {
  const db = new Database(path);
  try {
    return (
      db
        .prepare('SELECT seq, id, resource, state, attempts, created_at, delivered_at, body FROM actions ORDER BY seq')
        .all() as Array<{
        seq: number;
        id: string;
        resource: string;
        state: string;
        attempts: number;
        created_at: number;
        delivered_at: number | null;
        body: string;
      }>
    ).map((r) => ({
      seq: r.seq,
      id: r.id,
      resource: r.resource,
      state: r.state,
      attempts: r.attempts,
      createdAt: r.created_at,
      deliveredAt: r.delivered_at,
      body: JSON.parse(r.body) as StoredAction['body'],
    }));
  } finally {
    db.close();
  }
}

/**
 * A running scenario: the receiver, the pusher and the engine (built CLI) on one port and one store, warmed
 * up until every host's baseline is ready. `engine` is replaced by {@link Scenario.restart}.
 */
export class Scenario {
  readonly dir = mkdtempSync(join(tmpdir(), 'he-actions-'));
  readonly receiver = new TestReceiver(KEY);
  readonly pusher: Pusher;
  engine: TestEngine | undefined;
  port = 0;
  config = '';

  constructor(
    readonly hosts: string[],
    readonly timing: Timing
  ) {
    this.pusher = new Pusher(hosts, timing.sampleMs);
  }

  get storePath(): string {
    return join(this.dir, 'state.db');
  }

  /** Starts everything and waits until every host has a deviation (its baseline is warm). */
  async start(): Promise<void> {
    await this.receiver.start();
    this.port = await freePort();
    this.config = engineConfig(this.dir, this.receiver.url, this.hosts.length, this.timing);
    this.pusher.start(`http://127.0.0.1:${this.port}`);
    this.engine = await startEngine(this.config, this.port, this.dir);
    await waitFor(
      'baselines ready',
      async () => {
        const p = await getJson<{ hosts: Array<{ deviation: number | null }> }>(`${this.engine!.url}/api/v1/profiles`);
        return p.hosts.length === this.hosts.length && p.hosts.every((h) => h.deviation !== null) ? true : undefined;
      },
      120_000
    );
  }

  /** Starts the engine again on the same port and store. */
  async restart(): Promise<void> {
    this.engine = await startEngine(this.config, this.port, this.dir);
  }

  /** Stops everything (SIGKILL for an engine still running) and removes the directory. Idempotent. */
  async stop(): Promise<void> {
    this.pusher.stop();
    await this.engine?.stop('SIGKILL');
    this.engine = undefined;
    await this.receiver.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
