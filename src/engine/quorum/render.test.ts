import { QuorumTracker } from '../../core';
import { ExpositionWriter } from '../exposition';
import { quorumProfile, renderQuorum, withQuorum } from './render';

describe('renderQuorum', () => {
  it('writes every family once, integers as integers, host labels escaped', () => {
    const tracker = new QuorumTracker({ forMs: 0 });
    const host = 'we"ird\\host\n1';
    const a = tracker.assess(host, [{ observer: 'a', checkOk: false }], 0);
    const out = new ExpositionWriter();
    renderQuorum([a], out);
    const text = out.bytes().toString();
    const label = 'host="we\\"ird\\\\host\\n1"';
    expect(text.split('\n').filter((l) => l.startsWith('# TYPE'))).toHaveLength(4);
    expect(text).toContain(`health_entropy_quorum_state{${label}} 2\n`);
    expect(text).toContain(`health_entropy_quorum_flagged{${label}} 0\n`);
    expect(text).toContain(`health_entropy_quorum_size{${label}} 1\n`);
    expect(text).toContain(`health_entropy_quorum_observers{${label},kind="failing"} 1\n`);
    expect(text).toContain(`health_entropy_quorum_observers{${label},kind="unpredictable"} 0\n`);
  });

  it('no hosts: headers only', () => {
    const out = new ExpositionWriter();
    renderQuorum([], out);
    expect(
      out
        .bytes()
        .toString()
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
    ).toEqual([]);
  });
});

describe('quorumProfile / withQuorum', () => {
  it('is JSON without NaN, and adds quorum-only hosts in host order', () => {
    const tracker = new QuorumTracker({ forMs: 0 });
    const a = tracker.assess('z-host', [{ observer: 'a', indicators: { cpu: { entropy: NaN, z: NaN } } }], 5);
    const p = quorumProfile(a);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
    expect(p.observers[0].indicators.cpu).toEqual({ entropy: null, z: null, unpredictable: false, high: false });
    const base = {
      host: 'a-host',
      score: 0.5,
      max: 0.5,
      maxIndicator: 'cpu',
      baseline: null,
      deviation: null,
      z: null,
      evaluatedAtMs: 1,
      indicators: {},
    };
    const merged = withQuorum([base], { assessments: () => [a], assessment: (h) => (h === 'z-host' ? a : undefined) });
    expect(merged.map((h) => [h.host, h.quorum?.state])).toEqual([
      ['a-host', undefined],
      ['z-host', 'healthy'],
    ]);
    expect(merged[1]).toMatchObject({ score: null, indicators: {} });
    expect(withQuorum([], undefined, 'z-host')).toEqual([]);
  });
});
