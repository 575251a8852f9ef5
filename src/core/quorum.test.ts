import fc from 'fast-check';
import {
  ObserverReport,
  QUORUM_STATE_CODES,
  QuorumOptions,
  QuorumState,
  QuorumTracker,
  resolveQuorumOptions,
} from './quorum';

const S = 1000;
const MIN = 60 * S;
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
const failing = (observer: string) => calm(observer, false);

/** Runs `rounds` evaluations `step` apart with the same reports; returns the last assessment. */
function run(tracker: QuorumTracker, reports: ObserverReport[], rounds = 1, start = 0, step = MIN) {
  let last;
  for (let i = 0; i < rounds; i++) {
    last = tracker.assess('db-1', reports, start + i * step);
  }
  return last!;
}

describe('QuorumTracker: every state', () => {
  it.each<[string, ObserverReport[], QuorumOptions, QuorumState, boolean]>([
    ['all pass and calm → healthy', [calm('a'), calm('b'), calm('c')], {}, 'healthy', false],
    ['two of three fail → unhealthy', [failing('a'), failing('b'), calm('c')], {}, 'unhealthy', false],
    [
      'one of three fails → healthy (one observer is not a quorum)',
      [failing('a'), calm('b'), calm('c')],
      {},
      'healthy',
      false,
    ],
    ['two of three see high entropy, checks pass → suspect', [hot('a'), hot('b'), calm('c')], {}, 'suspect', false],
    ['one of three sees high entropy → healthy', [hot('a'), calm('b'), calm('c')], {}, 'healthy', false],
    [
      'a quorum fails and a quorum is unpredictable → unhealthy',
      [hot('a', false), hot('b', false), calm('c')],
      {},
      'unhealthy',
      false,
    ],
    ['fewer active than the quorum → unknown, never healthy', [calm('a')], { quorum: 2 }, 'unknown', false],
    [
      'no check at all, calm → healthy (checks are optional)',
      [{ observer: 'a', indicators: { cpu: { entropy: 0.1, z: 0 } } }],
      {},
      'healthy',
      false,
    ],
    [
      'z below zQuorum but Hn over entropyLevel → suspect',
      [{ observer: 'a', checkOk: true, indicators: { cpu: { entropy: 0.95, z: 0 } } }],
      { entropyLevel: 0.9 },
      'suspect',
      false,
    ],
    [
      'z during warm-up (NaN) never counts',
      [{ observer: 'a', indicators: { cpu: { entropy: 0.95, z: NaN } } }],
      {},
      'healthy',
      false,
    ],
    [
      'a very negative z (entropy collapse) is not unpredictability',
      [{ observer: 'a', indicators: { cpu: { entropy: 0, z: -9 } } }],
      {},
      'healthy',
      false,
    ],
    [
      'flagged: a quorum high for flagFor, checks pass',
      [hot('a'), hot('b'), calm('c')],
      { flagForMs: 3 * MIN },
      'suspect',
      true,
    ],
    [
      'flagged beside unhealthy',
      [hot('a', false), hot('b', false), calm('c')],
      { flagForMs: 3 * MIN },
      'unhealthy',
      true,
    ],
    [
      'flagged by level while z is calm',
      [{ observer: 'a', indicators: { cpu: { entropy: 0.85, z: 0 } } }],
      { flagLevel: 0.8, flagForMs: MIN },
      'healthy',
      true,
    ],
    [
      'flag level not reached → not flagged',
      [hot('a'), hot('b')],
      { flagLevel: 0.95, flagForMs: MIN },
      'suspect',
      false,
    ],
  ])('%s', (_, reports, options, state, flagged) => {
    const a = run(new QuorumTracker({ forMs: 2 * MIN, ...options }), reports, 4);
    expect(a.state).toBe(state);
    expect(a.flagged).toBe(flagged);
    expect(a.reason.startsWith(`${state}:`)).toBe(true);
  });

  it('codes are the documented ones, ordered by severity', () => {
    expect(QUORUM_STATE_CODES).toEqual({ unknown: -1, healthy: 0, suspect: 1, unhealthy: 2 });
  });
});

describe('QuorumTracker: the quorum edge and ties', () => {
  it.each<[string, number, number, QuorumOptions, QuorumState]>([
    // observers, failing, options → state
    ['1 observer: quorum 1, it alone decides', 1, 1, {}, 'unhealthy'],
    ['2 observers: quorum 2, one failing is not enough', 2, 1, {}, 'healthy'],
    ['2 observers: both failing (exactly q)', 2, 2, {}, 'unhealthy'],
    ['3 observers: exactly q = 2 failing', 3, 2, {}, 'unhealthy'],
    ['4 observers: a 2–2 tie is not a majority (q = 3)', 4, 2, {}, 'healthy'],
    ['4 observers: 3 failing (exactly q)', 4, 3, {}, 'unhealthy'],
    ['5 observers: q = 3, 2 failing', 5, 2, {}, 'healthy'],
    ['explicit quorum 2 of 4: exactly q failing', 4, 2, { quorum: 2 }, 'unhealthy'],
    ['explicit quorum 2 of 4: q − 1 failing', 4, 1, { quorum: 2 }, 'healthy'],
    ['exactly q observers active (explicit 3 of 3)', 3, 0, { quorum: 3 }, 'healthy'],
    ['explicit quorum above the observers → unknown', 2, 2, { quorum: 3 }, 'unknown'],
  ])('%s', (_, observers, nFailing, options, state) => {
    const reports = Array.from({ length: observers }, (_, i) => (i < nFailing ? failing(`o${i}`) : calm(`o${i}`)));
    const a = run(new QuorumTracker(options), reports);
    expect(a.state).toBe(state);
    expect(a.quorum).toBe(options.quorum ?? Math.floor(observers / 2) + 1);
    expect(a.failing).toHaveLength(nFailing);
  });

  it('a 2–2 tie of unpredictable views is not suspect; the fifth observer breaks it', () => {
    const tracker = new QuorumTracker({ forMs: 0 });
    const four = [hot('a'), hot('b'), calm('c'), calm('d')];
    expect(tracker.assess('db-1', four, 0)).toMatchObject({ state: 'healthy', quorum: 3 });
    expect(tracker.assess('db-1', [...four, hot('e')], MIN)).toMatchObject({ state: 'suspect', quorum: 3 });
  });

  it('failing and unpredictable observers are not added up: 1 failing + 1 unpredictable of 3 is healthy', () => {
    const a = run(new QuorumTracker({ forMs: 0 }), [failing('a'), hot('b'), calm('c')]);
    expect(a.state).toBe('healthy');
    expect(a.reason).toMatch(/checks fail for a only, below the quorum/);
    expect(a.reason).toMatch(/unpredictable, below the quorum: b: cpu Hn 0\.900 z 4\.20/);
  });
});

describe('QuorumTracker: transitions', () => {
  // Each step is the reports of one evaluation one minute apart; forMs 2m, staleness 5m.
  const H = [calm('a'), calm('b'), calm('c')];
  const SUS = [hot('a'), hot('b'), calm('c')];
  const BAD = [failing('a'), failing('b'), calm('c')];
  it.each<[string, ObserverReport[][], QuorumState[]]>([
    ['healthy → suspect only after `for`', [H, SUS, SUS, SUS], ['healthy', 'healthy', 'healthy', 'suspect']],
    [
      'a calm report restarts the run',
      [SUS, SUS, [calm('a'), hot('b'), calm('c')], SUS, SUS, SUS],
      ['healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'suspect'],
    ],
    [
      'suspect → unhealthy → healthy',
      [SUS, SUS, SUS, BAD, H],
      ['healthy', 'healthy', 'suspect', 'unhealthy', 'healthy'],
    ],
    ['unhealthy at once (checks have no `for`) and back', [H, BAD, H], ['healthy', 'unhealthy', 'healthy']],
    ['unknown → healthy as observers join', [[calm('a')], [calm('a'), calm('b')]], ['healthy', 'healthy']],
    ['a missing report keeps the view: the run goes on', [SUS, [calm('c')], SUS], ['healthy', 'healthy', 'suspect']],
    [
      'partial reports merge: checks now, indicators later',
      [
        SUS,
        [
          { observer: 'a', checkOk: true },
          { observer: 'b', checkOk: true },
        ],
        SUS,
      ],
      ['healthy', 'healthy', 'suspect'],
    ],
  ])('%s', (_, steps, states) => {
    const tracker = new QuorumTracker({ forMs: 2 * MIN });
    expect(steps.map((reports, i) => tracker.assess('db-1', reports, i * MIN).state)).toEqual(states);
  });

  it('`for` is a duration: counts at exactly forMs, whatever the step', () => {
    for (const step of [10 * S, 30 * S, MIN]) {
      const tracker = new QuorumTracker({ forMs: 2 * MIN });
      const states = Array.from({ length: (2 * MIN) / step + 1 }, (_, i) => tracker.assess('h', SUS, i * step).state);
      expect(states.slice(0, -1).every((s) => s === 'healthy')).toBe(true);
      expect(states.at(-1)).toBe('suspect');
    }
  });

  it('`since` is when the state began; flaggedSince when the flag did', () => {
    const tracker = new QuorumTracker({ forMs: MIN, flagForMs: 3 * MIN });
    const seq = [H, SUS, SUS, SUS, SUS, SUS].map((r, i) => tracker.assess('db-1', r, i * MIN));
    expect(seq.map((a) => [a.state, a.since, a.flagged, a.flaggedSince])).toEqual([
      ['healthy', 0, false, undefined],
      ['healthy', 0, false, undefined],
      ['suspect', 2 * MIN, false, undefined],
      ['suspect', 2 * MIN, false, undefined],
      ['suspect', 2 * MIN, true, 4 * MIN],
      ['suspect', 2 * MIN, true, 4 * MIN],
    ]);
    expect(tracker.assess('db-1', H, 6 * MIN)).toMatchObject({ state: 'healthy', since: 6 * MIN, flagged: false });
  });
});

describe('QuorumTracker: observer churn and staleness', () => {
  it('stale observers drop out; the majority of known observers can then not be met → unknown', () => {
    const tracker = new QuorumTracker({ stalenessMs: 5 * MIN });
    tracker.assess('db-1', [calm('a'), calm('b'), calm('c')], 0);
    expect(tracker.assess('db-1', [calm('a')], 5 * MIN).state).toBe('healthy'); // exactly at the staleness edge
    const a = tracker.assess('db-1', [calm('a')], 5 * MIN + 1);
    expect(a).toMatchObject({ state: 'unknown', known: 3, active: 1, quorum: 2, flagged: false });
    expect(a.reason).toBe(
      'unknown: 1 of 3 known observers active, quorum 2 — too few to judge (active: a); stale: b, c'
    );
  });

  it('observers unseen for knownForMs are forgotten and the majority shrinks', () => {
    const tracker = new QuorumTracker({ stalenessMs: 5 * MIN, knownForMs: 30 * MIN });
    tracker.assess('db-1', [calm('a'), calm('b'), calm('c')], 0);
    expect(tracker.assess('db-1', [calm('a')], 30 * MIN).state).toBe('unknown');
    expect(tracker.assess('db-1', [calm('a')], 31 * MIN)).toMatchObject({ state: 'healthy', quorum: 1, known: 1 });
  });

  it('a new observer joins the quorum', () => {
    const tracker = new QuorumTracker({ forMs: 0 });
    expect(tracker.assess('db-1', [hot('a'), calm('b')], 0).state).toBe('healthy'); // 1 of 2, quorum 2
    expect(tracker.assess('db-1', [hot('a'), calm('b'), hot('c')], MIN).state).toBe('suspect'); // 2 of 3
  });

  it('a view that went stale loses its values, and an observer back from staleness starts its run afresh', () => {
    const tracker = new QuorumTracker({ forMs: 2 * MIN, stalenessMs: 3 * MIN });
    tracker.assess('h', [hot('a'), hot('b')], 0);
    tracker.assess('h', [hot('a'), hot('b')], MIN);
    // b silent for 4 minutes; a keeps reporting.
    const during = tracker.assess('h', [hot('a')], 5 * MIN);
    expect(during.views.find((v) => v.observer === 'b')).toMatchObject({
      active: false,
      indicators: [],
      checkOk: undefined,
    });
    expect(during.state).toBe('unknown');
    expect(tracker.assess('h', [hot('a'), hot('b')], 6 * MIN).state).toBe('healthy'); // b's run starts again
    expect(tracker.assess('h', [hot('a'), hot('b')], 8 * MIN).state).toBe('suspect');
  });

  it('one value going stale ends the run, though the observer reports other things', () => {
    const tracker = new QuorumTracker({ forMs: 0, stalenessMs: 2 * MIN });
    tracker.assess('h', [hot('a')], 0);
    expect(tracker.assess('h', [{ observer: 'a', checkOk: true }], 2 * MIN).state).toBe('suspect');
    const later = tracker.assess('h', [{ observer: 'a', checkOk: true }], 3 * MIN);
    expect(later.state).toBe('healthy');
    expect(later.views[0].indicators).toEqual([]);
  });

  it('hosts are independent, and a host nobody knows any more is forgotten', () => {
    const tracker = new QuorumTracker({ forMs: 0, stalenessMs: MIN, knownForMs: 2 * MIN });
    tracker.assess('db-1', [hot('a'), hot('b')], 0);
    expect(tracker.assess('web-1', [calm('a'), calm('b')], 0).state).toBe('healthy');
    expect(tracker.hosts()).toEqual(['db-1', 'web-1']);
    const all = tracker.assessAll(new Map([['web-1', [calm('a')]]]), 3 * MIN);
    expect(all.map((a) => [a.host, a.state])).toEqual([
      ['db-1', 'unknown'],
      ['web-1', 'healthy'],
    ]);
    expect(all[0].reason).toBe('unknown: no observer has reported this host');
    expect(tracker.hosts()).toEqual(['web-1']);
  });

  it('no observers at all → unknown', () => {
    expect(new QuorumTracker().assess('db-1', [], 0).state).toBe('unknown');
  });

  it('several check series of one observer in one evaluation: all must pass', () => {
    const a = run(new QuorumTracker(), [
      { observer: 'a', checkOk: true },
      { observer: 'a', checkOk: false },
    ]);
    expect(a).toMatchObject({ state: 'unhealthy', failing: ['a'] });
  });
});

describe('QuorumTracker: reasons name observers, indicators and values', () => {
  it.each<[string, ObserverReport[], QuorumOptions, RegExp]>([
    [
      'healthy',
      [calm('a'), calm('b'), calm('c')],
      {},
      /^healthy: 3 of 3 known observers active, quorum 2, checks pass, none unpredictable$/,
    ],
    [
      'unhealthy',
      [failing('a'), failing('b'), hot('c')],
      { forMs: 0 },
      /^unhealthy: checks fail for a, b \(3 of 3 known observers active, quorum 2\); also unpredictable: c: cpu Hn 0\.900 z 4\.20$/,
    ],
    [
      'suspect',
      [hot('a'), hot('b'), failing('c')],
      { forMs: 0 },
      /^suspect: unpredictable for at least 0s by a, b \(3 of 3 known observers active, quorum 2\): a: cpu Hn 0\.900 z 4\.20; b: cpu Hn 0\.900 z 4\.20; checks fail for c only, below the quorum$/,
    ],
    ['pending', [hot('a'), calm('b')], { forMs: 5 * MIN }, /unpredictable for less than 5m: a$/],
    [
      'flagged',
      [hot('a'), hot('b')],
      { forMs: 0, flagLevel: 0.85, flagForMs: MIN },
      /; flagged: high entropy for at least 1m by a, b: a: cpu Hn 0\.900 z 4\.20; b: cpu Hn 0\.900 z 4\.20$/,
    ],
  ])('%s', (_, reports, options, reason) => {
    expect(run(new QuorumTracker(options), reports, 2).reason).toMatch(reason);
  });
});

describe('QuorumTracker: state round trip', () => {
  const steps: ObserverReport[][] = [
    [hot('a'), hot('b'), calm('c')],
    [hot('a'), { observer: 'b', indicators: { cpu: { entropy: NaN, z: NaN } } }],
    [hot('a'), hot('b'), failing('c')],
    [hot('a')],
    [],
    [hot('a'), hot('b'), hot('c')],
  ];

  it('a tracker restored from its JSON state continues exactly as the original', () => {
    const options = { forMs: MIN, flagForMs: 2 * MIN, stalenessMs: 2 * MIN };
    for (let cut = 0; cut <= steps.length; cut++) {
      const original = new QuorumTracker(options);
      let tracker = new QuorumTracker(options);
      steps.forEach((r, i) => {
        if (i === cut) {
          tracker = new QuorumTracker(options, JSON.parse(JSON.stringify(tracker.state())));
        }
        expect(tracker.assessAll(new Map([['h', r]]), i * MIN)).toEqual(
          original.assessAll(new Map([['h', r]]), i * MIN)
        );
      });
    }
  });

  it.each<[string, unknown, RegExp]>([
    ['not a map', 'x', /\(state\) must be a map/],
    ['a newer version', { version: 2, hosts: [] }, /version must be 1/],
    ['hosts not a list', { version: 1, hosts: {} }, /hosts must be a list/],
    [
      'a bad state name',
      { version: 1, hosts: [{ host: 'h', state: 'fine', since: 0, observers: [] }] },
      /hosts\[0\]\.state must be one of/,
    ],
    [
      'a string time',
      { version: 1, hosts: [{ host: 'h', state: null, since: '0', observers: [] }] },
      /hosts\[0\]\.since must be a finite number/,
    ],
    [
      'a damaged indicator',
      {
        version: 1,
        hosts: [
          {
            host: 'h',
            state: null,
            since: 0,
            observers: [{ observer: 'a', lastSeen: 0, check: null, indicators: [['cpu', 'x', 1, 0]] }],
          },
        ],
      },
      /hosts\[0\]\.observers\[0\]\.indicators\[0\] must be a number or null/,
    ],
    [
      'a bad check',
      {
        version: 1,
        hosts: [
          {
            host: 'h',
            state: null,
            since: 0,
            observers: [{ observer: 'a', lastSeen: 0, check: [1, 0], indicators: [] }],
          },
        ],
      },
      /check must be \[ok, at\] or null/,
    ],
  ])('refuses a damaged state: %s', (_, state, message) => {
    expect(() => new QuorumTracker({}, state)).toThrow(message);
  });
});

describe('QuorumTracker: properties', () => {
  const report = fc.record({
    observer: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
    checkOk: fc.option(fc.boolean(), { nil: undefined }),
    indicators: fc.option(
      fc.dictionary(
        fc.constantFrom('cpu', 'mem'),
        fc.record({ entropy: fc.double({ min: 0, max: 1, noNaN: true }), z: fc.double({ min: -5, max: 8 }) })
      ),
      { nil: undefined }
    ),
  });
  const evaluations = fc.array(fc.array(report, { maxLength: 6 }), { minLength: 1, maxLength: 25 });
  const options = fc.record({
    quorum: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    forMs: fc.integer({ min: 0, max: 4 }).map((n) => n * MIN),
    stalenessMs: fc.integer({ min: 1, max: 4 }).map((n) => n * MIN),
  });

  it('the state follows from the counts; unknown is never flagged; the order of reports does not matter', () => {
    fc.assert(
      fc.property(options, evaluations, (o, evals) => {
        const t1 = new QuorumTracker({ ...o, knownForMs: 10 * MIN });
        const t2 = new QuorumTracker({ ...o, knownForMs: 10 * MIN });
        let dup = false;
        evals.forEach((reports, i) => {
          const a = t1.assess('h', reports, i * MIN);
          const b = t2.assess('h', [...reports].reverse(), i * MIN);
          // Duplicates merge the same way whatever their order, except which indicator value is kept (the last).
          dup ||= new Set(reports.map((r) => r.observer)).size !== reports.length;
          if (!dup) {
            expect(b).toEqual(a);
          }
          const q = a.quorum;
          const expected: QuorumState =
            a.active < q || a.active === 0
              ? 'unknown'
              : a.failing.length >= q
                ? 'unhealthy'
                : a.unpredictable.length >= q
                  ? 'suspect'
                  : 'healthy';
          expect(a.state).toBe(expected);
          expect(a.flagged).toBe(a.state !== 'unknown' && a.flaggedBy.length >= q);
          if (o.quorum === undefined) {
            expect(q).toBe(Math.floor(a.known / 2) + 1);
          }
          expect(a.views.map((v) => v.observer)).toEqual([...a.views.map((v) => v.observer)].sort());
        });
      })
    );
  });
});

describe('quorum options', () => {
  it('defaults', () => {
    expect(resolveQuorumOptions()).toEqual({
      quorum: undefined,
      stalenessMs: 300_000,
      knownForMs: 3_600_000,
      zQuorum: 3,
      entropyLevel: undefined,
      forMs: 60_000,
      flagLevel: undefined,
      flagForMs: 1_800_000,
    });
  });

  it.each<[unknown, RegExp]>([
    [{ quorum: 0 }, /quorum must be an integer from 1/],
    [{ quorum: 1.5 }, /quorum must be an integer/],
    [{ stalenessMs: 0 }, /stalenessMs must be a duration > 0/],
    [{ stalenessMs: Infinity }, /stalenessMs must be a duration > 0/],
    [{ forMs: -1 }, /forMs must be a duration ≥ 0/],
    [{ flagForMs: 1e12 }, /flagForMs must be a duration ≥ 0 in milliseconds, at most a year/],
    [{ knownForMs: 1000, stalenessMs: 2000 }, /knownForMs \(1000 ms\) must be ≥ stalenessMs/],
    [{ zQuorum: -1 }, /zQuorum must be a finite number greater than 0/],
    [{ zQuorum: NaN }, /zQuorum must be a finite number/],
    [{ entropyLevel: 0 }, /entropyLevel must be a normalized entropy level in \(0, 1\]/],
    [{ flagLevel: 1.5 }, /flagLevel must be a normalized entropy level/],
    [{ flagLevel: '0.5' }, /flagLevel must be a normalized entropy level/],
    [{ quroum: 2 }, /quroum is not a quorum option/],
    [null, /options must be an object/],
  ])('%j', (input, message) => {
    expect(() => resolveQuorumOptions(input as QuorumOptions)).toThrow(message);
  });

  it('names fields as the caller calls them', () => {
    expect(() => resolveQuorumOptions({ forMs: -1 }, 'quorum.', { forMs: 'unpredictable.for' })).toThrow(
      /^quorum\.unpredictable\.for must be/
    );
  });
});

describe('QuorumTracker: hostile stored states', () => {
  it('any JSON is either read or refused with an Error naming the part, never a crash later', () => {
    const observer = fc.record({
      observer: fc.oneof(fc.string(), fc.anything()),
      lastSeen: fc.oneof(fc.integer(), fc.anything()),
      check: fc.oneof(fc.constant(null), fc.tuple(fc.boolean(), fc.integer()), fc.anything()),
      indicators: fc.oneof(
        fc.array(fc.tuple(fc.string(), fc.oneof(fc.double(), fc.constant(null)), fc.double(), fc.integer())),
        fc.anything()
      ),
      hotSince: fc.oneof(fc.constant(null), fc.integer(), fc.anything()),
      highSince: fc.oneof(fc.constant(null), fc.integer()),
    });
    const state = fc.oneof(
      fc.anything(),
      fc.record({
        version: fc.oneof(fc.constant(1), fc.anything()),
        hosts: fc.array(
          fc.record({
            host: fc.oneof(fc.string(), fc.anything()),
            state: fc.oneof(fc.constantFrom('healthy', 'suspect', 'unhealthy', 'unknown', null), fc.anything()),
            since: fc.oneof(fc.integer(), fc.anything()),
            flaggedSince: fc.oneof(fc.constant(null), fc.integer()),
            observers: fc.array(observer, { maxLength: 3 }),
          }),
          { maxLength: 3 }
        ),
      })
    );
    fc.assert(
      fc.property(state, (raw) => {
        let tracker: QuorumTracker;
        try {
          tracker = new QuorumTracker({ forMs: 0 }, JSON.parse(JSON.stringify(raw ?? null)));
        } catch (e) {
          expect((e as Error).message).toMatch(/^quorum state: /);
          return;
        }
        // A state it read is one it can work with.
        for (const host of tracker.hosts()) {
          expect(() => tracker.assess(host, [{ observer: 'x', checkOk: true }], 1e12)).not.toThrow();
        }
      }),
      { numRuns: 500 }
    );
  });
});
