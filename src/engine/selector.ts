/**
 * PromQL series selectors (`node_load1{job="node", instance=~"web-.*"}`), used to pick remote-write series
 * for an indicator. Only the selector subset of PromQL: a metric name and/or label matchers, no functions.
 */

/** One label matcher. Regexes are fully anchored, as in PromQL. */
export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
  regex?: RegExp;
}

/** A parsed selector: every matcher must hold (`__name__` matches the metric name). */
export interface Selector {
  text: string;
  matchers: LabelMatcher[];
  /** The required metric name, when the selector has one: a fast first filter. */
  metric: string | undefined;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Parses `text`; throws an Error whose message says where it went wrong (the caller prefixes the key). */
export function parseSelector(text: string): Selector {
  let rest = text.trim();
  const matchers: LabelMatcher[] = [];
  const name = NAME.exec(rest);
  if (name) {
    matchers.push({ name: '__name__', op: '=', value: name[0] });
    rest = rest.slice(name[0].length).trim();
  }
  if (rest.startsWith('{')) {
    rest = rest.slice(1).trim();
    while (!rest.startsWith('}')) {
      const label = LABEL.exec(rest);
      if (!label) {
        throw new Error(`expected a label name at ${JSON.stringify(rest.slice(0, 20))}`);
      }
      rest = rest.slice(label[0].length).trim();
      const op = /^(=~|!~|!=|=)/.exec(rest);
      if (!op) {
        throw new Error(`expected =, !=, =~ or !~ after ${label[0]}`);
      }
      rest = rest.slice(op[0].length).trim();
      const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(rest) ?? /^'((?:[^'\\]|\\.)*)'/.exec(rest);
      if (!quoted) {
        throw new Error(`expected a quoted value for ${label[0]}`);
      }
      const value = unescape(quoted[1]);
      const matcher: LabelMatcher = { name: label[0], op: op[0] as LabelMatcher['op'], value };
      if (matcher.op === '=~' || matcher.op === '!~') {
        try {
          matcher.regex = new RegExp(`^(?:${value})$`, 's');
        } catch (e) {
          throw new Error(`invalid regular expression for ${label[0]}: ${(e as Error).message}`);
        }
      }
      matchers.push(matcher);
      rest = rest.slice(quoted[0].length).trim();
      if (rest.startsWith(',')) {
        rest = rest.slice(1).trim();
      } else if (!rest.startsWith('}')) {
        throw new Error(`expected , or } at ${JSON.stringify(rest.slice(0, 20))}`);
      }
    }
    rest = rest.slice(1).trim();
  }
  if (rest !== '') {
    throw new Error(
      `unexpected ${JSON.stringify(rest.slice(0, 20))} (only a metric name and {label matchers} are allowed)`
    );
  }
  // PromQL's rule: a selector must have at least one matcher that does not match the empty string, otherwise
  // it selects every series in existence.
  if (!matchers.some((m) => !matches(m, ''))) {
    throw new Error('a selector needs a metric name or a matcher that does not match the empty string');
  }
  const metric = matchers.find((m) => m.name === '__name__' && m.op === '=')?.value;
  return { text, matchers, metric };
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r' };

/** PromQL string escapes that matter in label values: \n \t \r, and \x for any other x. */
function unescape(s: string): string {
  return s.replace(/\\(.)/gs, (_, c: string) => ESCAPES[c] ?? c);
}

function matches(m: LabelMatcher, value: string): boolean {
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return (m.regex as RegExp).test(value);
    default:
      return !(m.regex as RegExp).test(value);
  }
}

/** Whether a series with `labels` (a missing label counts as "") is selected. */
export function selects(selector: Selector, labels: ReadonlyMap<string, string>): boolean {
  for (const m of selector.matchers) {
    if (!matches(m, labels.get(m.name) ?? '')) {
      return false;
    }
  }
  return true;
}
