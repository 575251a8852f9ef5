import { parseSelector, selects } from './selector';

const labels = (o: Record<string, string>) => new Map(Object.entries(o));

describe('series selectors', () => {
  it.each([
    ['up', { __name__: 'up', job: 'x' }, true],
    ['up', { __name__: 'upx' }, false],
    ['up{job="node"}', { __name__: 'up', job: 'node' }, true],
    ['up{job="node"}', { __name__: 'up', job: 'nodes' }, false],
    ['up{job!="node"}', { __name__: 'up' }, true],
    ['up{job=~"no.*"}', { __name__: 'up', job: 'node' }, true],
    ['up{job=~"no"}', { __name__: 'up', job: 'node' }, false], // anchored
    ['up{job!~"no.*", instance=~".+"}', { __name__: 'up', job: 'x', instance: 'a' }, true],
    ['{__name__=~"node_.*", job="n"}', { __name__: 'node_load1', job: 'n' }, true],
    ["up{job='single'}", { __name__: 'up', job: 'single' }, true],
    ['up{path="a\\"b\\\\c\\n"}', { __name__: 'up', path: 'a"b\\c\n' }, true],
    ['up{ job = "n" , }', { __name__: 'up', job: 'n' }, true],
    ['up{missing=""}', { __name__: 'up' }, true],
  ])('%s selects %p: %p', (text, l, expected) => {
    expect(selects(parseSelector(text), labels(l))).toBe(expected);
  });

  it.each([
    ['', /needs a metric name/],
    ['{}', /needs a metric name/],
    ['{job=~".*"}', /does not match the empty string/],
    ['up{', /expected a label name/],
    ['up{job}', /expected =, !=/],
    ['up{job=node}', /quoted value/],
    ['up{job="a" instance="b"}', /expected , or }/],
    ['up{job=~"("}', /invalid regular expression/],
    ['rate(up[5m])', /unexpected/],
    ['up or down', /unexpected/],
  ])('rejects %p', (text, message) => {
    expect(() => parseSelector(text)).toThrow(message);
  });
});
