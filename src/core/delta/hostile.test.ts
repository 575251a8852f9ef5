/**
 * Hostile input: random and mutated frames never throw out of the decoder, never leave it half-applied, and
 * the real frame still applies afterwards (a bad frame loses nothing).
 */
import fc from 'fast-check';
import { BINARY_VERSION } from './binary';
import { DeltaDecoder } from './decoder';
import { DeltaEncoder, EncodedFrame } from './encoder';
import { Profile } from './frame';
import { ByteWriter } from './varint';

function profile(shift: number): Profile {
  return new Map([
    [
      'db-1',
      new Map([
        ['cpu', { hn: 0.5 + shift, mean: 0.5, std: 0.02 }],
        ['memory', { hn: 0.3 - shift }],
      ]),
    ],
    ['web 2', new Map([['cpu', { hn: 0.9 }]])],
  ]);
}

/** A decoder that holds a keyframe, and the next (delta) frame it expects. */
function inSync(): { decoder: DeltaDecoder; next: EncodedFrame; text: DeltaDecoder } {
  const encoder = new DeltaEncoder({ deadband: 0.01, epoch: 0 });
  const key = encoder.next(profile(0));
  const next = encoder.next(
    new Map([
      ['db-1', new Map([['cpu', { hn: 0.6 }]])],
      ['db-3', new Map([['disk', { hn: 0.1, mean: 0.1, std: 0.01 }]])],
    ])
  );
  const decoder = new DeltaDecoder();
  const text = new DeltaDecoder();
  expect(decoder.receive(key.binary).status).toBe('applied');
  expect(text.receive(key.text).status).toBe('applied');
  return { decoder, next, text };
}

function bytes(...parts: Array<(w: ByteWriter) => void>): Uint8Array {
  const w = new ByteWriter();
  parts.forEach((p) => p(w));
  return w.finish();
}

const header = (kind: number, seq: number) => (w: ByteWriter) => {
  w.byte(BINARY_VERSION);
  w.byte(kind);
  w.uvarint(0);
  w.uvarint(seq);
};

describe('hostile frames', () => {
  it('random bytes and strings give a result, never a throw', () => {
    const d = new DeltaDecoder();
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 200 })), (input) => {
        const r = d.receive(input);
        expect(['error', 'waiting', 'gap', 'duplicate', 'stale', 'applied']).toContain(r.status);
      }),
      { numRuns: 2000 }
    );
  });

  it('mutated binary and text frames are rejected or applied whole, and the real frame still applies', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), {
          minLength: 1,
          maxLength: 4,
        }),
        (useText, edits) => {
          const { decoder: bin, next, text } = inSync();
          const d = useText ? text : bin;
          const before = d.profile();
          const original = useText ? Array.from(new TextEncoder().encode(next.text)) : Array.from(next.binary);
          const mutated = [...original];
          for (const [at, value, op] of edits) {
            const i = at % (mutated.length + 1);
            if (op === 'set' && i < mutated.length) {
              mutated[i] = value;
            } else if (op === 'insert') {
              mutated.splice(i, 0, value);
            } else {
              mutated.splice(i, 1);
            }
          }
          const input = useText ? new TextDecoder().decode(Uint8Array.from(mutated)) : Uint8Array.from(mutated);
          const r = d.receive(input);
          if (r.status !== 'applied') {
            expect(d.profile()).toEqual(before);
          }
          if (r.status === 'error') {
            expect(r.error).toMatch(/\w/);
            // Nothing was lost: the genuine frame applies next.
            expect(d.receive(useText ? next.text : next.binary).status).toBe('applied');
          }
        }
      ),
      { numRuns: 1000 }
    );
  });

  it('every truncation of a binary frame is an error that changes nothing', () => {
    const { decoder, next } = inSync();
    const before = decoder.profile();
    for (let n = 0; n < next.binary.length; n++) {
      const r = decoder.receive(next.binary.subarray(0, n));
      expect(r.status).toBe('error');
      expect(decoder.profile()).toEqual(before);
    }
    expect(decoder.receive(next.binary).status).toBe('applied');
  });

  it.each<[string, Uint8Array, RegExp]>([
    ['an unknown version', Uint8Array.from([2, 1, 0, 0]), /unknown binary frame version 2/],
    ['an unknown kind', Uint8Array.from([BINARY_VERSION, 7, 0, 0]), /unknown frame kind 7/],
    ['a NaN quantum', bytes(header(1, 5), (w) => w.float64(NaN)), /quantum NaN is outside/],
    ['an infinite quantum', bytes(header(1, 5), (w) => w.float64(Infinity)), /quantum Infinity/],
    [
      'a huge name count',
      bytes(
        header(1, 5),
        (w) => w.float64(0.001),
        (w) => w.uvarint(2 ** 40)
      ),
      /name count at byte \d+ is 1099511627776, more than the limit/,
    ],
    [
      'a huge name length',
      bytes(
        header(1, 5),
        (w) => w.float64(0.001),
        (w) => w.uvarint(1),
        (w) => w.uvarint(2 ** 30)
      ),
      /length of name 0 .* more than the limit 256/,
    ],
    [
      'a huge series count',
      bytes(
        header(1, 5),
        (w) => w.float64(0.001),
        (w) => w.uvarint(0),
        (w) => w.uvarint(2 ** 52)
      ),
      /series count .* more than the limit 100000/,
    ],
    [
      'invalid UTF-8 in a name',
      bytes(
        header(1, 5),
        (w) => w.float64(0.001),
        (w) => w.uvarint(1),
        (w) => w.uvarint(2),
        (w) => w.bytes(Uint8Array.from([0xc3, 0x28]))
      ),
      /name 0 is not valid UTF-8/,
    ],
    [
      'a name index past the table',
      bytes(
        header(1, 5),
        (w) => w.float64(0.001),
        (w) => w.uvarint(0),
        (w) => w.uvarint(1),
        (w) => w.uvarint(3)
      ),
      /host index 3 is past the 0 names/,
    ],
    [
      'a bad varint',
      Uint8Array.from([BINARY_VERSION, 1, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]),
      /longer than 8 bytes/,
    ],
    [
      'trailing bytes',
      bytes(
        header(1, 5),
        (w) => w.float64(0.001),
        (w) => w.uvarint(0),
        (w) => w.uvarint(0),
        (w) => w.byte(9)
      ),
      /1 unexpected bytes/,
    ],
    [
      'a delta for an unknown series id',
      bytes(
        header(0, 1),
        (w) => w.uvarint(0),
        (w) => w.uvarint(0),
        (w) => w.uvarint(1),
        (w) => w.uvarint(40)
      ),
      /series id 40 is not in/,
    ],
  ])('rejects %s with a clear error', (_, input, message) => {
    const { decoder } = inSync();
    const r = decoder.receive(input);
    expect(r.status).toBe('error');
    expect(r.error).toMatch(message);
  });

  it('rejects frames that contradict the stream state', () => {
    const { text } = inSync();
    const cases: Array<[string, RegExp]> = [
      ['D seq=1 epoch=0\nhost=nope cpu:+0.010', /changes nope\/cpu, which this stream does not hold/],
      ['D seq=1 epoch=0\nhost=db-1 -disk', /removes db-1\/disk/],
      ['D seq=1 epoch=0\nhost=db-1 cpu=0.100', /adds db-1\/cpu, which this stream already holds/],
      ['D seq=1 epoch=0\nhost=db-1 cpu:+0.010 cpu:+0.010', /appears twice/],
      ['K seq=1 epoch=0 q=0.001\nhost=a x=0.1 x=0.2', /appears twice/],
    ];
    for (const [frame, message] of cases) {
      const r = text.receive(frame);
      expect(r.status).toBe('error');
      expect(r.error).toMatch(message);
    }
    expect(text.seq).toBe(0);
  });

  it('caps the series a peer can make this side hold', () => {
    const decoder = new DeltaDecoder({ maxSeries: 2 });
    const r = decoder.receive('K seq=0 epoch=0 q=0.001\nhost=a x=0.1 y=0.2 z=0.3');
    expect(r.status).toBe('error');
    expect(r.error).toMatch(/more than 2 entries|past 2 series/);
  });
});
