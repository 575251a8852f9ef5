/**
 * What the terminal shows: the hosts × indicators table (entropy, z, state, last decision) and, per incident,
 * the entropy warning versus the threshold alert. Pure string rendering; `main.ts` redraws it in place on a
 * terminal and prints it now and then (plus one line per event) when the output is not a terminal.
 */
import { INDICATORS, Indicator } from './fleet';
import type { Cell } from './monitor';
import { Incident, Scenario, ThresholdRule, WARN_Z } from './scenario';
import type { IncidentReport, WarningEvent } from './tracker';

/** Everything one frame shows. */
export interface View {
  scenario: Scenario;
  stepMs: number;
  /** Newest fleet step seen in Prometheus, and the step the demo stops at. */
  step: number;
  lastStep: number;
  cells: Map<string, Cell>;
  /** Per host, the last decision or action, already worded. */
  decisions: Map<string, string>;
  reports: IncidentReport[];
  /** The last few event lines (warnings, threshold alerts, actions); empty when they are printed as they come. */
  events: string[];
  color: boolean;
}

const KIND_NAMES: Record<Incident['kind'], string> = {
  noisy_neighbour: 'noisy neighbour',
  memory_leak: 'memory leak',
  stuck_process: 'stuck process',
  load_spike: 'load spike',
};

/** The name of an incident kind for people. */
export const kindName = (k: Incident['kind']) => KIND_NAMES[k];

const UNITS: Record<Indicator, (v: number) => string> = {
  cpu: (v) => `${Math.round(v * 100)} %`,
  memory: (v) => `${Math.round(v * 100)} %`,
  disk: (v) => `${Math.round(v * 100)} %`,
  latency: (v) => `${Math.round(v * 1000)} ms`,
};

/** `CPU > 90 % for 4 samples`. */
export function describeRule(r: ThresholdRule): string {
  return `${r.indicator} > ${UNITS[r.indicator](r.above)} for ${r.for} samples`;
}

/** Seconds of demo time at `step`. */
export const seconds = (step: number, stepMs: number) => `${Math.round((step * stepMs) / 100) / 10} s`;

const signed = (x: number) => (x >= 0 ? '+' : '−') + Math.abs(x).toFixed(1);

/** The state of a cell: warming up, ok, entropy risen or collapsed. */
export function cellState(c: Cell | undefined): 'warming' | 'ok' | 'rising' | 'collapsed' {
  if (!c || c.z === null) {
    return 'warming';
  }
  return c.z >= WARN_Z ? 'rising' : c.z <= -WARN_Z ? 'collapsed' : 'ok';
}

/** One warning as a short phrase: `memory z +3.2` or `cpu anomaly score 0.81`. */
export function describeWarning(w: WarningEvent): string {
  return w.signal === 'z'
    ? `${w.indicator} z ${signed(w.value)}`
    : `${w.indicator} anomaly score ${w.value.toFixed(2)}`;
}

const paint = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/** Pads to `n` visible characters (ANSI codes take no room). */
function pad(s: string, n: number): string {
  const visible = s.replace(/\x1b\[[0-9;]*m/g, '').length;
  return s + ' '.repeat(Math.max(0, n - visible));
}

/** Cuts a line to `width` visible characters, keeping ANSI codes whole (and resetting if one was cut off). */
export function fit(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const code = /^\x1b\[[0-9;?]*[A-Za-z]/.exec(line.slice(i, i + 16));
    if (code) {
      out += code[0];
      i += code[0].length - 1;
      continue;
    }
    if (visible === width) {
      return out.includes('\x1b[') ? out + '\x1b[0m' : out;
    }
    out += line[i];
    visible++;
  }
  return out;
}

/** The hosts × indicators table. */
export function renderHosts(v: View): string[] {
  const head = [pad('host', 9), pad('role', 12), ...INDICATORS.map((i) => pad(`${i} Hn / z`, 16)), 'last decision'];
  const lines = [paint(v.color, '1', head.join(' '))];
  for (const host of v.scenario.hosts) {
    const cells = INDICATORS.map((i) => {
      const c = v.cells.get(`${host.name}/${i}`);
      const state = cellState(c);
      const hn = c?.entropy == null ? ' —  ' : c.entropy.toFixed(2);
      const z = c?.z == null ? '  … ' : signed(c.z).padStart(5);
      const mark = state === 'rising' ? ' ▲' : state === 'collapsed' ? ' ▼' : '';
      const text = pad(`${hn} ${z}${mark}`, 16);
      return state === 'rising' || state === 'collapsed' ? paint(v.color, '31;1', text) : text;
    });
    lines.push([pad(host.name, 9), pad(host.role, 12), ...cells, v.decisions.get(host.name) ?? '—'].join(' '));
  }
  return lines;
}

/** One line per incident: when it started, the entropy warning, the threshold alert, the lead. */
export function renderIncidents(v: View): string[] {
  const lines = [
    paint(
      v.color,
      '1',
      'incident (host, start)           entropy warning          threshold alert (rule)                          lead'
    ),
  ];
  for (const r of v.reports) {
    const started = r.start <= v.step;
    const name = pad(`${kindName(r.kind)} (${r.host}, ${seconds(r.start, v.stepMs)})`, 32);
    if (!started) {
      lines.push(`${name} scheduled`);
      continue;
    }
    const warning = r.warning ? `${seconds(r.warning.step, v.stepMs)} ${describeWarning(r.warning)}` : 'not yet';
    const fired = r.thresholdFired !== undefined ? seconds(r.thresholdFired, v.stepMs) : 'not fired';
    const lead =
      r.leadSteps !== undefined
        ? `${r.leadSteps >= 0 ? '' : '−'}${seconds(Math.abs(r.leadSteps), v.stepMs)}${r.leadSteps >= 0 ? ' earlier' : ' later'}`
        : r.warning
          ? `≥ ${seconds(v.step - r.warning.step, v.stepMs)} so far`
          : '';
    lines.push(`${name} ${pad(warning, 24)} ${pad(`${fired} (${describeRule(r.threshold)})`, 47)} ${lead}`);
  }
  return lines;
}

/** The whole frame; lines cut to `width` when given (a terminal's columns). */
export function renderFrame(v: View, width?: number): string {
  const total = seconds(v.lastStep, v.stepMs);
  const title = `Health Entropy demo — ${seconds(Math.max(0, v.step), v.stepMs)} of ${total} (one sample per ${v.stepMs} ms; Ctrl-C stops)`;
  return [
    paint(v.color, '1', title),
    '',
    ...renderHosts(v),
    '',
    ...renderIncidents(v),
    ...(v.events.length > 0 ? ['', ...v.events.slice(-8)] : []),
  ]
    .map((l) => (width ? fit(l, width) : l))
    .join('\n');
}
