import { Cell } from './monitor';
import { DEFAULT_SCENARIO } from './scenario';
import { cellState, describeRule, describeWarning, fit, renderFrame, seconds, View } from './table';
import { IncidentTracker } from './tracker';

const cell = (z: number | null, entropy: number | null = 0.3): Cell => ({ entropy, z, step: 1 });

function view(overrides: Partial<View> = {}): View {
  const tracker = new IncidentTracker(DEFAULT_SCENARIO, { warnZ: 3, scoreThreshold: 0.6 });
  tracker.evaluation('api-1', 'memory', 81, { entropy: 0.2, z: 3.2 });
  [0.95, 0.95, 0.95, 0.95].forEach((v, i) => tracker.raw('api-1', 'memory', 136 + i, v));
  tracker.evaluation('batch-1', 'cpu', 127, { entropy: 0, z: -3.4 });
  return {
    scenario: DEFAULT_SCENARIO,
    stepMs: 1000,
    step: 150,
    lastStep: 180,
    cells: new Map([
      ['api-1/memory', cell(3.2, 0.2)],
      ['batch-1/cpu', cell(-3.4, 0)],
      ['db-1/cpu', cell(0.4)],
      ['web-1/cpu', cell(null, null)],
    ]),
    decisions: new Map([['idle-1', 'scale_down cpu 4→3 (stable_low_entropy)']]),
    reports: tracker.reports(),
    events: ['[  81 s] entropy warning on api-1: memory z +3.2'],
    color: false,
    ...overrides,
  };
}

describe('the table', () => {
  it.each([
    [undefined, 'warming'],
    [cell(null), 'warming'],
    [cell(2.99), 'ok'],
    [cell(3), 'rising'],
    [cell(-3), 'collapsed'],
  ] as const)('cell %p is %p', (c, state) => {
    expect(cellState(c)).toBe(state);
  });

  it('words rules, warnings and times for people', () => {
    expect(describeRule({ indicator: 'cpu', above: 0.9, for: 4 })).toBe('cpu > 90 % for 4 samples');
    expect(describeRule({ indicator: 'latency', above: 0.25, for: 4 })).toBe('latency > 250 ms for 4 samples');
    expect(describeWarning({ step: 1, host: 'a', indicator: 'cpu', signal: 'z', value: -3.44 })).toBe('cpu z −3.4');
    expect(describeWarning({ step: 1, host: 'a', indicator: 'cpu', signal: 'anomaly_score', value: 0.812 })).toBe(
      'cpu anomaly score 0.81'
    );
    expect(seconds(81, 1000)).toBe('81 s');
    expect(seconds(81, 500)).toBe('40.5 s');
  });

  it('shows every host, its cells, its last decision, and per incident the warning, the alert and the lead', () => {
    const frame = renderFrame(view());
    const lines = frame.split('\n');
    for (const host of DEFAULT_SCENARIO.hosts) {
      expect(lines.some((l) => l.startsWith(host.name + ' '))).toBe(true);
    }
    expect(lines.find((l) => l.startsWith('api-1'))).toMatch(/0\.20 {2}\+3\.2 ▲/);
    expect(lines.find((l) => l.startsWith('batch-1'))).toMatch(/0\.00 {2}−3\.4 ▼/);
    expect(lines.find((l) => l.startsWith('web-1'))).toMatch(/— {5}…/);
    expect(lines.find((l) => l.startsWith('idle-1'))).toMatch(/scale_down cpu 4→3 \(stable_low_entropy\)$/);
    expect(lines.find((l) => l.startsWith('memory leak'))).toMatch(
      /81 s memory z \+3\.2 +139 s \(memory > 90 % for 4 samples\) +58 s earlier/
    );
    expect(lines.find((l) => l.startsWith('stuck process'))).toMatch(/127 s cpu z −3\.4 +not fired .* ≥ 23 s so far/);
    expect(lines.find((l) => l.startsWith('noisy neighbour'))).toMatch(/not yet/);
    expect(frame).toContain('[  81 s] entropy warning on api-1');
    expect(frame).not.toContain('\x1b[');
  });

  it('marks incidents not started yet as scheduled, and colours warnings only when asked', () => {
    const early = renderFrame(view({ step: 75, color: true }));
    expect(early).toMatch(/load spike \(web-1, 80 s\) +scheduled/);
    expect(early).toContain('\x1b[31;1m');
    expect(
      renderFrame(view({ events: [] }))
        .split('\n')
        .at(-1)
    ).toMatch(/^stuck process/);
  });

  it('fits lines to the terminal, keeping colour codes whole', () => {
    expect(fit('abcdef', 4)).toBe('abcd');
    expect(fit('abc', 4)).toBe('abc');
    expect(fit('\x1b[31;1mabcdef\x1b[0m', 3)).toBe('\x1b[31;1mabc\x1b[0m');
    expect(fit('ab\x1b[1mcd\x1b[0m', 10)).toBe('ab\x1b[1mcd\x1b[0m');
    const frame = renderFrame(view({ color: true }), 60);
    const widths = frame.split('\n').map((l) => l.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').length);
    expect(Math.max(...widths)).toBe(60);
  });
});
