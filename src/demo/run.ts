/**
 * One demo run: the fleet exporter, the webhook receiver, a real Prometheus and the engine (built CLI) on free
 * loopback ports, the monitor loop that draws the table, and the stop that leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
import { PrometheusClient } from '../engine/prometheus';
import { DecisionLog, EngineAction, ResourceView } from './allocation';
import { engineYaml, DETECTOR_THRESHOLD, WEBHOOK_SECRET_ENV } from './config';
import { FleetExporter } from './exporter';
import { Monitor } from './monitor';
import { DemoError, ensurePrometheus, Supervisor } from './processes';
import { ReceivedAction, summarize, Summary } from './summary';
import { Scenario, WARN_Z } from './scenario';
import { describeWarning, kindName, renderFrame, seconds } from './table';
import { IncidentTracker } from './tracker';

/** The repository root (this file runs from `lib/demo/` or, in Jest, `src/demo/`). */
export const ROOT = resolve(__dirname, '..', '..');

/** Options of one run. */
export interface RunOptions {
  scenario: Scenario;
  stepMs: number;
  /** Wall-clock bound of the whole run, ms. */
  durationMs: number;
  /** Where lines go; `tty` redraws the table in place. */
  write: (text: string) => void;
  tty: boolean;
  color: boolean;
  /** The terminal's width, read at each redraw (it may be resized). */
  columns?: () => number | undefined;
}

/** The receiver module's surface that the demo uses (`deploy/receiver/receiver.js`, plain JavaScript). */
interface ReceiverModule {
  start(options: { secret: string; log: (line: string) => void; toleranceSeconds?: number }): Server;
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => resolvePort(port));
    });
  });
}

/** Runs the demo until `durationMs` has passed or `stop()` is called; resolves to the summary. */
export class DemoRun {
  readonly supervisor = new Supervisor();
  private stopRequested = false;
  private wake: (() => void) | undefined;
  private readonly events: string[] = [];
  private readonly rejected: string[] = [];
  private exporter: FleetExporter | undefined;
  private receiver: Server | undefined;

  constructor(readonly options: RunOptions) {}

  /** Asks the loop to end (the first Ctrl-C); the run then stops everything and resolves. */
  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  private event(step: number, text: string): void {
    const line = `[${seconds(Math.max(0, step), this.options.stepMs).padStart(7)}] ${text}`;
    this.events.push(line);
    if (!this.options.tty) {
      this.options.write(line + '\n');
    }
  }

  async run(): Promise<Summary> {
    const o = this.options;
    const started = Date.now();
    const say = (line: string) => o.write(line + '\n');
    try {
      const prometheusBin = ensurePrometheus(say);
      const dir = this.supervisor.tempDir('health-entropy-demo-');
      const secret = `whsec_${randomBytes(24).toString('base64')}`;

      this.exporter = new FleetExporter(o.scenario, o.stepMs);
      await this.exporter.start();
      const receiverModule = require(join(ROOT, 'deploy', 'receiver', 'receiver.js')) as ReceiverModule;
      this.receiver = receiverModule.start({
        secret,
        log: (line) => {
          if (line.startsWith('rejected')) {
            this.rejected.push(line);
          }
          this.event(this.exporter!.stepAt(Date.now()), `webhook receiver: ${line.replace(/^\S+Z /, '')}`);
        },
      });
      await new Promise<void>((r) => this.receiver!.listen(0, '127.0.0.1', r));
      const receiverUrl = `http://127.0.0.1:${(this.receiver.address() as AddressInfo).port}/actions`;

      const [promPort, enginePort] = [await freePort(), await freePort()];
      const scrape = `${o.stepMs}ms`;
      writeFileSync(
        join(dir, 'prometheus.yml'),
        [
          `global: { scrape_interval: ${scrape}, scrape_timeout: ${Math.round(o.stepMs * 0.8)}ms, evaluation_interval: ${scrape} }`,
          'scrape_configs:',
          `  - { job_name: fleet, static_configs: [{ targets: ['127.0.0.1:${this.exporter.port}'] }] }`,
          `  - { job_name: health-entropy, static_configs: [{ targets: ['127.0.0.1:${enginePort}'] }] }`,
          '',
        ].join('\n')
      );
      say(
        `starting Prometheus (${prometheusBin}) on 127.0.0.1:${promPort}, scraping the synthetic fleet every ${scrape}…`
      );
      const prometheus = this.supervisor.spawn('prometheus', prometheusBin, [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'prometheus')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ]);
      const promUrl = `http://127.0.0.1:${promPort}`;
      await this.supervisor.waitReady(prometheus, `${promUrl}/-/ready`, 60_000);

      const engineConfig = join(dir, 'engine.yaml');
      writeFileSync(
        engineConfig,
        engineYaml({
          prometheusUrl: promUrl,
          listen: `127.0.0.1:${enginePort}`,
          stepMs: o.stepMs,
          storePath: join(dir, 'engine-state.db'),
          webhookUrl: receiverUrl,
          hosts: o.scenario.hosts.map((h) => h.name),
        })
      );
      say(
        `starting the engine (bin/health-entropy.js engine) on 127.0.0.1:${enginePort}; actions go to ${receiverUrl}…`
      );
      const engine = this.supervisor.spawn(
        'engine',
        process.execPath,
        [join(ROOT, 'bin', 'health-entropy.js'), 'engine', '--config', engineConfig],
        { [WEBHOOK_SECRET_ENV]: secret }
      );
      const engineUrl = `http://127.0.0.1:${enginePort}`;
      await this.supervisor.waitReady(engine, `${engineUrl}/readyz`, 60_000);
      const pids = this.supervisor.pids();
      say(
        `running (Prometheus pid ${pids.prometheus}, engine pid ${pids.engine}, temp dir ${dir}); baselines are learned first…`
      );

      const tracker = new IncidentTracker(o.scenario, { warnZ: WARN_Z, scoreThreshold: DETECTOR_THRESHOLD });
      const monitor = new Monitor(tracker, (w) => {
        if (w.signal === 'z') {
          this.event(w.step, `entropy warning on ${w.host}: ${describeWarning(w)}`);
        }
      });
      const client = new PrometheusClient({ url: promUrl, timeoutMs: 5000 });
      const lastStep = Math.floor(o.durationMs / o.stepMs);
      let fired = new Set<string>();
      let received: ReceivedAction[] = [];
      const decisions = new DecisionLog();
      let drawn = -1;
      let lastFrame = '';
      if (o.tty) {
        o.write('\x1b[2J');
      }
      let engineGone = false;
      void engine.exited.then(() => (engineGone = true));
      while (!this.stopRequested && Date.now() - started < o.durationMs) {
        if (engineGone) {
          throw new DemoError(`the engine exited unexpectedly:\n${engine.output().slice(-3000)}`);
        }
        try {
          await monitor.poll(client, engineUrl, o.stepMs, Date.now());
          decisions.ingest(
            (await getJson<{ resources: ResourceView[] }>(`${engineUrl}/api/v1/resources`)).resources,
            monitor.newestStep
          );
          received = await getJson<ReceivedAction[]>(receiverUrl);
        } catch (e) {
          this.event(monitor.newestStep, `poll failed (will retry): ${(e as Error).message}`);
        }
        for (const r of tracker.reports()) {
          const k = `${r.kind}/${r.host}`;
          if (r.thresholdFired !== undefined && !fired.has(k)) {
            fired = new Set(fired).add(k);
            const lead =
              r.leadSteps === undefined
                ? 'no entropy warning before it'
                : `the entropy warning came ${seconds(r.leadSteps, o.stepMs)} earlier`;
            this.event(r.thresholdFired, `threshold alert for the ${kindName(r.kind)} on ${r.host}: ${lead}`);
          }
        }
        const view = {
          scenario: o.scenario,
          stepMs: o.stepMs,
          step: monitor.newestStep,
          lastStep,
          cells: monitor.cells,
          decisions: decisions.texts(),
          reports: tracker.reports(),
          events: o.tty ? this.events : [],
          color: o.color,
        };
        if (o.tty) {
          const frame = renderFrame(view, o.columns?.());
          if (frame !== lastFrame) {
            lastFrame = frame;
            // Overwrite in place (home, each line cleared to its end, the rest of the screen cleared): no flicker.
            o.write(`\x1b[?25l\x1b[H${frame.split('\n').join('\x1b[K\n')}\x1b[K\n\x1b[J`);
          }
        } else if (monitor.newestStep >= drawn + Math.round(30_000 / o.stepMs)) {
          drawn = monitor.newestStep;
          o.write(renderFrame(view) + '\n\n');
        }
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, Math.max(100, o.stepMs / 4));
        });
      }
      const engineActions = await this.drain(engineUrl);
      received = await getJson<ReceivedAction[]>(receiverUrl).catch(() => received);
      return summarize({
        scenario: o.scenario,
        stepMs: o.stepMs,
        steps: monitor.newestStep + 1,
        durationMs: Date.now() - started,
        tracker,
        received,
        engineActions,
        decisions,
        rejected: this.rejected,
        pids: this.supervisor.pids(),
        tempDirs: this.supervisor.tempDirs(),
        stoppedBy: this.stopRequested ? 'signal' : 'duration',
      });
    } finally {
      await this.shutdown();
    }
  }

  /** Waits (up to 15 s) until the engine's outbox has nothing pending; returns every action it holds. */
  private async drain(engineUrl: string): Promise<EngineAction[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const page = await getJson<{ actions: EngineAction[]; outbox: { pending: number } }>(
        `${engineUrl}/api/v1/actions?limit=1000`
      ).catch(() => undefined);
      if (!page || page.outbox.pending === 0 || Date.now() > deadline) {
        return page?.actions ?? [];
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Stops children (engine first: it persists), closes the servers, removes the temp dirs. */
  private async shutdown(): Promise<void> {
    if (this.options.tty) {
      this.options.write('\x1b[?25h');
    }
    await this.supervisor.stop();
    const receiver = this.receiver;
    if (receiver) {
      receiver.closeAllConnections();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
    await this.exporter?.stop();
  }
}

/** GET returning JSON; throws on a non-2xx answer. */
async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) {
    throw new Error(`${url}: HTTP ${res.status}`);
  }
  return (await res.json()) as T;
}
