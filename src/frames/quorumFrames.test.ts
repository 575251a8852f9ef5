import { DataFrame, FieldType } from '@grafana/data';
import { QUORUM_STATE_CODES, QuorumOptions } from '../core';
import { parseQuorum } from '../engine/quorum/config';
import pino from 'pino';
import { QuorumService } from '../engine/quorum/service';
import { Telemetry } from '../engine/telemetry';
import { QUORUM_STATE_MAPPINGS, QuorumInput, QuorumLabelError, quorumTimeline, quorumTransform } from './quorumFrames';
import { promFrame } from './testFrames';

const STEP = 15_000;
const N = 80;
// On the interval grid, as the engine's evaluation times are.
const T0 = Math.ceil(1_700_000_000_000 / STEP) * STEP;
const times = Array.from({ length: N }, (_, i) => T0 + i * STEP);
const INCIDENT = 40;
const PIPELINE = { entropy: { window: 10 }, baseline: { warmup: 5 } };
const QUORUM: QuorumOptions = { forMs: 2 * STEP, flagLevel: 0.5, flagForMs: 6 * STEP, stalenessMs: 5 * STEP };

function rand(i: number, salt: number): number {
  const x = Math.sin(i * 12.9898 + salt * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

/** h1: c alone fails from the incident; h2: erratic for a and b from the incident; h3: a and b fail. */
function check(host: string, observer: string, i: number): number {
  const incident = i >= INCIDENT;
  return incident && ((host === 'h1' && observer === 'c') || (host === 'h3' && observer !== 'c')) ? 0 : 1;
}
function cpu(host: string, observer: string, i: number): number {
  return i >= INCIDENT && host === 'h2' && observer !== 'c' ? rand(i, observer.charCodeAt(0)) : i % 2 ? 0.05 : 0.15;
}

const HOSTS = ['h1', 'h2', 'h3'];
const OBSERVERS = ['a', 'b', 'c'];
function frames(
  refId: string,
  f: (h: string, o: string, i: number) => number,
  skip?: (o: string, i: number) => boolean
) {
  return HOSTS.flatMap((instance) =>
    OBSERVERS.map((prober) => {
      const kept = times.map((_, i) => i).filter((i) => !skip?.(prober, i));
      return promFrame(
        refId,
        { instance, prober },
        kept.map((i) => times[i]),
        kept.map((i) => f(instance, prober, i))
      );
    })
  );
}

function inputs(skip?: (o: string, i: number) => boolean): QuorumInput[] {
  const base = { hostLabel: 'instance', observerLabel: 'prober' };
  return [
    { ...base, refId: 'A', role: 'checks', frames: frames('A', check, skip) },
    { ...base, refId: 'B', role: 'indicator', indicator: 'cpu', pipeline: PIPELINE, frames: frames('B', cpu, skip) },
  ];
}

const field = (f: DataFrame, name: string) => f.fields.find((x) => x.name === name)!;

describe('quorumTransform', () => {
  it('a state timeline per host, with value mappings, flag and reason', () => {
    const out = quorumTransform(inputs(), { refId: 'Q', quorum: QUORUM });
    expect(out.map((f) => f.name)).toEqual(HOSTS);
    for (const f of out) {
      expect(f.refId).toBe('Q');
      expect(f.fields.map((x) => [x.name, x.type])).toEqual([
        ['Time', FieldType.time],
        ['state', FieldType.number],
        ['flagged', FieldType.number],
        ['reason', FieldType.string],
      ]);
      expect(field(f, 'Time').values).toEqual(times);
      expect(field(f, 'state').config.mappings).toEqual(QUORUM_STATE_MAPPINGS);
      expect(field(f, 'reason').config.custom).toEqual({ hideFrom: { viz: true, legend: true, tooltip: false } });
    }
    const [h1, h2, h3] = out;
    const H = QUORUM_STATE_CODES.healthy;
    // h1: one observer failing is not a quorum.
    expect(new Set(field(h1, 'state').values)).toEqual(new Set([H]));
    // h3: unhealthy from the incident on, at once.
    expect(field(h3, 'state').values).toEqual(times.map((_, i) => (i >= INCIDENT ? QUORUM_STATE_CODES.unhealthy : H)));
    // h2: suspect two steps (`for`) after both erratic views turn unpredictable, flagged later; never before.
    const states = field(h2, 'state').values as number[];
    const first = states.indexOf(QUORUM_STATE_CODES.suspect);
    expect(first).toBeGreaterThan(INCIDENT + 1);
    expect(states.slice(first).every((s) => s === QUORUM_STATE_CODES.suspect)).toBe(true);
    const flagged = field(h2, 'flagged').values as number[];
    expect(flagged.indexOf(1)).toBeGreaterThan(INCIDENT + 5);
    expect((field(h2, 'reason').values as string[])[N - 1]).toMatch(/^suspect: .* by a, b .*a: cpu Hn \d\.\d{3} z/);
  });

  it('equals the engine fed the same samples at each evaluation (QuorumSeries + QuorumTracker)', () => {
    // The engine's own parser (the YAML below as a parsed document).
    const q = parseQuorum(
      {
        observerLabel: 'prober',
        checks: 'probe',
        staleness: '75s',
        unpredictable: { for: '30s' },
        flag: { entropyLevel: 0.5, for: '90s' },
        indicators: [{ name: 'cpu', query: 'cpu', window: 10, baseline: { warmup: 5 } }],
      },
      {},
      STEP,
      true
    )!;
    expect(q.options).toMatchObject(QUORUM);
    // Observer c stops reporting between steps 50 and 60 (its scrape job down), then comes back; nobody
    // reports at steps 65 to 67 (Prometheus down): those steps are still assessed, by both.
    const skip = (o: string, i: number) => (o === 'c' && i >= 50 && i < 60) || (i >= 65 && i <= 67);
    const service = new QuorumService(
      q,
      {
        prometheus: { url: 'http://127.0.0.1:9', timeoutMs: 1000, headers: {} },
        intervalMs: STEP,
        maxBackoffMs: STEP,
        stalenessMs: 3_600_000,
        maxSeries: 1000,
      },
      new Telemetry(),
      pino({ level: 'silent' })
    );
    const engine = new Map<string, unknown[][]>();
    times.forEach((t, i) => {
      for (const host of HOSTS) {
        for (const observer of OBSERVERS.filter((o) => !skip(o, i))) {
          service.series.ingest(q.checks!, { instance: host, prober: observer }, t, check(host, observer, i), t);
          service.series.ingest(q.indicators[0], { instance: host, prober: observer }, t, cpu(host, observer, i), t);
        }
      }
      // As the engine's timer would: an evaluation every step, except that two are late (each then covers two steps).
      if (i === 30 || i === 70) {
        return;
      }
      for (const a of service.evaluate(t, t)) {
        engine.set(a.host, [...(engine.get(a.host) ?? []), [String(a.at), a.state, a.flagged, a.reason, a.since]]);
      }
    });
    const browser = quorumTimeline(inputs(skip), { refId: 'Q', quorum: QUORUM });
    for (const host of HOSTS) {
      const expected = engine.get(host)!;
      const got = browser.get(host)!.filter((a) => expected.some((e) => e[0] === String(a.at)));
      expect(got.map((a) => [String(a.at), a.state, a.flagged, a.reason, a.since])).toEqual(expected);
      expect(expected).toHaveLength(N - 2);
    }
    // The churn is visible: c's view went stale during its absence.
    expect(browser.get('h1')![58].views.find((v) => v.observer === 'c')!.active).toBe(false);
    expect(browser.get('h3')![66].views.every((v) => v.active)).toBe(true); // 3 silent steps < staleness
    expect(new Set(browser.get('h2')!.map((a) => a.state))).toEqual(new Set(['healthy', 'suspect']));
  });

  it('rows before `from` warm up windows and streaks; only [from, to] is returned', () => {
    const all = quorumTimeline(inputs(), { refId: 'Q', quorum: QUORUM });
    const part = quorumTimeline(inputs(), { refId: 'Q', quorum: QUORUM, from: times[60], to: times[70] });
    expect(part.get('h2')!.map((a) => a.at)).toEqual(times.slice(60, 71));
    expect(part.get('h2')).toEqual(all.get('h2')!.slice(60, 71));
  });

  it('gaps (null values) are not reports; the view stands for the staleness period', () => {
    const withGap = inputs();
    const gappy = withGap[0].frames.map((f) => ({
      ...f,
      fields: f.fields.map((x) =>
        x.name === 'Value' ? { ...x, values: x.values.map((v: number, i: number) => (i === 45 ? null : v)) } : x
      ),
    }));
    const out = quorumTimeline([{ ...withGap[0], frames: gappy }, withGap[1]], { refId: 'Q', quorum: QUORUM });
    expect(out.get('h3')![45].state).toBe('unhealthy'); // the failing checks of step 44 still stand
  });

  it('does not mutate its input frames', () => {
    const input = inputs();
    const before = JSON.stringify(input);
    quorumTransform(input, { refId: 'Q', quorum: QUORUM });
    expect(JSON.stringify(input)).toBe(before);
  });

  it.each<[string, QuorumInput[], RegExp]>([
    [
      'no observer label',
      [
        {
          refId: 'A',
          role: 'checks',
          hostLabel: 'instance',
          observerLabel: 'prober',
          frames: [promFrame('A', { instance: 'h' }, [1], [1])],
        },
      ],
      /^Query A: series \{"instance":"h"\} has no "prober" label; keep it in the expression \(e\.g\. avg by \(instance, prober\)/,
    ],
    [
      'no host label',
      [
        {
          refId: 'A',
          role: 'checks',
          hostLabel: 'host',
          observerLabel: 'prober',
          frames: [promFrame('A', { prober: 'a' }, [1], [1])],
        },
      ],
      /has no "host" label/,
    ],
    [
      'two series for one host × observer × indicator',
      [
        {
          refId: 'B',
          role: 'indicator',
          hostLabel: 'instance',
          observerLabel: 'prober',
          frames: [
            promFrame('B', { instance: 'h', prober: 'a', cpu: '0' }, [1], [1]),
            promFrame('B', { instance: 'h', prober: 'a', cpu: '1' }, [1], [1]),
          ],
        },
      ],
      /are both B of host h seen by a; aggregate the expression by \(instance, prober\)/,
    ],
  ])('refuses %s with a sentence', (_, input, message) => {
    expect(() => quorumTransform(input, { refId: 'Q', quorum: {} })).toThrow(QuorumLabelError);
    expect(() => quorumTransform(input, { refId: 'Q', quorum: {} })).toThrow(message);
  });

  it('no inputs, no frames', () => {
    expect(quorumTransform([], { refId: 'Q', quorum: {} })).toEqual([]);
  });
});
