import { ObserverReport, QuorumOptions, QuorumTracker, resolveQuorumOptions } from './quorum';

const MIN = 60_000;
const calm = (observer: string, checkOk = true): ObserverReport => ({
  observer,
  checkOk,
  indicators: { cpu: { entropy: 0.4, z: 0.5 } },
});
const hot = (observer: string, checkOk = true): ObserverReport => ({
  observer,
  checkOk,
  indicators: { cpu: { entropy: 0.9, z: 4.2 }, memory: { entropy: 0.3, z: 0.1 } },
});

/** Runs `rounds` evaluations one minute apart with the same reports; returns the last assessment. */
function run(tracker: QuorumTracker, reports: ObserverReport[], rounds = 1, start = 0) {
  let last;
  for (let i = 0; i < rounds; i++) {
    last = tracker.assess('db-1', reports, start + i * MIN);
  }
  return last!;
}

describe('QuorumTracker states', () => {
  it.each<[string, ObserverReport[], QuorumOptions, string, boolean]>([
    ['all pass and calm → healthy', [calm('a'), calm('b'), calm('c')], {}, 'healthy', false],
    ['two of three fail → unhealthy', [calm('a', false), calm('b', false), calm('c')], {}, 'unhealthy', false],
    ['one of three fails → healthy (not a quorum)', [calm('a', false), calm('b'), calm('c')], {}, 'healthy', false],
    ['two of three see high entropy, checks pass → suspect', [hot('a'), hot('b'), calm('c')], {}, 'suspect', false],
    ['one of three sees high entropy → healthy', [hot('a'), calm('b'), calm('c')], {}, 'healthy', false],
    ['failing beats unpredictable', [hot('a', false), hot('b', false), calm('c')], {}, 'unhealthy', false],
    ['exactly q observers with explicit quorum 2 → suspect', [hot('a'), hot('b')], { quorum: 2 }, 'suspect', false],
    ['fewer than the quorum → unknown, never healthy', [calm('a')], { quorum: 2 }, 'unknown', false],
    [
      'tie: 2 of 4 is not a majority (quorum 3) → healthy',
      [hot('a'), hot('b'), calm('c'), calm('d')],
      {},
      'healthy',
      false,
    ],
    [
      'absolute entropy level counts too',
      [{ observer: 'a', checkOk: true, indicators: { cpu: { entropy: 0.95, z: 0 } } }],
      { entropyLevel: 0.9 },
      'suspect',
      false,
    ],
  ])('%s', (_, reports, options, state, flagged) => {
    const a = run(new QuorumTracker({ for: 3, ...options }), reports, 3);
    expect(a.state).toBe(state);
    expect(a.flagged).toBe(flagged);
    expect(a.reason.length).toBeGreaterThan(10);
  });

  it('unpredictability must hold `for` evaluations', () => {
    const tracker = new QuorumTracker({ for: 3 });
    const states = [0, 1, 2].map((i) => tracker.assess('db-1', [hot('a'), hot('b'), calm('c')], i * MIN).state);
    expect(states).toEqual(['healthy', 'healthy', 'suspect']);
    // One calm evaluation resets the observer's streak.
    expect(tracker.assess('db-1', [calm('a'), hot('b'), calm('c')], 3 * MIN).state).toBe('healthy');
  });

  it('the reason names observers, indicators and values', () => {
    const a = run(new QuorumTracker({ for: 1 }), [hot('a'), hot('b'), calm('c')]);
    expect(a.reason).toMatch(/a: cpu Hn 0\.900 z 4\.20; b: cpu Hn 0\.900 z 4\.20/);
    expect(a.unpredictable).toEqual(['a', 'b']);
  });

  it('flags consistently high entropy even with passing checks', () => {
    const tracker = new QuorumTracker({ for: 2, flagFor: 5 });
    const a4 = run(tracker, [hot('a'), hot('b'), calm('c')], 4);
    expect(a4.flagged).toBe(false);
    const a5 = tracker.assess('db-1', [hot('a'), hot('b'), calm('c')], 4 * MIN);
    expect(a5).toMatchObject({ state: 'suspect', flagged: true });
    expect(a5.reason).toMatch(/flagged: a, b/);
  });
});

describe('observer churn', () => {
  it('a stale observer drops out; the majority of known observers can then not be met → unknown', () => {
    const tracker = new QuorumTracker({ for: 1, stalenessMs: 5 * MIN });
    tracker.assess('db-1', [calm('a'), calm('b'), calm('c')], 0);
    const a = tracker.assess('db-1', [calm('a')], 10 * MIN);
    expect(a.state).toBe('unknown');
    expect(a.reason).toMatch(/1 active observers, fewer than the quorum of 2 \(stale: b, c\)/);
  });

  it('observers unseen for knownForMs are forgotten and the majority shrinks', () => {
    const tracker = new QuorumTracker({ for: 1, stalenessMs: 5 * MIN, knownForMs: 30 * MIN });
    tracker.assess('db-1', [calm('a'), calm('b'), calm('c')], 0);
    const a = tracker.assess('db-1', [calm('a')], 40 * MIN);
    expect(a).toMatchObject({ state: 'healthy', quorum: 1, active: 1 });
  });

  it('a new observer joins the quorum', () => {
    const tracker = new QuorumTracker({ for: 1 });
    tracker.assess('db-1', [hot('a'), calm('b')], 0);
    expect(tracker.assess('db-1', [hot('a'), calm('b')], MIN).state).toBe('healthy'); // 1 of 2, quorum 2
    expect(tracker.assess('db-1', [hot('a'), calm('b'), hot('c')], 2 * MIN).state).toBe('suspect'); // 2 of 3
  });

  it('hosts are independent', () => {
    const tracker = new QuorumTracker({ for: 1 });
    tracker.assess('db-1', [hot('a'), hot('b')], 0);
    expect(tracker.assess('web-1', [calm('a'), calm('b')], 0).state).toBe('healthy');
  });

  it('no observers at all → unknown', () => {
    expect(new QuorumTracker().assess('db-1', [], 0).state).toBe('unknown');
  });
});

describe('quorum options', () => {
  it.each<[QuorumOptions, RegExp]>([
    [{ quorum: 0 }, /quorum must be an integer from 1/],
    [{ stalenessMs: 0 }, /stalenessMs must be a finite number greater than 0/],
    [{ knownForMs: 1000, stalenessMs: 2000 }, /knownForMs must be ≥ stalenessMs/],
    [{ zQuorum: -1 }, /zQuorum must be a finite number greater than 0/],
    [{ for: 1.5 }, /for must be an integer/],
    [{ quroum: 2 } as QuorumOptions, /quroum is not a quorum option/],
  ])('%j', (input, message) => {
    expect(() => resolveQuorumOptions(input)).toThrow(message);
  });
});
