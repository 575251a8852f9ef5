import { DEFAULT_ENTROPY_OPTIONS, EntropyOptions, OptionError, resolveEntropyOptions } from './options';

describe('resolveEntropyOptions', () => {
  it('fills defaults', () => {
    expect(resolveEntropyOptions({})).toEqual(DEFAULT_ENTROPY_OPTIONS);
    expect(resolveEntropyOptions({ window: 10 }).minFill).toBe(10);
  });

  it.each<[EntropyOptions, string, RegExp]>([
    [{ window: 0 }, 'window', /window must be an integer from 2 to 100000, got 0/],
    [{ window: 1.5 }, 'window', /got 1.5/],
    [{ window: NaN }, 'window', /got NaN/],
    [{ window: 1e9 }, 'window', /from 2 to 100000/],
    [{ window: '60' as unknown as number }, 'window', /got "60"/],
    [{ bins: 1 }, 'bins', /bins must be an integer from 2 to 65536, got 1/],
    [{ lo: 1, hi: 1 }, 'hi', /hi must be greater than lo \(1\), got 1/],
    [{ lo: Infinity }, 'lo', /lo must be a finite number, got Infinity/],
    [{ binning: 'width', width: 0 }, 'width', /width must be a finite number greater than 0, got 0/],
    [{ binning: 'log' as never }, 'binning', /binning must be one of fixed, adaptive, width, got "log"/],
    [{ estimator: 'renyi' as never }, 'estimator', /estimator must be one of shannon, permutation/],
    [{ estimator: 'permutation', order: 2 }, 'order', /order must be an integer from 3 to 7, got 2/],
    [{ estimator: 'permutation', order: 8 }, 'order', /got 8/],
    [{ estimator: 'permutation', delay: 0 }, 'delay', /delay must be an integer from 1/],
    [
      { estimator: 'permutation', window: 10, order: 5, delay: 3 },
      'delay',
      /must hold at least one pattern: .* = 13 samples/,
    ],
    [
      { estimator: 'permutation', window: 10, order: 3, minFill: 2 },
      'minFill',
      /minFill must be an integer from 3 to 10, got 2/,
    ],
    [{ window: 10, minFill: 11 }, 'minFill', /from 1 to 10, got 11/],
    [{ maxAgeMs: -5 }, 'maxAgeMs', /maxAgeMs must be a finite number greater than 0, got -5/],
    [{ windw: 5 } as EntropyOptions, 'windw', /windw is not an entropy option/],
  ])('rejects %j naming %s', (input, field, message) => {
    let error: unknown;
    try {
      resolveEntropyOptions(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).field).toBe(field);
    expect((error as OptionError).message).toMatch(message);
  });

  it('prefixes field names for config loaders', () => {
    expect(() => resolveEntropyOptions({ window: -1 }, 'indicators[2].')).toThrow(
      /^indicators\[2\]\.window must be an integer/
    );
  });

  it.each([null, 5, 'x'])('rejects a non-object %p', (input) => {
    expect(() => resolveEntropyOptions(input as unknown as EntropyOptions)).toThrow(/options must be an object/);
  });

  it('shortens a huge string in the message', () => {
    const huge = 'x'.repeat(1_000_000);
    let message = '';
    try {
      resolveEntropyOptions({ binning: huge as never });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.length).toBeLessThan(200);
  });
});
