/**
 * The engine's whole `/metrics` body as the real `promtool check metrics` reads it: it parses, and the only
 * lint is the one the metric names bring (`health_entropy_bits` is in bits, not bytes); and every value
 * a parser reads back equals the engine's own number to 1e-9.
 */
import { spawnSync } from 'node:child_process';
import pino from 'pino';
import { parseConfig } from '../../src/engine/config';
import { Engine } from '../../src/engine/engine';
import { PROMTOOL_BIN } from '../helpers/processes';

jest.setTimeout(60_000);

const CONFIG = `
listen: 127.0.0.1:0
interval: 1s
defaults: { window: 8, baseline: { warmup: 4 } }
indicators:
  - { name: load, selector: 'up', detector: {} }
  - { name: lat, selector: 'lat' }
`;
// Quotes, backslashes, a newline and non-ASCII in host names: all escaped or encoded in the labels.
const HOSTS = ['a:9100', 'b "quoted" \\ back\nline', 'hôte-ünï'];

function unescape(label: string): string {
  return label.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

describe('/metrics', () => {
  it('passes promtool check metrics, and its values read back as the engine computed them', async () => {
    const e = new Engine(parseConfig(CONFIG, {}, { env: {} }), pino({ level: 'silent' }));
    const [load, lat] = [...e.state.indicators.values()];
    const now = Date.now();
    for (let k = 0; k < 60; k++) {
      for (const [i, host] of HOSTS.entries()) {
        e.state.ingest(load, host, k * 15_000, ((k * (i + 1)) % 5) / 5, now);
        // Small and large magnitudes: a trend per second of 1e-7, values far from [0, 1].
        e.state.ingest(lat, host, k * 15_000, i === 2 ? 1e-9 * k * k : (k % 7) * 123.456, now);
      }
      if (k % 10 === 9) {
        e.state.evaluate(k * 15_000);
      }
    }
    const body = (await e.server.inject('/metrics')).body;

    const check = spawnSync(PROMTOOL_BIN, ['check', 'metrics'], { input: body, encoding: 'utf8' });
    const problems = check.stdout
      .split('\n')
      .concat(check.stderr.split('\n'))
      .filter((l) => l.trim() !== '');
    expect(problems).toEqual(['health_entropy_bits use base unit "bytes" instead of "bits"']);

    let checked = 0;
    for (const line of body.split('\n')) {
      const m = /^(health_entropy\w*)\{host="((?:[^"\\]|\\.)*)",indicator="(\w+)"\} (\S+)$/.exec(line);
      if (!m) {
        continue;
      }
      const [, name, host, indicator, text] = m;
      const s = e.state.hosts.get(unescape(host))!.series.get(indicator)!;
      const p = s.current!;
      const expected: Record<string, number> = {
        health_entropy: s.entropy,
        health_entropy_bits: s.pipeline.estimator.bits,
        health_entropy_baseline: p.baseline,
        health_entropy_deviation: p.deviation,
        health_entropy_z: p.z,
        health_entropy_trend: p.trend,
        health_entropy_surprisal: p.detector?.statistic ?? NaN,
        health_entropy_anomaly_score: p.detector?.score ?? NaN,
      };
      const v = expected[name];
      expect(Math.abs(Number(text) - v)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)));
      checked++;
    }
    // The six entropy families of every series at least (the detector's appear once it is warm).
    expect(checked).toBeGreaterThanOrEqual(HOSTS.length * 2 * 6);
  });
});
