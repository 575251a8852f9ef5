import fc from 'fast-check';
import { parseConfig } from './config';
import { HostSeries } from './host-series';
import { EngineSeries } from './series';

const indicators = parseConfig(
  'indicators: [{ name: a, selector: a }, { name: b, selector: b }, { name: c, selector: c }]',
  {},
  { env: {} }
).indicators;

describe('HostSeries', () => {
  it('behaves as a Map from indicator name to series (naive reference: a Map)', () => {
    const op = fc.tuple(fc.constantFrom('set', 'delete', 'get'), fc.integer({ min: 0, max: 2 }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const slots = new HostSeries();
        const map = new Map<string, EngineSeries>();
        for (const [kind, i] of ops) {
          const name = indicators[i].name;
          if (kind === 'set') {
            const s = new EngineSeries(indicators[i], 'h', 0);
            slots.set(name, s);
            map.set(name, s);
          } else if (kind === 'delete') {
            expect(slots.delete(name)).toBe(map.delete(name));
          } else {
            expect(slots.get(name)).toBe(map.get(name));
            expect(slots.has(name)).toBe(map.has(name));
          }
          expect(slots.size).toBe(map.size);
          expect([...slots]).toEqual([...map]);
          expect([...slots.keys()]).toEqual([...map.keys()]);
          expect([...slots.values()]).toEqual([...map.values()]);
          expect(slots.list()).toEqual([...map.values()]);
        }
      })
    );
  });

  it('lets an iteration delete the entry it is on, as a Map does', () => {
    const slots = new HostSeries();
    indicators.forEach((ind) => slots.set(ind.name, new EngineSeries(ind, 'h', 0)));
    const seen: string[] = [];
    for (const [name] of slots) {
      seen.push(name);
      slots.delete(name);
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(slots.size).toBe(0);
  });

  it('refuses a series under another indicator name', () => {
    expect(() => new HostSeries().set('b', new EngineSeries(indicators[0], 'h', 0))).toThrow(/under b/);
  });
});
