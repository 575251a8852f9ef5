/**
 * The end of a run: per incident the entropy warning, the threshold alert and the lead time; the actions the
 * receiver got (with their signature check); false alarms; and the checks the demo promises. Written as JSON
 * by `--json FILE` and printed as text.
 */
import type { DecisionChange, DecisionLog, EngineAction } from './allocation';
import type { Scenario } from './scenario';
import { describeRule, describeWarning, kindName } from './table';
import type { IncidentTracker, WarningEvent } from './tracker';

/** An action as the receiver lists it at `GET /actions` (deploy/receiver/receiver.js). */
export interface ReceivedAction {
  id: string;
  receivedAt: string;
  /** `valid` when the Standard Webhooks signature matched the demo's secret. */
  signature: string;
  action: {
    id?: string;
    type: string;
    host: string;
    resource?: string;
    change?: Record<string, { from: number; to: number }>;
    reason?: { kind?: string; z?: number; utilization?: number };
    source?: string;
    dryRun?: boolean;
  };
}

/** A warning with its time in seconds. */
export interface TimedWarning extends WarningEvent {
  seconds: number;
  text: string;
}

/** One incident in the summary. Times are seconds since the fleet started. */
export interface IncidentSummary {
  kind: string;
  host: string;
  title: string;
  startSeconds: number;
  warning: TimedWarning | null;
  detector: TimedWarning | null;
  threshold: { rule: string; indicator: string; above: number; for: number };
  thresholdFirstAboveSeconds: number | null;
  thresholdFiredSeconds: number | null;
  /** Threshold alert minus entropy warning; null unless both happened. */
  leadSeconds: number | null;
}

/** The `--json` document. */
export interface Summary {
  stepMs: number;
  steps: number;
  durationSeconds: number;
  stoppedBy: 'duration' | 'signal';
  incidents: IncidentSummary[];
  falseAlarms: { entropy: TimedWarning[]; detector: number };
  /** What the webhook receiver got (each with its signature check), and what the engine's outbox holds. */
  actions: ReceivedAction[];
  engineActions: EngineAction[];
  /** Every change of a resource's decision (condition, action, alerts, allocation). */
  decisions: DecisionChange[];
  /** Requests the receiver refused (bad signature and the like), one line each. */
  rejected: string[];
  /** What the demo promises, checked on the lists above. */
  checks: Checks;
  /** Child processes still running when the summary was taken, and the temp dirs (all gone after the stop). */
  processes: Record<string, number>;
  tempDirs: string[];
}

/** The demo's promises; each is `true` when it held over this run. */
export interface Checks {
  everyIncidentWarned: boolean;
  quietHostScaledDown: boolean;
  flatlineNeverScaledDown: boolean;
  flatlineSaturation: boolean;
  everyActionDeliveredWithValidSignature: boolean;
}

/** Checks the promises on a run's lists. */
export function check(
  scenario: Scenario,
  incidents: IncidentSummary[],
  received: ReceivedAction[],
  engineActions: EngineAction[],
  decisions: DecisionChange[]
): Checks {
  const stuck = scenario.incidents.filter((i) => i.kind === 'stuck_process').map((i) => i.host);
  const byId = new Map(received.map((r) => [r.id, r]));
  const down = (host: string) =>
    engineActions.some((a) => a.resource === host && a.type === 'allocation.scale_down') ||
    received.some((r) => r.action.resource === host && r.action.type === 'allocation.scale_down');
  return {
    everyIncidentWarned: incidents.every((i) => i.warning !== null),
    quietHostScaledDown: received.some(
      (r) =>
        r.action.resource === scenario.quietHost && r.action.type === 'allocation.scale_down' && r.signature === 'valid'
    ),
    flatlineNeverScaledDown: stuck.every((h) => !down(h)),
    flatlineSaturation: stuck.every((h) => decisions.some((d) => d.resource === h && d.alerts.includes('saturation'))),
    everyActionDeliveredWithValidSignature:
      received.length === engineActions.length &&
      engineActions.every((a) => a.state === 'delivered' && byId.get(a.id)?.signature === 'valid'),
  };
}

/** What {@link summarize} needs. */
export interface SummaryInput {
  scenario: Scenario;
  stepMs: number;
  steps: number;
  durationMs: number;
  tracker: IncidentTracker;
  received: ReceivedAction[];
  engineActions: EngineAction[];
  decisions: DecisionLog;
  rejected: string[];
  pids: Record<string, number>;
  tempDirs: string[];
  stoppedBy: 'duration' | 'signal';
}

/** Builds the summary. */
export function summarize(i: SummaryInput): Summary {
  const s = (step: number) => (step * i.stepMs) / 1000;
  const timed = (w: WarningEvent | undefined): TimedWarning | null =>
    w ? { ...w, seconds: s(w.step), text: describeWarning(w) } : null;
  const incidents: IncidentSummary[] = i.tracker.reports().map((r) => ({
    kind: r.kind,
    host: r.host,
    title: r.title,
    startSeconds: s(r.start),
    warning: timed(r.warning),
    detector: timed(r.detector),
    threshold: { rule: describeRule(r.threshold), ...r.threshold },
    thresholdFirstAboveSeconds: r.thresholdFirstAbove === undefined ? null : s(r.thresholdFirstAbove),
    thresholdFiredSeconds: r.thresholdFired === undefined ? null : s(r.thresholdFired),
    leadSeconds: r.leadSteps === undefined ? null : s(r.leadSteps),
  }));
  return {
    stepMs: i.stepMs,
    steps: i.steps,
    durationSeconds: Math.round(i.durationMs / 100) / 10,
    stoppedBy: i.stoppedBy,
    incidents,
    falseAlarms: {
      entropy: i.tracker.falseAlarms('z').map((w) => timed(w)!),
      detector: i.tracker.falseAlarms('anomaly_score').length,
    },
    actions: i.received,
    engineActions: i.engineActions,
    decisions: i.decisions.changes,
    rejected: i.rejected,
    checks: check(i.scenario, incidents, i.received, i.engineActions, i.decisions.changes),
    processes: i.pids,
    tempDirs: i.tempDirs,
  };
}

/** The summary as text for the terminal. */
export function summaryText(summary: Summary): string {
  const lines = [
    `Summary after ${summary.durationSeconds} s (${summary.steps} fleet steps of ${summary.stepMs} ms):`,
    '',
  ];
  for (const inc of summary.incidents) {
    const w = inc.warning ? `entropy warning at ${inc.warning.seconds} s (${inc.warning.text})` : 'no entropy warning';
    const t =
      inc.thresholdFiredSeconds !== null
        ? `threshold alert (${inc.threshold.rule}) at ${inc.thresholdFiredSeconds} s`
        : `threshold alert (${inc.threshold.rule}) never fired`;
    const lead = inc.leadSeconds !== null ? `: ${inc.leadSeconds} s earlier` : '';
    lines.push(`  ${kindName(inc.kind as never)} on ${inc.host}, from ${inc.startSeconds} s: ${w}; ${t}${lead}`);
  }
  const valid = summary.actions.filter((a) => a.signature === 'valid').length;
  lines.push(
    '',
    `Actions received by the webhook: ${summary.actions.length} (${valid} with a valid signature); the engine's outbox holds ${summary.engineActions.length}`
  );
  for (const a of summary.actions) {
    const change = Object.entries(a.action.change ?? {})
      .map(([k, c]) => `${k} ${c.from}→${c.to}`)
      .join(', ');
    lines.push(
      `  ${a.action.type} ${a.action.host} ${change} (${a.action.reason?.kind ?? '?'}) [signature ${a.signature}]`
    );
  }
  if (summary.rejected.length > 0) {
    lines.push(`Refused by the receiver: ${summary.rejected.length}`, ...summary.rejected.map((r) => `  ${r}`));
  }
  const fa = summary.falseAlarms;
  lines.push(
    '',
    `Entropy warnings outside any incident: ${fa.entropy.length}` +
      (fa.entropy.length ? ` (${fa.entropy.map((w) => `${w.host} ${w.text} at ${w.seconds} s`).join('; ')})` : '') +
      `; detector alerts outside any incident: ${fa.detector}`
  );
  const c = summary.checks;
  const mark = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');
  lines.push(
    '',
    `${mark(c.everyIncidentWarned)} every scripted incident was warned of`,
    `${mark(c.quietHostScaledDown)} the quiet host was scaled down`,
    `${mark(c.flatlineNeverScaledDown)} the flatlined host was never scaled down`,
    `${mark(c.flatlineSaturation)} the flatlined host raised saturation`,
    `${mark(c.everyActionDeliveredWithValidSignature)} every action reached the webhook receiver with a valid signature`
  );
  return lines.join('\n');
}
