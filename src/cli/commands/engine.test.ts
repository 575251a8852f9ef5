import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'he-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('health-entropy check-config', () => {
  it('accepts the shipped example', async () => {
    const r = await run('check-config', join(__dirname, '..', '..', '..', 'examples', 'engine.yaml'));
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/valid: 5 indicators \(3 polled, 2 by remote write\)/);
    expect(r.out).toMatch(/no resources \(allocation off\)\n$/);
  });

  it('accepts the quorum section of the example once uncommented, and says so', async () => {
    const example = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'engine.yaml'), 'utf8');
    const at = example.indexOf('# quorum:');
    expect(at).toBeGreaterThan(0);
    // The quorum block ends at the next blank line (the commented allocation block follows it).
    const end = example.indexOf('\n\n', at);
    const quorum = example
      .slice(at, end < 0 ? undefined : end)
      .replace('# quorum:', 'quorum:')
      .split('\n')
      .map((l) => (l.startsWith('#   ') ? l.slice(2) : l))
      .join('\n');
    const rest = end < 0 ? '' : example.slice(end);
    const r = await run('check-config', file('quorum.yaml', example.slice(0, at) + quorum + rest));
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/, quorum by prober: checks and 1 indicators\n$/);
  });

  it('names the offending key and exits 1', async () => {
    const p = file('bad.yaml', 'indicators: [{ name: cpu, selector: up, window: 1 }]\n');
    const r = await run('check-config', p);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${p}: indicators[0].window must be an integer from 2 to 100000, got 1\n`);
  });

  it('reports a missing file and usage errors', async () => {
    expect((await run('check-config', join(dir, 'nope.yaml'))).err).toMatch(/no such file/);
    expect((await run('check-config')).code).toBe(2);
    expect((await run('check-config', '--help')).out).toMatch(/^Usage: health-entropy check-config FILE/);
  });
});

describe('health-entropy engine', () => {
  it('requires --config', async () => {
    const r = await run('engine');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--config FILE is required/);
  });

  it('refuses an invalid config before starting anything', async () => {
    const p = file('bad-engine.yaml', 'interval: 15\nindicators: [{ name: cpu, selector: up }]\n');
    const r = await run('engine', '--config', p);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/interval must be a duration like 500ms/);
  });

  it('refuses a bad --log-level, naming the flag', async () => {
    const p = file('ok.yaml', 'indicators: [{ name: cpu, selector: up }]\n');
    const r = await run('engine', '--config', p, '--log-level', 'chatty');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "chatty"/);
  });

  it('refuses a store file that is not its own, and exits 1', async () => {
    const store = file('notes.db', 'not a database at all, but precious');
    const p = file(
      'store.yaml',
      `listen: 127.0.0.1:0\nlogLevel: silent\nstore: { path: '${store}' }\nindicators: [{ name: cpu, selector: up }]\n`
    );
    const r = await run('engine', '--config', p);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is not a SQLite database or is corrupt; move it away/);
  });

  it('prints help', async () => {
    expect((await run('engine', '--help')).out).toMatch(/--log-level LEVEL/);
  });
});
