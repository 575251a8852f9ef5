import { quorumHistory, QuorumHistoryError, QuorumHistorySeries } from './quorum-history';
import { QuorumTracker } from './quorum';

const S = 1000;
const check = (observer: string, times: number[], values: number[]): QuorumHistorySeries => ({
  source: 'A',
  role: 'checks',
  host: 'h',
  observer,
  times,
  values,
});

describe('quorumHistory', () => {
  it('assesses every step of the grid, also steps where nothing was reported (as the engine does)', () => {
    const times = [0, 1, 2, 6, 7].map((x) => x * S);
    const out = quorumHistory([check('a', times, [1, 1, 1, 1, 1])], {
      quorum: { stalenessMs: 2 * S, knownForMs: 60 * S },
    }).get('h')!;
    expect(out.map((a) => [a.at / S, a.state])).toEqual([
      [0, 'healthy'],
      [1, 'healthy'],
      [2, 'healthy'],
      [3, 'healthy'],
      [4, 'healthy'],
      [5, 'unknown'], // a silent for 3 s > staleness
      [6, 'healthy'],
      [7, 'healthy'],
    ]);
    // The same as a tracker fed by hand at every step.
    const tracker = new QuorumTracker({ stalenessMs: 2 * S, knownForMs: 60 * S });
    const byHand = [0, 1, 2, 3, 4, 5, 6, 7].map((x) =>
      tracker.assess('h', times.includes(x * S) ? [{ observer: 'a', checkOk: true }] : [], x * S)
    );
    expect(out).toEqual(byHand);
  });

  it('an explicit step and `to` extend the grid; from/to bound the output', () => {
    const out = quorumHistory([check('a', [0, 2 * S], [0, 0])], { quorum: {}, stepMs: S, from: S, to: 4 * S }).get(
      'h'
    )!;
    expect(out.map((a) => [a.at / S, a.state])).toEqual([
      [1, 'unhealthy'],
      [2, 'unhealthy'],
      [3, 'unhealthy'],
      [4, 'unhealthy'],
    ]);
  });

  it('checks: NaN is no report, 0 fails, several series of one observer at one time must all pass', () => {
    const out = quorumHistory([check('a', [0, S], [1, NaN]), check('a', [0, S], [0, 1])], { quorum: {} }).get('h')!;
    expect(out.map((a) => a.views[0].checkOk)).toEqual([false, true]);
  });

  it('indicators report their own entropy and z; two series for one host × observer × indicator are refused', () => {
    const s: QuorumHistorySeries = {
      source: 'B',
      role: 'indicator',
      host: 'h',
      observer: 'a',
      indicator: 'cpu',
      times: [0, S, 2 * S],
      values: [0.1, 0.5, 0.9],
      pipeline: { entropy: { window: 2 } },
    };
    const out = quorumHistory([s], { quorum: {} }).get('h')!;
    expect(out[0].views[0].indicators).toEqual([{ indicator: 'cpu', entropy: NaN, z: NaN }]);
    expect(out[2].views[0].indicators[0].entropy).toBeGreaterThan(0);
    expect(() => quorumHistory([s, { ...s, describe: '{x="2"}' }], { quorum: {} })).toThrow(QuorumHistoryError);
    expect(() => quorumHistory([s, { ...s, describe: '{x="2"}' }], { quorum: {} })).toThrow(
      /\{x="2"\} and .* are both cpu of host h seen by a/
    );
  });

  it('nothing in, nothing out', () => {
    expect(quorumHistory([], { quorum: {} }).size).toBe(0);
  });
});
