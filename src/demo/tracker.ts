/**
 * Per incident: when the engine's entropy warned, and when the plain threshold alert on the raw metric would
 * have fired, from the same samples; plus every warning outside an incident (false alarms). Pure: fed samples
 * and evaluations by step, by the live demo (from Prometheus and the engine) or by an offline replay.
 */
import type { Indicator } from './fleet';
import type { Incident, Scenario, ThresholdRule } from './scenario';

/** One engine evaluation of a host × indicator. Null where not defined yet. */
export interface Evaluation {
  entropy: number | null;
  z: number | null;
  anomalyScore?: number | null;
}

/**
 * A warning: the window entropy's z crossed ±`warnZ` (`signal: 'z'`, the entropy warning the demo times), or
 * the surprisal detector's anomaly score reached its threshold (`'anomaly_score'`, reported beside it).
 */
export interface WarningEvent {
  step: number;
  host: string;
  indicator: Indicator;
  signal: 'z' | 'anomaly_score';
  /** z or the score at that step. */
  value: number;
}

/** Per-rule state of a threshold alert. */
interface ThresholdState {
  run: number;
  firstAbove: number | undefined;
  firedAt: number | undefined;
}

/** What the summary says about one incident. */
export interface IncidentReport {
  kind: Incident['kind'];
  host: string;
  title: string;
  start: number;
  /** The first entropy (z) warning on a watched indicator, and the detector's first alert there. */
  warning: WarningEvent | undefined;
  detector: WarningEvent | undefined;
  threshold: ThresholdRule;
  /** First step the raw value crossed the threshold, and the step the rule (with its `for`) fired. */
  thresholdFirstAbove: number | undefined;
  thresholdFired: number | undefined;
  /** `thresholdFired − warning.step` in steps; undefined unless both happened. */
  leadSteps: number | undefined;
}

/** Options of {@link IncidentTracker}. */
export interface TrackerOptions {
  /** |z| at or beyond which a warning is counted. */
  warnZ: number;
  /** Anomaly score at or above which a warning is counted (the detector's threshold). */
  scoreThreshold: number;
}

const key = (host: string, indicator: string) => `${host}\u0000${indicator}`;

/** Tracks warnings and threshold alerts over a run. */
export class IncidentTracker {
  private readonly thresholds = new Map<Incident, ThresholdState>();
  private readonly warned = new Map<string, WarningEvent>();
  /** Whether each host × indicator × signal was on at its last evaluation (events count on the rising edge). */
  private readonly inWarning = new Map<string, boolean>();
  private readonly lastStep = new Map<string, number>();
  /** Every rising edge of an entropy (z) warning, and of a detector alert, in arrival order. */
  readonly warnings: WarningEvent[] = [];
  readonly detectorAlerts: WarningEvent[] = [];

  constructor(
    readonly scenario: Scenario,
    readonly options: TrackerOptions
  ) {
    for (const incident of scenario.incidents) {
      this.thresholds.set(incident, { run: 0, firstAbove: undefined, firedAt: undefined });
    }
  }

  /** A raw sample (what Prometheus holds for that step). Steps must arrive in order per host × indicator. */
  raw(host: string, indicator: Indicator, step: number, value: number): void {
    const k = key(host, 'raw:' + indicator);
    if (step <= (this.lastStep.get(k) ?? -Infinity)) {
      return;
    }
    this.lastStep.set(k, step);
    for (const incident of this.scenario.incidents) {
      const rule = incident.threshold;
      if (incident.host !== host || rule.indicator !== indicator || step < incident.start) {
        continue;
      }
      const s = this.thresholds.get(incident)!;
      s.run = value > rule.above ? s.run + 1 : 0;
      if (s.run > 0 && s.firstAbove === undefined) {
        s.firstAbove = step;
      }
      if (s.run >= rule.for && s.firedAt === undefined) {
        s.firedAt = step;
      }
    }
  }

  /** An engine evaluation at `step`; returns the events it raised (on their rising edges). */
  evaluation(host: string, indicator: Indicator, step: number, e: Evaluation): WarningEvent[] {
    const k = key(host, indicator);
    if (step <= (this.lastStep.get(k) ?? -Infinity)) {
      return [];
    }
    this.lastStep.set(k, step);
    const raised: WarningEvent[] = [];
    const zHit = e.z !== null && Math.abs(e.z) >= this.options.warnZ;
    // The detector reports a score once (a new maximum over its suppression window), so its "on" lasts one step.
    const scoreHit = e.anomalyScore != null && e.anomalyScore >= this.options.scoreThreshold;
    for (const [signal, on, value] of [
      ['z', zHit, e.z],
      ['anomaly_score', scoreHit, e.anomalyScore],
    ] as const) {
      const sk = `${k}\u0000${signal}`;
      const was = this.inWarning.get(sk) ?? false;
      this.inWarning.set(sk, on);
      if (on && !was) {
        const event: WarningEvent = { step, host, indicator, signal, value: value! };
        raised.push(event);
        (signal === 'z' ? this.warnings : this.detectorAlerts).push(event);
        for (const incident of this.scenario.incidents) {
          const ik = `${this.scenario.incidents.indexOf(incident)}\u0000${signal}`;
          if (
            incident.host === host &&
            incident.watch.includes(indicator) &&
            step >= incident.start &&
            step < incident.end &&
            !this.warned.has(ik)
          ) {
            this.warned.set(ik, event);
          }
        }
      }
    }
    return raised;
  }

  /** Whether a host × indicator's entropy is in warning now. */
  warningNow(host: string, indicator: Indicator): boolean {
    return this.inWarning.get(`${key(host, indicator)}\u0000z`) ?? false;
  }

  /** Events on a host with no incident under way at that step (any indicator): false alarms. */
  falseAlarms(signal: WarningEvent['signal'] = 'z'): WarningEvent[] {
    return (signal === 'z' ? this.warnings : this.detectorAlerts).filter(
      (w) => !this.scenario.incidents.some((i) => i.host === w.host && w.step >= i.start && w.step < i.end)
    );
  }

  /** One report per incident, in the scenario's order. */
  reports(): IncidentReport[] {
    return this.scenario.incidents.map((incident, i) => {
      const s = this.thresholds.get(incident)!;
      const warning = this.warned.get(`${i}\u0000z`);
      return {
        kind: incident.kind,
        host: incident.host,
        title: incident.title,
        start: incident.start,
        warning,
        detector: this.warned.get(`${i}\u0000anomaly_score`),
        threshold: incident.threshold,
        thresholdFirstAbove: s.firstAbove,
        thresholdFired: s.firedAt,
        leadSteps: warning && s.firedAt !== undefined ? s.firedAt - warning.step : undefined,
      };
    });
  }
}
