import { DEFAULT_DELTA_LIMITS, Frame, SeriesDictionary } from './frame';
import { decimalsFor, decodeText, encodeText, peekText } from './text';
import { decodeBinary, encodeBinary } from './binary';

const limits = DEFAULT_DELTA_LIMITS;

function frame(partial: Partial<Frame>): Frame {
  return {
    epoch: 0,
    seq: 0,
    keyframe: false,
    quantum: 0.001,
    set: [],
    delta: [],
    baseline: [],
    remove: [],
    ...partial,
  };
}

describe('text format', () => {
  it.each<[string, Frame, string]>([
    [
      'keyframe with and without baseline',
      frame({
        keyframe: true,
        epoch: 7,
        set: [
          { host: 'db-1', indicator: 'cpu', value: 512, mean: 500, std: 20 },
          { host: 'db-1', indicator: 'memory', value: 300 },
        ],
      }),
      'K seq=0 epoch=7 q=0.001\nhost=db-1 cpu=0.512/0.500/0.020 memory=0.300',
    ],
    [
      'delta frame as in the issue',
      frame({
        seq: 12,
        delta: [
          { host: 'db-1', indicator: 'cpu', delta: 50 },
          { host: 'db-1', indicator: 'memory', delta: -10 },
        ],
      }),
      'D seq=12 epoch=0\nhost=db-1 cpu:+0.050 memory:-0.010',
    ],
    [
      'new, changed and removed series of two hosts',
      frame({
        seq: 3,
        set: [{ host: 'db-2', indicator: 'net', value: 250 }],
        delta: [{ host: 'db-1', indicator: 'cpu', delta: 1 }],
        // Listed in the order text groups them (by host, first appearance), so the round trip is exact.
        remove: [
          { host: 'db-2', indicator: 'cpu' },
          { host: 'db-1', indicator: 'disk' },
        ],
      }),
      'D seq=3 epoch=0\nhost=db-2 net=0.250 -cpu\nhost=db-1 cpu:+0.001 -disk',
    ],
    [
      'baselines replaced and cleared',
      frame({
        seq: 4,
        delta: [{ host: 'db-1', indicator: 'cpu', delta: -2 }],
        baseline: [
          { host: 'db-1', indicator: 'cpu', mean: 510, std: 21 },
          { host: 'db-1', indicator: 'memory' },
        ],
      }),
      'D seq=4 epoch=0\nhost=db-1 cpu:-0.002 cpu@0.510/0.021 memory@none',
    ],
    ['an empty delta frame is its header', frame({ seq: 9 }), 'D seq=9 epoch=0'],
    [
      'odd names are percent-encoded',
      frame({
        seq: 1,
        set: [
          { host: 'web 1=a:b/c', indicator: '-neg', value: -5 },
          { host: 'ünï', indicator: 'a%b', value: 0 },
        ],
      }),
      'D seq=1 epoch=0\nhost=web%201%3Da%3Ab%2Fc %2Dneg=-0.005\nhost=%C3%BCn%C3%AF a%25b=0.000',
    ],
    [
      'a quantum that is not a power of ten',
      frame({ keyframe: true, quantum: 0.25, set: [{ host: 'h', indicator: 'i', value: 3 }] }),
      'K seq=0 epoch=0 q=0.25\nhost=h i=0.75',
    ],
  ])('%s', (_, f, text) => {
    expect(encodeText(f)).toBe(text);
    const back = decodeText(text, limits, f.quantum);
    expect(back).toEqual(f);
  });

  it.each([
    [0.001, 3],
    [0.25, 2],
    [1, 0],
    [5, 0],
    [1e-12, 12],
  ])('q=%d is written with %d decimals', (q, d) => {
    expect(decimalsFor(q)).toBe(d);
  });

  it('a q that has no finite decimal form reads back to the same quanta', () => {
    const q = 1 / 3;
    const f = frame({
      keyframe: true,
      quantum: q,
      set: [{ host: 'h', indicator: 'i', value: 1_000_001, mean: -7, std: 2 }],
    });
    expect(decodeText(encodeText(f), limits)).toEqual(f);
  });

  it.each([
    ['an unknown header', 'X seq=1 epoch=0', /bad text frame header/],
    ['a keyframe without q', 'K seq=1 epoch=0', /bad text frame header|q= belongs/],
    ['q on a delta frame', 'D seq=1 epoch=0 q=0.001', /q= belongs on keyframes/],
    ['a q of zero', 'K seq=1 epoch=0 q=0', /outside/],
    ['a leading zero seq', 'D seq=01 epoch=0', /bad text frame header/],
    ['a seq past 2^53', 'D seq=9999999999999999 epoch=0', /out of range/],
    ['an epoch past 2^32', 'D seq=1 epoch=9999999999', /out of range/],
    ['a line without host=', 'D seq=1 epoch=0\ncpu:+0.001', /expected "host=NAME/],
    ['a host without items', 'D seq=1 epoch=0\nhost=a', /expected "host=NAME/],
    ['an unescaped space', 'D seq=1 epoch=0\nhost=a  cpu:+0.001', /expected name=value/],
    ['raw unicode', 'D seq=1 epoch=0\nhost=ü cpu:+0.001', /must be percent-encoded/],
    ['bad percent-encoding', 'D seq=1 epoch=0\nhost=%E0%A4 cpu:+0.001', /bad percent-encoding/],
    ['an encoded lone surrogate', 'D seq=1 epoch=0\nhost=%ED%A0%80 cpu:+0.001', /bad percent-encoding/],
    ['a delta without sign', 'D seq=1 epoch=0\nhost=a cpu:0.001', /expected name=value/],
    ['NaN', 'D seq=1 epoch=0\nhost=a cpu=NaN', /expected name=value/],
    ['Infinity', 'D seq=1 epoch=0\nhost=a cpu:+Infinity', /expected name=value/],
    ['an exponent', 'D seq=1 epoch=0\nhost=a cpu=1e3', /expected name=value/],
    ['a value off the grid', 'D seq=1 epoch=0\nhost=a cpu=0.0005', /not a multiple of q/],
    ['a huge value', 'D seq=1 epoch=0\nhost=a cpu=9999999999999999999', /out of range/],
    ['a baseline with only a mean', 'D seq=1 epoch=0\nhost=a cpu=0.1/0.2', /expected name=value/],
    ['a change in a keyframe', 'K seq=1 epoch=0 q=0.001\nhost=a cpu:+0.001', /only set series/],
    ['a baseline in a keyframe', 'K seq=1 epoch=0 q=0.001\nhost=a cpu@0.1/0.2', /only set series/],
    ['a baseline with one number', 'D seq=1 epoch=0\nhost=a cpu@0.1', /expected name=value/],
    ['a trailing newline', 'D seq=1 epoch=0\n', /expected "host=NAME/],
    ['an empty name', 'D seq=1 epoch=0\nhost= cpu=0.1', /must be percent-encoded|is empty/],
  ])('rejects %s', (_, text, message) => {
    expect(() => decodeText(text, limits, 0.001)).toThrow(message);
  });

  it('rejects a frame over the size limit and too many entries', () => {
    const small = { ...limits, maxFrameBytes: 20, maxSeries: 2 };
    expect(() => decodeText('D seq=1 epoch=0\nhost=abc x=0.001', small, 0.001)).toThrow(/over the limit 20/);
    expect(() => decodeText('D seq=1 epoch=0\nhost=a x=0.001 y=0 z=0', { ...limits, maxSeries: 2 }, 0.001)).toThrow(
      /more than 2 entries/
    );
  });

  it('peeks the header without reading the body', () => {
    expect(peekText('K seq=4 epoch=2 q=0.5\nhost=%%% garbage')).toEqual({
      keyframe: true,
      seq: 4,
      epoch: 2,
      quantum: 0.5,
    });
  });

  it('binary carries the same frames', () => {
    const f = frame({
      keyframe: true,
      set: [
        { host: 'db-1', indicator: 'cpu', value: 512, mean: 500, std: 20 },
        { host: 'db 2', indicator: 'cpu', value: -3 },
      ],
    });
    expect(decodeBinary(encodeBinary(f, new SeriesDictionary()), limits, new SeriesDictionary())).toEqual(f);
  });
});

describe('text limits', () => {
  it('refuses a frame of separators before splitting it', () => {
    const text = 'D seq=1 epoch=0\nhost=a' + ' '.repeat(50);
    expect(() => decodeText(text, { ...limits, maxSeries: 10 }, 0.001)).toThrow(/more than 10 entries/);
  });
});
