import { parse } from 'yaml';
import { parseConfig } from '../engine/config';
import { engineConfigDoc, engineYaml } from './config';
import { DEMO_ENTROPY } from './scenario';

const settings = {
  prometheusUrl: 'http://127.0.0.1:9090',
  listen: '127.0.0.1:9464',
  stepMs: 500,
  storePath: '/tmp/x.db',
};

describe('the demo engine config', () => {
  it('is accepted by the engine config code, with the timeline the script is written for', () => {
    const c = parseConfig(engineYaml(settings), {}, { env: {} });
    expect(c.intervalMs).toBe(500);
    expect(c.prometheus?.url).toBe('http://127.0.0.1:9090');
    expect(c.store?.path).toBe('/tmp/x.db');
    expect(c.indicators.map((i) => i.name)).toEqual(['cpu', 'memory', 'disk', 'latency']);
    for (const i of c.indicators) {
      expect(i.hostLabel).toBe('host');
      expect(i.pipeline.entropy?.window).toBe(DEMO_ENTROPY.window);
      expect(i.pipeline.baseline?.warmup).toBe(DEMO_ENTROPY.warmup);
      expect(i.detector).toBeDefined();
    }
    expect(c.indicators.find((i) => i.name === 'latency')!.pipeline.entropy?.hi).toBe(0.5);
  });

  it('the YAML says the same as the document', () => {
    expect(parse(engineYaml(settings))).toEqual(engineConfigDoc(settings));
  });
});
