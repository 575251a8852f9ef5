import fc from 'fast-check';
import { UsageError } from '../cli/command';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDemoArgs, unwritable } from './main';

describe('demo flags', () => {
  it('defaults: the whole script, one step per second, a table on a terminal', () => {
    expect(parseDemoArgs([])).toEqual({
      durationMs: undefined,
      json: undefined,
      stepMs: 1000,
      plain: false,
      help: false,
    });
  });

  it('reads --duration, --json, --step and --plain', () => {
    expect(parseDemoArgs(['--duration', '90', '--json', 'out.json', '--step', '500ms', '--plain'])).toEqual({
      durationMs: 90_000,
      json: 'out.json',
      stepMs: 500,
      plain: true,
      help: false,
    });
    expect(parseDemoArgs(['--duration=0.5']).durationMs).toBe(500);
    expect(parseDemoArgs(['-h']).help).toBe(true);
  });

  it.each([
    [['--duration'], /--duration/],
    [['--duration', 'abc'], /--duration must be a number, got "abc"/],
    [['--duration', '0'], /--duration must be a number of seconds above 0 and at most 86400, got 0/],
    [['--duration=-5'], /above 0/],
    [['--duration', '1e9'], /at most 86400/],
    [['--duration', 'Infinity'], /must be a number/],
    [['--step', '1'], /--step must be a duration/],
    [['--step', '10ms'], /--step/],
    [['--step', '1h'], /--step/],
    [['--json', ''], /--json needs a file name/],
    [['--json'], /--json/],
    [['--colour'], /Unknown option '--colour'/],
    [['extra'], /positional/i],
  ])('%p is refused with a message naming the flag', (argv, message) => {
    expect(() => parseDemoArgs(argv)).toThrow(UsageError);
    expect(() => parseDemoArgs(argv)).toThrow(message);
  });

  it('any argument list either parses or fails with a UsageError (never anything else)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom('--duration', '--json', '--step', '--plain', '-h', '--'), fc.string()), {
          maxLength: 6,
        }),
        (argv) => {
          try {
            const a = parseDemoArgs(argv);
            expect(a.stepMs).toBeGreaterThanOrEqual(250);
            expect(a.durationMs === undefined || (a.durationMs > 0 && a.durationMs <= 86_400_000)).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(UsageError);
          }
        }
      ),
      { numRuns: 500 }
    );
  });

  it('checks that the --json file can be written before the run starts', () => {
    expect(unwritable(join(tmpdir(), 'he-demo-summary.json'))).toBeUndefined();
    expect(unwritable(tmpdir())).toBe('is a directory');
    expect(unwritable('/nonexistent-dir/x.json')).toBe('the directory /nonexistent-dir does not exist');
  });
});
