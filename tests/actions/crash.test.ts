/**
 * Crash safety of the actions outbox: the engine (built CLI, a real process) decides a scale-up at every
 * evaluation while entropy is high and delivers each to a slow webhook receiver; it is SIGKILLed 20 times at
 * random moments, so that actions are decided but not sent, sent but not acknowledged, or acknowledged but
 * not marked delivered. After the last restart every action in the store reached the receiver at least
 * once, and after deduplicating by `webhook-id` exactly once: no action lost, no action decided twice.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, getJson, ROOT, sleep, waitFor } from '../engine/harness';
import { readActions, rng, Scenario } from './harness';

jest.setTimeout(900_000);

const RUNS = 20;
const HOSTS = ['h0', 'h1', 'h2'];
const TIMING = { intervalMs: 200, sampleMs: 100 };

let scenario: Scenario;

beforeAll(() => ensureBuilt());
afterAll(() => scenario?.stop());

it('20 SIGKILLs between decision and delivery: every action delivered, exactly once after dedup by webhook-id', async () => {
  const random = rng(20261203);
  scenario = new Scenario(HOSTS, TIMING);
  const { receiver, pusher } = scenario;
  // A slow receiver (0–300 ms), failing now and then: deliveries are in flight most of the time.
  receiver.script = () => (random() < 0.1 ? { status: 503 } : { status: 200, delayMs: Math.floor(random() * 300) });
  // Warm up on constant values (entropy 0), then make every host erratic: actions at every evaluation.
  await scenario.start();
  HOSTS.forEach((h) => pusher.random.add(h));
  await waitFor('first actions', async () => ((await actionCount()) >= HOSTS.length ? true : undefined), 60_000);
  await sleep(500); // a persisted snapshot holds the learned baselines before the first kill

  const kills: Array<{ afterMs: number; inFlight: number; pending: number; total: number }> = [];
  for (let run = 0; run < RUNS; run++) {
    const afterMs = 200 + Math.floor(random() * 1800);
    await sleep(afterMs);
    const inFlight = receiver.received.length - receiver.answered;
    await scenario.engine!.stop('SIGKILL');
    const stored = readActions(scenario.storePath);
    kills.push({
      afterMs,
      inFlight,
      pending: stored.filter((a) => a.state === 'pending').length,
      total: stored.length,
    });
    await scenario.restart();
  }

  // Calm the hosts down and let the outbox drain, then stop cleanly.
  pusher.random.clear();
  await waitFor(
    'outbox drained',
    async () => {
      const url = scenario.engine!.url;
      const body = await getJson<{ outbox: { pending: number } }>(`${url}/api/v1/actions?limit=1`);
      const quiet = (
        await getJson<{ resources: Array<{ decision: { action: string } | null }> }>(`${url}/api/v1/resources`)
      ).resources.every((r) => r.decision?.action === 'none');
      return body.outbox.pending === 0 && quiet ? true : undefined;
    },
    120_000
  );
  await scenario.engine!.stop('SIGTERM');
  scenario.engine = undefined;
  pusher.stop();

  const stored = readActions(scenario.storePath);
  const delivered = receiver.deliveredOnce();
  const receivedIds = new Set(delivered.map((r) => r.id));
  const storedIds = new Set(stored.map((a) => a.id));
  const lost = stored.filter((a) => !receivedIds.has(a.id));
  const unknown = delivered.filter((r) => !storedIds.has(r.id));
  // A logical duplicate would be two ids for the same step of a resource: the chain from → to must be
  // contiguous from the configured start, each step once.
  const duplicateSteps: string[] = [];
  const gaps: string[] = [];
  for (const [i] of HOSTS.entries()) {
    const chain = stored.filter((a) => a.resource === `r${i}`);
    let expectFrom = 1;
    for (const a of chain) {
      const { from, to } = a.body.change.cpu;
      if (from < expectFrom) {
        duplicateSteps.push(`r${i} ${from}→${to}`);
      } else if (from > expectFrom) {
        gaps.push(`r${i} expected from ${expectFrom}, got ${from}`);
      }
      expect(to).toBe(from + 1);
      expectFrom = to;
    }
    // In order per resource: the receiver first saw r<i>'s actions in the order they were decided.
    const firstSeen = [...new Set(receiver.received.filter((r) => r.json?.resource === `r${i}`).map((r) => r.id))];
    expect(firstSeen).toEqual(chain.map((a) => a.id));
  }
  const signedBadly = receiver.received.filter((r) => !r.signatureValid);
  const resent = receiver.received.filter((r) => r.status >= 200 && r.status < 300).length - delivered.length;
  const report = {
    runs: RUNS,
    actions: stored.length,
    delivered: delivered.length,
    lost: lost.length,
    unknownIds: unknown.length,
    duplicateStepsAfterDedup: duplicateSteps.length,
    gaps: gaps.length,
    resentBeforeDedup: resent,
    requests: receiver.received.length,
    killsWithRequestInFlight: kills.filter((k) => k.inFlight > 0).length,
    killsWithUndeliveredActions: kills.filter((k) => k.pending > 0).length,
    kills,
  };
  mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
  writeFileSync(join(ROOT, 'artifacts', 'actions-crash.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify({ ...report, kills: undefined }));

  expect(stored.length).toBeGreaterThan(RUNS);
  expect(stored.every((a) => a.state === 'delivered')).toBe(true);
  expect(lost).toEqual([]);
  expect(unknown).toEqual([]);
  expect(duplicateSteps).toEqual([]);
  expect(gaps).toEqual([]);
  expect(signedBadly).toEqual([]);
  // The kills did land between decision and delivery (else this test would prove nothing).
  expect(report.killsWithUndeliveredActions).toBeGreaterThanOrEqual(RUNS / 2);
});

async function actionCount(): Promise<number> {
  const body = await getJson<{ outbox: { pending: number; delivered: number; dead: number } }>(
    `${scenario.engine!.url}/api/v1/actions?limit=1`
  );
  return body.outbox.pending + body.outbox.delivered + body.outbox.dead;
}
