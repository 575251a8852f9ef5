/**
 * `npm run demo` for real: the built demo as a child process (so no terminal: plain lines), with its real
 * Prometheus, engine and webhook receiver, for a bounded time at two samples per second. Checks what the demo
 * promises from its `--json` summary — every scripted incident warned of, the quiet host scaled down, the
 * flatlined host never scaled down and saturated, every action of the engine's outbox received once with a
 * valid signature — and that a stop, by duration or Ctrl-C (once or twice), leaves nothing behind.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Summary } from '../../src/demo/summary';
import { DEFAULT_SCENARIO } from '../../src/demo/scenario';
import { ensureBuilt, ROOT } from '../engine/harness';

jest.setTimeout(240_000);

const MAIN = join(ROOT, 'lib', 'demo', 'main.js');

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function startDemo(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits until `f` holds (polling), or fails with `what` and the demo's output. */
async function until(run: Run, what: string, f: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; output:\n${run.output().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pids and temp dir the demo announces once everything runs. */
function announced(output: string): { pids: number[]; dir: string } {
  const m = /running \(Prometheus pid (\d+), engine pid (\d+), temp dir (\S+)\)/.exec(output);
  if (!m) {
    throw new Error(`no "running" line in:\n${output.slice(-2000)}`);
  }
  return { pids: [Number(m[1]), Number(m[2])], dir: m[3] };
}

async function expectNothingLeft(pids: number[], dirs: string[]): Promise<void> {
  // The children are reaped by the demo before it exits; allow the kernel a moment for a SIGKILLed group.
  for (let i = 0; i < 50 && pids.some(alive); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(pids.filter(alive)).toEqual([]);
  expect(dirs.filter((d) => existsSync(d))).toEqual([]);
}

beforeAll(() => ensureBuilt());

describe('npm run demo, non-interactive', () => {
  const out = mkdtempSync(join(tmpdir(), 'he-demo-test-'));
  let summary: Summary;
  let output: string;

  beforeAll(async () => {
    // 180 steps of 500 ms: the whole script (the last incident's warning comes around step 130).
    const run = startDemo(['--step', '500ms', '--duration', '92', '--json', join(out, 'summary.json')]);
    const code = await run.exit;
    output = run.output();
    if (code !== 0) {
      throw new Error(`demo exited with ${code}:\n${output.slice(-6000)}`);
    }
    summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  }, 230_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('ran the whole script and stopped by itself', () => {
    expect(summary.stoppedBy).toBe('duration');
    expect(summary.stepMs).toBe(500);
    expect(summary.steps).toBeGreaterThanOrEqual(170);
    expect(summary.incidents.map((i) => i.kind)).toEqual(DEFAULT_SCENARIO.incidents.map((i) => i.kind));
  });

  it('warned of every scripted incident after it started, and before its threshold alert where that fired', () => {
    for (const inc of summary.incidents) {
      expect({ kind: inc.kind, warned: inc.warning !== null }).toEqual({ kind: inc.kind, warned: true });
      expect(inc.warning!.seconds).toBeGreaterThanOrEqual(inc.startSeconds);
      expect(inc.warning!.host).toBe(inc.host);
      if (inc.thresholdFiredSeconds !== null) {
        expect({ kind: inc.kind, lead: inc.leadSeconds! > 0 }).toEqual({ kind: inc.kind, lead: true });
        expect(inc.leadSeconds).toBeCloseTo(inc.thresholdFiredSeconds - inc.warning!.seconds, 9);
      }
    }
    // The memory leak, the load spike and the noisy neighbour reach their threshold alert within the script.
    expect(
      summary.incidents
        .filter((i) => i.thresholdFiredSeconds !== null)
        .map((i) => i.kind)
        .sort()
    ).toEqual(['load_spike', 'memory_leak', 'noisy_neighbour']);
  });

  it('scaled the quiet host down, with a valid signature', () => {
    const downs = summary.actions.filter(
      (a) => a.action.resource === DEFAULT_SCENARIO.quietHost && a.action.type === 'allocation.scale_down'
    );
    expect(downs.length).toBeGreaterThan(0);
    expect(downs[0].signature).toBe('valid');
    expect(downs[0].action.reason?.kind).toBe('stable_low_entropy');
    expect(downs[0].action.change?.cpu).toEqual({ from: 4, to: 3 });
  });

  it('never scaled the flatlined host down, and raised saturation there', () => {
    const stuck = DEFAULT_SCENARIO.incidents.find((i) => i.kind === 'stuck_process')!.host;
    expect(summary.engineActions.filter((a) => a.resource === stuck && a.type === 'allocation.scale_down')).toEqual([]);
    expect(
      summary.actions.filter((a) => a.action.resource === stuck && a.action.type === 'allocation.scale_down')
    ).toEqual([]);
    expect(summary.decisions.some((d) => d.resource === stuck && d.alerts.includes('saturation'))).toBe(true);
    expect(summary.decisions.some((d) => d.resource === stuck && d.kind === 'collapsed_entropy')).toBe(true);
  });

  it('every action of the engine reached the receiver once, with a valid signature', () => {
    expect(summary.engineActions.length).toBeGreaterThan(0);
    const received = new Map(summary.actions.map((a) => [a.id, a]));
    expect(received.size).toBe(summary.actions.length);
    expect(summary.rejected).toEqual([]);
    for (const a of summary.engineActions) {
      expect({ id: a.id, state: a.state, signature: received.get(a.id)?.signature }).toEqual({
        id: a.id,
        state: 'delivered',
        signature: 'valid',
      });
      expect(received.get(a.id)!.action.type).toBe(a.type);
    }
    expect(summary.actions.length).toBe(summary.engineActions.length);
    expect(Object.values(summary.checks).every(Boolean)).toBe(true);
  });

  it('printed plain lines (no terminal), the table now and then, and the summary', () => {
    expect(output).not.toContain('\x1b[');
    expect(output).toMatch(/entropy warning on api-1: memory z \+\d/);
    expect(output).toMatch(/threshold alert for the memory leak on api-1: the entropy warning came [\d.]+ s earlier/);
    expect(output).toMatch(/webhook receiver: allocation\.scale_down host=idle-1 .*\[signature valid\]/);
    expect(output.match(/^Health Entropy demo — /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(output).toContain('ok   every action reached the webhook receiver with a valid signature');
  });

  it('left nothing running and removed its temp dirs', async () => {
    const { pids, dir } = announced(output);
    expect(Object.values(summary.processes).sort()).toEqual([...pids].sort());
    await expectNothingLeft(pids, [dir, ...summary.tempDirs]);
  });
});

describe('stopping the demo', () => {
  it('Ctrl-C stops it cleanly: summary, exit 0, children gone, temp dir removed', async () => {
    const run = startDemo(['--duration', '600']);
    await until(run, 'the demo to run', () => /running \(/.test(run.output()), 90_000);
    const { pids, dir } = announced(run.output());
    expect(pids.every(alive)).toBe(true);
    expect(existsSync(dir)).toBe(true);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.output()).toContain('SIGINT: stopping the demo');
    expect(run.output()).toMatch(/Summary after [\d.]+ s/);
    await expectNothingLeft(pids, [dir]);
  });

  it('a second Ctrl-C forces: exit 130, children killed, temp dir removed', async () => {
    const run = startDemo(['--duration', '600']);
    await until(run, 'the demo to run', () => /running \(/.test(run.output()), 90_000);
    const { pids, dir } = announced(run.output());
    run.child.kill('SIGINT');
    await until(run, 'the first stop', () => run.output().includes('stopping the demo'), 10_000);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.output()).toContain('children killed, temp files removed');
    await expectNothingLeft(pids, [dir]);
  });

  it('says what to install when Prometheus is missing, and starts nothing', async () => {
    const run = startDemo(['--duration', '5'], { PROMETHEUS_BIN: '/nonexistent/prometheus' });
    expect(await run.exit).toBe(1);
    expect(run.output()).toMatch(/Prometheus is not installed \(\/nonexistent\/prometheus is missing\)/);
    expect(run.output()).not.toMatch(/running \(/);
  });
});
