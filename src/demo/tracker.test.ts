import { Incident, Scenario } from './scenario';
import { IncidentTracker } from './tracker';

const leak: Incident = {
  kind: 'memory_leak',
  host: 'a',
  start: 10,
  end: 50,
  watch: ['memory'],
  threshold: { indicator: 'memory', above: 0.9, for: 3 },
  expect: 'early_warning',
  title: 'leak',
};
const scenario: Scenario = {
  seed: 1,
  day: 100,
  hosts: [],
  incidents: [leak],
  quietHost: 'q',
  controlHosts: ['b'],
  steps: 60,
};
const tracker = () => new IncidentTracker(scenario, { warnZ: 3, scoreThreshold: 0.6 });

describe('IncidentTracker: threshold rules', () => {
  it.each([
    // values from step 10 on, expected first-above and fired steps
    [[0.5, 0.95, 0.95, 0.95, 0.5], 11, 13],
    [[0.95, 0.95, 0.5, 0.95, 0.95, 0.95], 10, 15],
    [[0.95, 0.5, 0.95, 0.5], 10, undefined],
    [[0.9, 0.9, 0.9, 0.9], undefined, undefined], // "above" is strict
  ])('values %p: first above %p, fired %p', (values, firstAbove, fired) => {
    const t = tracker();
    values.forEach((v, i) => t.raw('a', 'memory', 10 + i, v));
    const [r] = t.reports();
    expect([r.thresholdFirstAbove, r.thresholdFired]).toEqual([firstAbove, fired]);
  });

  it('ignores samples before the incident, of other hosts or indicators, and repeated steps', () => {
    const t = tracker();
    for (let s = 0; s < 10; s++) {
      t.raw('a', 'memory', s, 0.99);
    }
    t.raw('b', 'memory', 10, 0.99);
    t.raw('a', 'cpu', 10, 0.99);
    t.raw('a', 'memory', 10, 0.99);
    t.raw('a', 'memory', 10, 0.99);
    t.raw('a', 'memory', 10, 0.99);
    expect(t.reports()[0].thresholdFired).toBeUndefined();
    t.raw('a', 'memory', 11, 0.99);
    t.raw('a', 'memory', 12, 0.99);
    expect(t.reports()[0].thresholdFired).toBe(12);
  });
});

describe('IncidentTracker: warnings', () => {
  it('counts a warning on its rising edge, for either sign of z, and times the lead', () => {
    const t = tracker();
    expect(t.evaluation('a', 'memory', 12, { entropy: 0.3, z: 2.9 })).toEqual([]);
    const [w] = t.evaluation('a', 'memory', 13, { entropy: 0.4, z: -3.5 });
    expect(w).toEqual({ step: 13, host: 'a', indicator: 'memory', signal: 'z', value: -3.5 });
    expect(t.evaluation('a', 'memory', 14, { entropy: 0.4, z: -4 })).toEqual([]);
    expect(t.warningNow('a', 'memory')).toBe(true);
    [0.95, 0.95, 0.95].forEach((v, i) => t.raw('a', 'memory', 20 + i, v));
    const [r] = t.reports();
    expect(r.warning?.step).toBe(13);
    expect(r.thresholdFired).toBe(22);
    expect(r.leadSteps).toBe(9);
  });

  it('keeps the detector apart: its alerts do not time the incident, and a z warning does', () => {
    const t = tracker();
    const raised = t.evaluation('a', 'memory', 11, { entropy: 0.1, z: 0.5, anomalyScore: 0.7 });
    expect(raised.map((w) => w.signal)).toEqual(['anomaly_score']);
    expect(t.reports()[0].warning).toBeUndefined();
    expect(t.reports()[0].detector?.step).toBe(11);
    t.evaluation('a', 'memory', 15, { entropy: 0.5, z: 3 });
    expect(t.reports()[0].warning?.step).toBe(15);
    expect(t.detectorAlerts).toHaveLength(1);
    expect(t.warnings).toHaveLength(1);
  });

  it('does not credit an incident with warnings before it started, after it ended, or on unwatched indicators', () => {
    const t = tracker();
    t.evaluation('a', 'memory', 5, { entropy: 0.5, z: 4 });
    t.evaluation('a', 'memory', 6, { entropy: 0.5, z: 0 });
    t.evaluation('a', 'cpu', 20, { entropy: 0.5, z: 4 });
    t.evaluation('a', 'memory', 50, { entropy: 0.5, z: 4 });
    expect(t.reports()[0].warning).toBeUndefined();
    // Before the start and after the end they are false alarms; during it (any indicator) they are not.
    expect(t.falseAlarms().map((w) => w.step)).toEqual([5, 50]);
  });

  it('counts warnings on other hosts as false alarms, and ignores undefined z and repeated steps', () => {
    const t = tracker();
    t.evaluation('b', 'cpu', 20, { entropy: null, z: null });
    t.evaluation('b', 'cpu', 21, { entropy: 0.2, z: 3.1 });
    t.evaluation('b', 'cpu', 21, { entropy: 0.2, z: 0 });
    t.evaluation('b', 'cpu', 22, { entropy: 0.2, z: 0 });
    t.evaluation('b', 'cpu', 23, { entropy: 0.2, z: 3.1 });
    expect(t.falseAlarms().map((w) => w.step)).toEqual([21, 23]);
    expect(t.falseAlarms('anomaly_score')).toEqual([]);
  });
});
