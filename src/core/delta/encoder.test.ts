import { DeltaDecoder } from './decoder';
import { DeltaEncoder } from './encoder';
import { DEFAULT_DELTA_ENCODER_OPTIONS, Profile, resolveDeltaEncoderOptions, resolveDeltaLimits } from './frame';
import { OptionError } from '../options';

function one(hn: number, host = 'db-1', indicator = 'cpu'): Profile {
  return new Map([[host, new Map([[indicator, { hn }]])]]);
}

describe('delta encoder options', () => {
  it('documents its defaults', () => {
    expect(resolveDeltaEncoderOptions({ epoch: 3 })).toEqual({ ...DEFAULT_DELTA_ENCODER_OPTIONS, epoch: 3 });
    expect(DEFAULT_DELTA_ENCODER_OPTIONS).toEqual({ deadband: 0.01, quantum: 0.001, keyframeEvery: 240 });
  });

  it('gives each encoder its own epoch by default, so a restarted sender is followed', () => {
    const epochs = new Set(Array.from({ length: 20 }, () => new DeltaEncoder().options.epoch));
    expect(epochs.size).toBeGreaterThan(1);
    const d = new DeltaDecoder();
    for (let life = 0; life < 3; life++) {
      // Each life starts again at seq 0; the decoder must apply it, not call it stale.
      expect(d.receive(new DeltaEncoder().next(one(0.1 * life)).binary).status).toBe('applied');
    }
  });

  it.each<[object, string, RegExp]>([
    [{ deadband: -0.1 }, 'deadband', /deadband must be 0 or more/],
    [{ deadband: NaN }, 'deadband', /deadband must be a finite number/],
    [{ quantum: 0 }, 'quantum', /quantum must be a finite number greater than 0/],
    [{ quantum: 1e-13 }, 'quantum', /quantum must be from 1e-12 to 1000000/],
    [{ keyframeEvery: 0 }, 'keyframeEvery', /keyframeEvery must be an integer from 1/],
    [{ keyframeEvery: 2.5 }, 'keyframeEvery', /keyframeEvery must be an integer/],
    [{ epoch: -1 }, 'epoch', /epoch must be an integer from 0 to 4294967295/],
    [{ deadbnd: 1 }, 'deadbnd', /deadbnd is not a delta encoder option/],
  ])('rejects %j naming %s', (input, field, message) => {
    expect(() => resolveDeltaEncoderOptions(input)).toThrow(message);
    try {
      resolveDeltaEncoderOptions(input, 'upstream.');
    } catch (e) {
      expect(e).toBeInstanceOf(OptionError);
      expect((e as OptionError).field).toBe(`upstream.${field}`);
    }
  });

  it.each<[object, string]>([
    [{ maxSeries: 0 }, 'maxSeries'],
    [{ maxFrameBytes: 1 }, 'maxFrameBytes'],
    [{ maxNameBytes: 1e9 }, 'maxNameBytes'],
  ])('rejects decoder limits %j naming %s', (input, field) => {
    expect(() => resolveDeltaLimits(input)).toThrow(new RegExp(`^${field} must be an integer`));
  });
});

describe('delta encoder', () => {
  it.each([
    // [deadband, quantum, values, frames sent as text after the keyframe]
    [0.01, 0.001, [0.5, 0.505, 0.509, 0.511], ['', '', 'host=db-1 cpu:+0.011']],
    [0.01, 0.001, [0.5, 0.495, 0.49, 0.4899], ['', 'host=db-1 cpu:-0.010', '']],
    // Compared with what the receiver holds, so slow drift is sent once it adds up to ε.
    [0.05, 0.01, [0.5, 0.53, 0.56, 0.59], ['', 'host=db-1 cpu:+0.06', '']],
    // ε = 0: every change of at least one quantum is sent; smaller ones are not.
    [0, 0.01, [0.5, 0.5004, 0.52], ['', 'host=db-1 cpu:+0.02']],
  ])('ε=%d q=%d: %j', (deadband, quantum, values, expected) => {
    const encoder = new DeltaEncoder({ deadband, quantum });
    encoder.next(one(values[0]));
    const lines = values.slice(1).map((v) => encoder.next(one(v)).text.split('\n').slice(1).join('\n'));
    expect(lines).toEqual(expected);
  });

  it('sends a baseline when its warm-up ends, when μ or σ moves by ε, and when it is cleared', () => {
    const encoder = new DeltaEncoder({ deadband: 0.01, epoch: 0 });
    const base = (mean?: number, std?: number): Profile =>
      new Map([['db-1', new Map([['cpu', mean === undefined ? { hn: 0.5 } : { hn: 0.5, mean, std }]])]]);
    const lines = [base(), base(0.5, 0.02), base(0.505, 0.025), base(0.505, 0.031), base()].map(
      (p) => encoder.next(p).text.split('\n')[1] ?? ''
    );
    expect(lines).toEqual([
      'host=db-1 cpu=0.500',
      'host=db-1 cpu@0.500/0.020',
      '',
      'host=db-1 cpu@0.505/0.031',
      'host=db-1 cpu@none',
    ]);
  });

  it('sends a keyframe first, every K frames and on request', () => {
    const encoder = new DeltaEncoder({ keyframeEvery: 3 });
    const kinds = () => (encoder.next(one(0.5)).frame.keyframe ? 'K' : 'D');
    const seen = [kinds(), kinds(), kinds(), kinds(), kinds()];
    encoder.requestKeyframe();
    seen.push(kinds(), kinds());
    expect(seen.join('')).toBe('KDDKDKD');
  });

  it('removes series and hosts that disappeared, and adds new ones with their baseline', () => {
    const encoder = new DeltaEncoder({ epoch: 0 });
    encoder.next(
      new Map([
        [
          'a',
          new Map([
            ['cpu', { hn: 0.1 }],
            ['mem', { hn: 0.2 }],
          ]),
        ],
        ['b', new Map([['cpu', { hn: 0.3 }]])],
      ])
    );
    const e = encoder.next(
      new Map([
        [
          'a',
          new Map([
            ['mem', { hn: 0.2 }],
            ['disk', { hn: 0.4, mean: 0.35, std: 0.05 }],
          ]),
        ],
      ])
    );
    expect(e.text).toBe('D seq=1 epoch=0\nhost=a disk=0.400/0.350/0.050 -cpu\nhost=b -cpu');
  });

  it.each<[string, Profile, RegExp]>([
    ['NaN', one(NaN), /profile\["db-1"\]\["cpu"\]\.hn must be a finite number, got NaN/],
    ['too large for q', one(1e12), /hn = 1000000000000 is too large for quantum 0.001/],
    ['an empty host', one(0.5, ''), /host name "" is empty/],
    ['a lone surrogate', one(0.5, 'db', '\uD800x'), /lone surrogate/],
    ['a mean without std', new Map([['h', new Map([['i', { hn: 0.5, mean: 0.4 }]])]]), /\.std must be a finite number/],
  ])('rejects %s and keeps its state', (_, bad, message) => {
    const encoder = new DeltaEncoder();
    const decoder = new DeltaDecoder();
    expect(decoder.receive(encoder.next(one(0.5)).binary).status).toBe('applied');
    expect(() => encoder.next(bad)).toThrow(message);
    // The failed call consumed no seq: the receiver sees no gap.
    expect(decoder.receive(encoder.next(one(0.7)).binary).status).toBe('applied');
    expect(decoder.profile().get('db-1')!.get('cpu')!.hn).toBeCloseTo(0.7, 12);
  });
});

describe('delta decoder sequence rules', () => {
  it('ignores duplicates and stale frames, stops on a gap and resyncs on the next keyframe', () => {
    const encoder = new DeltaEncoder({ keyframeEvery: 1000, deadband: 0 });
    const frames = [0.1, 0.2, 0.3, 0.4, 0.5].map((v) => encoder.next(one(v)).text);
    const d = new DeltaDecoder();
    expect(d.receive(frames[1])).toEqual({ status: 'waiting', seq: 1, keyframe: false, needKeyframe: true });
    expect(d.receive(frames[0]).status).toBe('applied');
    expect(d.receive(frames[0]).status).toBe('duplicate');
    expect(d.receive(frames[1]).status).toBe('applied');
    expect(d.receive(frames[0]).status).toBe('stale');
    expect(d.receive(frames[3])).toEqual({ status: 'gap', seq: 3, keyframe: false, needKeyframe: true });
    expect(d.receive(frames[2]).status).toBe('waiting');
    expect(d.profile().get('db-1')!.get('cpu')!.hn).toBeCloseTo(0.2, 12);
    encoder.requestKeyframe();
    expect(d.receive(encoder.next(one(0.6)).text)).toEqual({
      status: 'applied',
      seq: 5,
      keyframe: true,
      needKeyframe: false,
    });
    expect(d.receive(encoder.next(one(0.7)).text).status).toBe('applied');
  });

  it('follows a restarted sender (new epoch) from its keyframe, and waits if that keyframe is lost', () => {
    const first = new DeltaEncoder({ epoch: 1 });
    const d = new DeltaDecoder();
    d.receive(first.next(one(0.1)).binary);
    d.receive(first.next(one(0.2)).binary);
    const restarted = new DeltaEncoder({ epoch: 2 });
    const key = restarted.next(one(0.9));
    expect(d.receive(restarted.next(one(0.95)).binary).status).toBe('gap');
    expect(d.needKeyframe).toBe(true);
    expect(d.receive(key.binary).status).toBe('applied');
    expect(d.profile().get('db-1')!.get('cpu')!.hn).toBeCloseTo(0.9, 12);
  });
});

describe('binary frames inside a larger buffer', () => {
  it('reads a keyframe from a view at an odd offset (as a slice of a network buffer)', () => {
    const encoder = new DeltaEncoder({ quantum: 0.25 });
    const bytes = encoder.next(one(0.75)).binary;
    const backing = new Uint8Array(bytes.length + 3);
    backing.set(bytes, 3);
    const d = new DeltaDecoder();
    expect(d.receive(backing.subarray(3)).status).toBe('applied');
    expect(d.profile().get('db-1')!.get('cpu')!.hn).toBe(0.75);
  });
});
