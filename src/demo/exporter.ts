/**
 * The synthetic fleet as a Prometheus exporter: `GET /metrics` answers the fleet's values at the current step
 * (the clock starts when the exporter does), one gauge per indicator with a `host` label, and the step itself.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { METRICS, STEP_METRIC } from './config';
import { INDICATORS, sampleFleet } from './fleet';
import { Scenario } from './scenario';

const HELP: Record<(typeof INDICATORS)[number], string> = {
  cpu: 'CPU utilization of the host (0..1), synthetic.',
  memory: 'Memory utilization of the host (0..1), synthetic.',
  disk: 'Disk I/O utilization, fraction of time busy (0..1), synthetic.',
  latency: 'p99 request latency of the host in seconds, synthetic.',
};

/** The exposition (Prometheus text format 0.0.4) of the fleet at `step`. */
export function renderFleet(scenario: Scenario, step: number): string {
  const fleet = sampleFleet(scenario, step);
  const roles = new Map(scenario.hosts.map((h) => [h.name, h.role]));
  const lines: string[] = [];
  for (const indicator of INDICATORS) {
    const name = METRICS[indicator];
    lines.push(`# HELP ${name} ${HELP[indicator]}`, `# TYPE ${name} gauge`);
    for (const [host, sample] of fleet) {
      lines.push(`${name}{host="${host}",role="${roles.get(host)}"} ${sample[indicator]}`);
    }
  }
  lines.push(`# HELP ${STEP_METRIC} Step of the synthetic fleet's clock.`, `# TYPE ${STEP_METRIC} gauge`);
  lines.push(`${STEP_METRIC} ${step}`);
  return lines.join('\n') + '\n';
}

/** The exporter's HTTP server and its clock. */
export class FleetExporter {
  private server: Server | undefined;
  /** Wall-clock time of step 0. */
  readonly startMs: number;
  port = 0;
  scrapes = 0;

  constructor(
    readonly scenario: Scenario,
    readonly stepMs: number,
    private readonly now: () => number = Date.now
  ) {
    // Aligned to the step grid, as the engine's evaluations are, so each evaluation sees one step.
    this.startMs = Math.floor(now() / stepMs) * stepMs;
  }

  /** The fleet step at wall-clock `ms`. */
  stepAt(ms: number): number {
    return Math.max(0, Math.floor((ms - this.startMs) / this.stepMs));
  }

  /** Listens on `127.0.0.1:port` (0: any free port). */
  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.method === 'GET' && (req.url ?? '/').split('?')[0] === '/metrics') {
        this.scrapes++;
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(renderFleet(this.scenario, this.stepAt(this.now())));
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('GET /metrics\n');
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Closes the server (idempotent). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
