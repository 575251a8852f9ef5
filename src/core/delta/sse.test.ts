import fc from 'fast-check';
import { DeltaDecoder } from './decoder';
import { DeltaEncoder } from './encoder';
import { Profile } from './frame';
import { formatSseEvent, SSE_HEARTBEAT, SseParser } from './sse';
import { FrameError } from './varint';

function profile(shift: number): Profile {
  return new Map([
    [
      'db 1',
      new Map([
        ['cpu', { hn: 0.5 + shift, mean: 0.5, std: 0.02 }],
        ['memory', { hn: 0.3 - shift }],
      ]),
    ],
    ['web:2', new Map([['cpu', { hn: 0.9 - shift }]])],
  ]);
}

/** Splits `s` at the given cut points (sorted, deduplicated, inside the string). */
function cut(s: string, points: number[]): string[] {
  const at = [...new Set(points.map((p) => p % (s.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let last = 0;
  for (const p of at) {
    out.push(s.slice(last, p));
    last = p;
  }
  out.push(s.slice(last));
  return out;
}

describe('SSE framing of text frames', () => {
  it('formats one event per frame: id, one data line per frame line, a blank line', () => {
    expect(formatSseEvent('K seq=0 epoch=7 q=0.001\nhost=a cpu=0.500', '7.0')).toBe(
      'id: 7.0\ndata: K seq=0 epoch=7 q=0.001\ndata: host=a cpu=0.500\n\n'
    );
    expect(formatSseEvent('D seq=1 epoch=7')).toBe('data: D seq=1 epoch=7\n\n');
  });

  it('reads back the exact frames of a real encoder, however the bytes are chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        (shifts, points, eol) => {
          const encoder = new DeltaEncoder({ epoch: 3, keyframeEvery: 4 });
          const frames = shifts.map((s) => encoder.next(profile(s)));
          let wire = SSE_HEARTBEAT;
          for (const f of frames) {
            wire += formatSseEvent(f.text, `3.${f.frame.seq}`) + SSE_HEARTBEAT;
          }
          wire = wire.replace(/\n/g, eol);
          const parser = new SseParser();
          const events = cut(wire, points).flatMap((c) => parser.push(c));
          expect(events.map((e) => e.data)).toEqual(frames.map((f) => f.text));
          expect(events.map((e) => e.id)).toEqual(frames.map((f) => `3.${f.frame.seq}`));
          const decoder = new DeltaDecoder();
          for (const e of events) {
            expect(decoder.receive(e.data).status).toBe('applied');
          }
          const last = shifts[shifts.length - 1];
          const got = decoder.profile().get('db 1')!.get('cpu')!.hn;
          expect(Math.abs(got - (0.5 + last))).toBeLessThanOrEqual(0.01 + 0.0005 + 1e-12);
        }
      ),
      { numRuns: 200 }
    );
  });

  it('follows the WHATWG rules: BOM, comments, fields without a space, event names, retry, ids that persist', () => {
    const p = new SseParser();
    const events = p.push(
      '\uFEFF: hello\nretry: 2500\nevent: frame\ndata:a\ndata: b\nid: 1\n\ndata: c\n\nid\ndata: d\n\n'
    );
    expect(events).toEqual([
      { event: 'frame', data: 'a\nb', id: '1' },
      { event: 'message', data: 'c', id: '1' },
      { event: 'message', data: 'd', id: '' },
    ]);
    expect(p.retryMs).toBe(2500);
    // An event without data dispatches nothing; a trailing partial event waits for its blank line.
    expect(p.push('event: x\n\ndata: e')).toEqual([]);
    expect(p.push('\n\n')).toEqual([{ event: 'message', data: 'e', id: '' }]);
  });

  it('refuses an event larger than its bound instead of buffering it', () => {
    const p = new SseParser(100);
    expect(() => p.push(`data: ${'x'.repeat(60)}\ndata: ${'y'.repeat(60)}`)).toThrow(FrameError);
    const q = new SseParser(100);
    expect(() => {
      for (let i = 0; i < 20; i++) {
        q.push('z'.repeat(10));
      }
    }).toThrow(/larger than 100 characters/);
  });
});
