/**
 * Property tests of the whole codec: random profile streams over a channel that drops, repeats and reorders
 * frames, decoded from text and from binary side by side.
 */
import fc from 'fast-check';
import { DeltaDecoder, DecodeResult } from './decoder';
import { DeltaEncoder } from './encoder';
import { DEFAULT_DELTA_LIMITS, Frame, Profile, SeriesDictionary } from './frame';
import { decodeBinary, encodeBinary } from './binary';
import { decodeText, encodeText } from './text';

const HOSTS = ['db-1', 'web 2', '__proto__', 'ünï', '-x', 'a=b:c/d%'];
const INDICATORS = ['cpu', 'memory', 'x y', 'constructor'];

/** One series' evolution step: absent, or present and moved by `move`. */
const step = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 6, arbitrary: fc.double({ min: -0.01, max: 0.01, noNaN: true }) }, // mostly inside the deadband
  { weight: 2, arbitrary: fc.double({ min: -0.3, max: 0.3, noNaN: true }) }
);

/** What the channel does to a frame. */
type Fate = 'deliver' | 'drop' | 'duplicate' | 'hold';
const fate = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Fate>('deliver') },
  { weight: 1, arbitrary: fc.constantFrom<Fate>('drop', 'duplicate', 'hold') }
);

const scenario = fc.record({
  options: fc.record({
    deadband: fc.constantFrom(0, 0.001, 0.01, 0.05),
    quantum: fc.constantFrom(0.001, 0.004, 0.01, 1 / 3),
    keyframeEvery: fc.integer({ min: 1, max: 30 }),
    epoch: fc.integer({ min: 0, max: 5 }),
  }),
  hosts: fc.integer({ min: 1, max: HOSTS.length }),
  indicators: fc.integer({ min: 1, max: INDICATORS.length }),
  // Per series: none, or [mean, std, step at which the warm-up ends]; μ and σ then drift with `Hn`.
  baselines: fc.array(
    fc.option(
      fc.tuple(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.integer({ min: 0, max: 20 })
      )
    ),
    {
      minLength: 24,
      maxLength: 24,
    }
  ),
  steps: fc.array(fc.tuple(fc.array(step, { minLength: 24, maxLength: 24 }), fate), { maxLength: 60 }),
  feedback: fc.boolean(),
});

/** Doubles: `k × q` and the check itself may each be off by an ulp or so. */
const TOLERANCE = 1e-9;

function snapshot(p: Profile): Profile {
  return new Map([...p].map(([h, m]) => [h, new Map([...m].map(([i, v]) => [i, { ...v }]))]));
}

function checkBound(received: Profile, truth: Profile, bound: number, q: number): void {
  expect([...received.keys()].sort()).toEqual([...truth.keys()].sort());
  for (const [host, indicators] of truth) {
    const got = received.get(host)!;
    expect([...got.keys()].sort()).toEqual([...indicators.keys()].sort());
    for (const [indicator, v] of indicators) {
      const r = got.get(indicator)!;
      expect(Math.abs(r.hn - v.hn)).toBeLessThanOrEqual(bound + TOLERANCE);
      // Baselines keep the same bound, and appear and disappear with the sender's.
      expect(r.mean === undefined).toBe(v.mean === undefined);
      if (v.mean !== undefined) {
        expect(Math.abs(r.mean! - v.mean)).toBeLessThanOrEqual(bound + TOLERANCE);
        expect(Math.abs(r.std! - v.std!)).toBeLessThanOrEqual(bound + TOLERANCE);
      }
    }
  }
}

describe('differential entropy codec', () => {
  it('stays within ε + q/2 whenever in sync, text and binary agree, and a keyframe resyncs', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const encoder = new DeltaEncoder(s.options);
        const { deadband, quantum: q } = encoder.options;
        const bound = deadband + q / 2;
        const text = new DeltaDecoder();
        const binary = new DeltaDecoder();
        const truths = new Map<number, Profile>();
        const values = new Map<number, number>();
        let held: { seq: number; text: string; binary: Uint8Array } | undefined;
        let clean = true;

        const deliver = (f: { seq: number; text: string; binary: Uint8Array }) => {
          const a: DecodeResult = text.receive(f.text);
          const b: DecodeResult = binary.receive(f.binary);
          expect(a.status).not.toBe('error');
          expect(b).toEqual(a);
          expect(binary.profile()).toEqual(text.profile());
          if (!text.needKeyframe) {
            checkBound(text.profile(), truths.get(text.seq)!, bound, q);
          }
          if (s.feedback && text.needKeyframe) {
            encoder.requestKeyframe();
          }
        };

        for (const [t, [moves, what]] of s.steps.entries()) {
          const profile: Profile = new Map();
          moves.forEach((move, i) => {
            // Series i is (host i / 4, indicator i % 4); the scenario uses the first `hosts` × `indicators`.
            const host = HOSTS[Math.floor(i / INDICATORS.length)];
            const indicator = INDICATORS[i % INDICATORS.length];
            if (
              move === null ||
              Math.floor(i / INDICATORS.length) >= s.hosts ||
              i % INDICATORS.length >= s.indicators
            ) {
              values.delete(i);
              return;
            }
            const hn = (values.get(i) ?? 0.5) + move;
            values.set(i, hn);
            const b = s.baselines[i];
            // μ follows `Hn`, σ its own sawtooth, so either can cross the deadband alone.
            const base = b && t >= b[2] ? { mean: b[0] + 0.3 * (hn - 0.5), std: b[1] + 0.01 * (t % 9) } : undefined;
            let indicators = profile.get(host);
            if (!indicators) {
              indicators = new Map();
              profile.set(host, indicators);
            }
            indicators.set(indicator, base ? { hn, ...base } : { hn });
          });
          const e = encoder.next(profile);
          truths.set(e.frame.seq, snapshot(profile));
          const f = { seq: e.frame.seq, text: e.text, binary: e.binary };
          clean &&= what === 'deliver';
          if (what !== 'drop' && what !== 'hold') {
            deliver(f);
          }
          if (what === 'duplicate') {
            deliver(f);
          }
          if (held) {
            deliver(held);
            held = undefined;
          }
          if (what === 'hold') {
            held = f;
          }
        }
        if (clean) {
          // A perfect channel: every frame applies, nothing is ever missing.
          expect(text.needKeyframe).toBe(s.steps.length === 0);
          expect(text.seq).toBe(s.steps.length - 1);
        }
        // Resync: whatever happened, a requested keyframe brings both decoders back within the bound.
        encoder.requestKeyframe();
        const last = snapshot(truths.get(encoder.nextSeq - 1) ?? new Map());
        const e = encoder.next(last);
        truths.set(e.frame.seq, last);
        expect(text.receive(e.text).status).toBe('applied');
        expect(binary.receive(e.binary).status).toBe('applied');
        expect(text.needKeyframe).toBe(false);
        checkBound(text.profile(), last, q / 2, q);
        expect(binary.profile()).toEqual(text.profile());
      }),
      { numRuns: 80 }
    );
  });

  it('text and binary carry the same frames: each re-encodes to itself and converts into the other', () => {
    const sorted = (f: Frame): Frame => {
      const by = (a: { host: string; indicator: string }, b: { host: string; indicator: string }) =>
        a.host === b.host ? (a.indicator < b.indicator ? -1 : 1) : a.host < b.host ? -1 : 1;
      return {
        ...f,
        set: [...f.set].sort(by),
        delta: [...f.delta].sort(by),
        baseline: [...f.baseline].sort(by),
        remove: [...f.remove].sort(by),
      };
    };
    fc.assert(
      fc.property(scenario, (s) => {
        const encoder = new DeltaEncoder(s.options);
        const dictionary = new SeriesDictionary();
        const values = new Map<number, number>();
        for (const [moves] of s.steps) {
          const profile: Profile = new Map();
          moves.forEach((move, i) => {
            const h = Math.floor(i / INDICATORS.length);
            if (move === null || h >= s.hosts || i % INDICATORS.length >= s.indicators) {
              values.delete(i);
              return;
            }
            const hn = (values.get(i) ?? 0.5) + move;
            values.set(i, hn);
            const indicators = profile.get(HOSTS[h]) ?? new Map();
            // Some series carry a baseline that moves with `Hn`, so baseline entries are on the wire too.
            indicators.set(
              INDICATORS[i % INDICATORS.length],
              i % 3 === 0 ? { hn, mean: 0.4 + hn / 3, std: 0.05 } : { hn }
            );
            profile.set(HOSTS[h], indicators);
          });
          const e = encoder.next(profile);
          const q = e.frame.quantum;
          const fromText = decodeText(e.text, DEFAULT_DELTA_LIMITS, q);
          const fromBinary = decodeBinary(e.binary, DEFAULT_DELTA_LIMITS, dictionary, q);
          expect(sorted(fromBinary)).toEqual(sorted(fromText));
          expect(sorted(fromText)).toEqual(sorted(e.frame));
          // Re-encoding gives back the very bytes and characters; text → binary gives the encoder's bytes (binary
          // lists changes by series id, text by host, so binary → text is the same frame up to order).
          expect(encodeText(fromText)).toBe(e.text);
          expect(encodeBinary(fromBinary, dictionary)).toEqual(e.binary);
          expect(encodeBinary(fromText, dictionary)).toEqual(e.binary);
          expect(sorted(decodeText(encodeText(fromBinary), DEFAULT_DELTA_LIMITS, q))).toEqual(sorted(fromText));
          dictionary.apply(fromBinary);
        }
      }),
      { numRuns: 60 }
    );
  });
});
