/**
 * From an entropy deviation crossing the threshold to the webhook request, measured on the real engine (built
 * CLI) fed by remote write: hosts turn erratic one at a time; the crossing is the first acknowledged sample
 * after which src/core's entropy of the host's window exceeds θ (the host baseline learned 0 on constant
 * values, so deviation = entropy); the request is the receiver's first one for that host's resource.
 *
 * The figures go to artifacts/actions-latency.json and DEVELOPMENT.md; timing is reported, not asserted (the
 * machine is shared): the test asserts what must hold whatever the load — one action per crossing, decided
 * after it, signed, with the reason the policy table gives.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEstimator } from '../../src/core';
import { ensureBuilt, ROOT, sleep, waitFor } from '../engine/harness';
import { PROMTOOL_BIN } from '../helpers/processes';
import { Scenario } from './harness';

const HOSTS = ['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7'];
const TIMING = { intervalMs: 1000, sampleMs: 500 };
const THETA = 0.15;

let scenario: Scenario;

beforeAll(() => ensureBuilt());
afterAll(() => scenario?.stop());

/** Wall time of the first acknowledged sample after which the window's entropy exceeds θ. */
function crossing(samples: Array<[number, number]>): number | undefined {
  const e = createEstimator({ window: 10, binning: 'fixed', bins: 10, lo: 0, hi: 1 });
  for (const [i, [at, v]] of samples.entries()) {
    const hn = e.push(i, v);
    if (hn !== undefined && hn > THETA) {
      return at;
    }
  }
  return undefined;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

it('an entropy deviation crossing θ reaches the webhook within about one evaluation interval', async () => {
  scenario = new Scenario(HOSTS, TIMING);
  const { receiver, pusher } = scenario;
  await scenario.start();
  expect(receiver.received).toEqual([]); // constant values: no action

  const rows: Array<{ host: string; decisionMs: number; deliveryMs: number; totalMs: number }> = [];
  for (const [i, host] of HOSTS.entries()) {
    // Random phase relative to the evaluation grid, so the figures cover the whole interval.
    await sleep(Math.floor(Math.random() * TIMING.intervalMs));
    const before = pusher.sent.get(host)!.length;
    pusher.random.add(host);
    const request = await waitFor(
      `an action for r${i}`,
      async () => receiver.received.find((r) => r.json?.resource === `r${i}`),
      30_000
    );
    const cross = crossing(pusher.sent.get(host)!.slice(Math.max(0, before - 10)));
    expect(cross).toBeDefined();
    const body = request.json as { createdAt: string; reason: { kind: string; deviation: number }; host: string };
    const createdAt = Date.parse(body.createdAt);
    expect(request.signatureValid).toBe(true);
    expect(body).toMatchObject({ host, reason: { kind: 'rising_entropy' } });
    expect(body.reason.deviation).toBeGreaterThan(THETA);
    // The decision came after the crossing sample was acknowledged (allowing clock granularity).
    expect(createdAt).toBeGreaterThanOrEqual(cross! - 5);
    rows.push({
      host,
      decisionMs: createdAt - cross!,
      deliveryMs: request.at - createdAt,
      totalMs: request.at - cross!,
    });
    pusher.random.delete(host);
    // Only this host's resource acted.
    expect(new Set(receiver.received.map((r) => r.json?.resource)).size).toBe(i + 1);
  }
  // The decisions are metrics too, in an exposition Prometheus's own linter accepts.
  const metrics = await (await fetch(`${scenario.engine!.url}/metrics`)).text();
  expect(metrics).toMatch(
    /^health_entropy_decision\{resource="r0",host="h0",action="(none|scale_up)",kind="\w+",dry_run="false"\} (0|1)$/m
  );
  expect(metrics).toMatch(/^health_entropy_allocation\{resource="r7",dimension="cpu"\} \d+$/m);
  const lint = spawnSync(PROMTOOL_BIN, ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
  expect((lint.stdout + lint.stderr).trim()).toBe('health_entropy_bits use base unit "bytes" instead of "bits"');

  const totals = rows.map((r) => r.totalMs);
  const report = {
    intervalMs: TIMING.intervalMs,
    sampleMs: TIMING.sampleMs,
    // The engine evaluates a little after each interval boundary: min(1 s, interval / 4).
    evaluationLagMs: Math.min(1000, TIMING.intervalMs / 4),
    medianTotalMs: median(totals),
    maxTotalMs: Math.max(...totals),
    medianDeliveryMs: median(rows.map((r) => r.deliveryMs)),
    maxDeliveryMs: Math.max(...rows.map((r) => r.deliveryMs)),
    rows,
  };
  mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
  writeFileSync(join(ROOT, 'artifacts', 'actions-latency.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify({ ...report, rows: undefined }));
});
