import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DemoError, ensurePrometheus, Supervisor } from './processes';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function gone(pid: number): Promise<void> {
  for (let i = 0; i < 200 && alive(pid); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(alive(pid)).toBe(false);
}
const node = process.execPath;
/** A child that starts a grandchild in its group, prints both pids, and ignores SIGTERM if asked. */
const script = (ignoreTerm: boolean) =>
  `const { spawn } = require('child_process');
   const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
   ${ignoreTerm ? "process.on('SIGTERM', () => {});" : ''}
   console.log(JSON.stringify({ child: process.pid, grandchild: g.pid }));
   setInterval(() => {}, 1000);`;

async function pidsOf(s: Supervisor, ignoreTerm = false): Promise<{ child: number; grandchild: number }> {
  const c = s.spawn('sleeper', node, ['-e', script(ignoreTerm)]);
  for (let i = 0; i < 200 && !c.output().includes('}'); i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  return JSON.parse(c.output());
}

describe('Supervisor', () => {
  it('stop() ends every child and its process group, and removes the temp dirs', async () => {
    const s = new Supervisor();
    const dir = s.tempDir('he-demo-test-');
    writeFileSync(join(dir, 'f'), 'x');
    const { child, grandchild } = await pidsOf(s);
    expect(s.pids()).toEqual({ sleeper: child });
    await s.stop();
    expect(alive(child)).toBe(false);
    // The group got the signal too (the grandchild is not waited for: give it a moment to go).
    await gone(grandchild);
    expect(existsSync(dir)).toBe(false);
    expect(s.pids()).toEqual({});
    await s.stop();
  });

  it('stop() falls back to SIGKILL when a child ignores SIGTERM', async () => {
    const s = new Supervisor();
    const { child } = await pidsOf(s, true);
    await s.stop(300);
    expect(alive(child)).toBe(false);
  });

  it('forceStop() kills at once, synchronously', async () => {
    const s = new Supervisor();
    const dir = s.tempDir('he-demo-test-');
    const { child, grandchild } = await pidsOf(s, true);
    s.forceStop();
    expect(existsSync(dir)).toBe(false);
    await gone(child);
    await gone(grandchild);
    await s.stop();
  });

  it('waitReady() reports a child that exits during start-up with its output', async () => {
    const s = new Supervisor();
    const c = s.spawn('broken', node, ['-e', "console.error('bad flag --x'); process.exit(3)"]);
    await expect(s.waitReady(c, 'http://127.0.0.1:9/', 10_000)).rejects.toThrow(
      /broken exited during start-up:\s+bad flag --x/
    );
    await s.stop();
  });

  it('waitReady() gives up after its timeout, naming the URL', async () => {
    const s = new Supervisor();
    const c = s.spawn('silent', node, ['-e', 'setInterval(() => {}, 1000)']);
    await expect(s.waitReady(c, 'http://127.0.0.1:9/ready', 300)).rejects.toThrow(
      /silent did not answer http:\/\/127\.0\.0\.1:9\/ready within 0\.3 s/
    );
    await s.stop();
  });
});

describe('ensurePrometheus', () => {
  it('returns an existing binary', () => {
    expect(ensurePrometheus(() => undefined, node)).toBe(node);
  });

  it('says what to install when the binary is missing (and never installs for a custom path)', () => {
    const log: string[] = [];
    expect(() => ensurePrometheus((l) => log.push(l), '/nonexistent/prometheus')).toThrow(DemoError);
    expect(() => ensurePrometheus((l) => log.push(l), '/nonexistent/prometheus')).toThrow(
      /Prometheus is not installed \(\/nonexistent\/prometheus is missing\).*apt-get install prometheus.*PROMETHEUS_BIN/
    );
    expect(log).toEqual([]);
  });
});
