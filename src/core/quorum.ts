/**
 * Entropy quorum (issue 7): a host's health as judged by several observers (Prometheus replicas, probers in
 * several sites) — by their check results *and* by how unpredictable each of them sees the host.
 *
 * - `unhealthy`: at least a quorum of active observers sees the checks fail.
 * - `suspect`: at least a quorum has seen the host as unpredictable for `forMs` (checks may pass).
 * - `healthy`: neither, with at least a quorum of active observers.
 * - `unknown`: fewer active observers than the quorum — never `healthy` by default.
 * - `flagged` (beside the state, never with `unknown`): a quorum has seen high entropy for `flagForMs`.
 *
 * When both a quorum fails and a quorum is unpredictable, the state is `unhealthy` (the more severe).
 *
 * Reports are partial and merge: an observer's view is, per check and per indicator, the last value it reported,
 * for `stalenessMs`. So a caller reports only what it has at `now` (the engine: series with a sample at this
 * evaluation; the browser: rows at this step), and one missing query does not reset a streak.
 *
 * Pure and deterministic: the caller passes `now` (non-decreasing per host); memory is per host × observer.
 */
import { QuorumOptions, resolveQuorumOptions, ResolvedQuorumOptions } from './quorum-options';
import { quorumReason } from './quorum-reason';
import { HostMemory, ObserverMemory, readTrackerState, QuorumTrackerState, writeTrackerState } from './quorum-state';

export * from './quorum-options';
export type { QuorumTrackerState } from './quorum-state';

export type QuorumState = 'healthy' | 'suspect' | 'unhealthy' | 'unknown';

/** Numeric codes of `health_entropy_quorum_state` and of the data source's `quorum` output (README). */
export const QUORUM_STATE_CODES: Readonly<Record<QuorumState, number>> = {
  unknown: -1,
  healthy: 0,
  suspect: 1,
  unhealthy: 2,
};

/** What one observer says about one host at one evaluation; absent fields keep their last value. */
export interface ObserverReport {
  observer: string;
  /** Health check result (`probe_success`, `up`): false when it failed. */
  checkOk?: boolean;
  /** This observer's own entropy `Hn` and z of the host's indicators (NaN while not defined). */
  indicators?: Record<string, { entropy: number; z: number }>;
}

/** One indicator's value in a view. */
export interface IndicatorValue {
  indicator: string;
  entropy: number;
  z: number;
}

/** One observer's part in an assessment. */
export interface ObserverView {
  observer: string;
  /** Reported within `stalenessMs`. */
  active: boolean;
  lastSeen: number;
  /** Last check result within `stalenessMs` (undefined: none). */
  checkOk: boolean | undefined;
  /** Every indicator of the view (within `stalenessMs`). */
  indicators: IndicatorValue[];
  /** Indicators that make the view unpredictable now, and since when it has been (undefined: it is not). */
  unpredictable: IndicatorValue[];
  unpredictableSince: number | undefined;
  /** Indicators with high entropy now (the flag rule), and since when. */
  high: IndicatorValue[];
  highSince: number | undefined;
  /** Counts towards `suspect` (unpredictable for `forMs`) and towards `flagged` (high for `flagForMs`). */
  countsUnpredictable: boolean;
  countsFlag: boolean;
}

/** The assessment of one host at `at`. */
export interface QuorumAssessment {
  host: string;
  at: number;
  state: QuorumState;
  /** When the host entered this state (as far as this tracker has seen). */
  since: number;
  flagged: boolean;
  flaggedSince: number | undefined;
  /** The quorum in force, and the observers known (the default majority's base) and active. */
  quorum: number;
  known: number;
  active: number;
  /** Active observers whose checks fail, that count as unpredictable, that count towards the flag. */
  failing: string[];
  unpredictable: string[];
  flaggedBy: string[];
  /** Every known observer, sorted by name. */
  views: ObserverView[];
  /** One sentence: the state, which observers, which indicators, which values. */
  reason: string;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A map's entries by key; most maps here are already in order, which is checked before sorting. */
function sortedEntries<V>(map: Map<string, V>): Array<[string, V]> {
  const entries = [...map];
  for (let i = 1; i < entries.length; i++) {
    if (entries[i - 1][0] > entries[i][0]) {
      return entries.sort(([a], [b]) => byName(a, b));
    }
  }
  return entries;
}

function freshObserver(now: number): ObserverMemory {
  return { lastSeen: now, check: undefined, indicators: new Map(), hotSince: undefined, highSince: undefined };
}

/** Keeps per-host, per-observer memory and assesses hosts. */
export class QuorumTracker {
  readonly options: ResolvedQuorumOptions;
  private readonly memory = new Map<string, HostMemory>();

  /** `state` is what {@link state} returned (throws an Error naming the bad part if it is malformed). */
  constructor(options: QuorumOptions = {}, state?: unknown) {
    this.options = resolveQuorumOptions(options);
    if (state !== undefined) {
      for (const [host, m] of readTrackerState(state)) {
        this.memory.set(host, m);
      }
    }
  }

  /** Hosts with memory (an observer known within `knownForMs`). */
  hosts(): string[] {
    return [...this.memory.keys()].sort(byName);
  }

  /** Assesses every host that has reports or memory, sorted by host; hosts nobody knows any more are dropped. */
  assessAll(reports: ReadonlyMap<string, readonly ObserverReport[]>, now: number): QuorumAssessment[] {
    const hosts = new Set([...reports.keys(), ...this.memory.keys()]);
    return [...hosts].sort(byName).map((h) => this.assess(h, reports.get(h) ?? [], now));
  }

  /** Assesses `host` from this evaluation's reports (observers that did not report are simply absent). */
  assess(host: string, reports: readonly ObserverReport[], now: number): QuorumAssessment {
    const o = this.options;
    let hm = this.memory.get(host);
    if (!hm) {
      hm = { observers: new Map(), state: undefined, since: now, flaggedSince: undefined };
      this.memory.set(host, hm);
    }
    for (const r of reports) {
      this.remember(hm, r, now);
    }
    const views: ObserverView[] = [];
    for (const [observer, m] of sortedEntries(hm.observers)) {
      const age = now - m.lastSeen;
      if (age > o.knownForMs) {
        hm.observers.delete(observer); // forgotten: no longer part of the default majority
        continue;
      }
      views.push(this.view(observer, m, now, age <= o.stalenessMs));
    }
    const known = views.length;
    const quorum = o.quorum ?? Math.floor(known / 2) + 1;
    const activeViews = views.filter((v) => v.active);
    const failing = activeViews.filter((v) => v.checkOk === false).map((v) => v.observer);
    const unpredictable = activeViews.filter((v) => v.countsUnpredictable).map((v) => v.observer);
    const flaggedBy = activeViews.filter((v) => v.countsFlag).map((v) => v.observer);
    const enough = activeViews.length >= quorum && activeViews.length > 0;
    const state: QuorumState = !enough
      ? 'unknown'
      : failing.length >= quorum
        ? 'unhealthy'
        : unpredictable.length >= quorum
          ? 'suspect'
          : 'healthy';
    const flagged = enough && flaggedBy.length >= quorum;
    if (state !== hm.state) {
      hm.state = state;
      hm.since = now;
    }
    hm.flaggedSince = flagged ? (hm.flaggedSince ?? now) : undefined;
    if (known === 0) {
      this.memory.delete(host);
    }
    const a: QuorumAssessment = {
      host,
      at: now,
      state,
      since: hm.since,
      flagged,
      flaggedSince: hm.flaggedSince,
      quorum,
      known,
      active: activeViews.length,
      failing,
      unpredictable,
      flaggedBy,
      views,
      reason: '',
    };
    // Eager: a lazy getter made the history (a reason per step) twice as slow, and saved nothing measurable here.
    a.reason = quorumReason(a, o);
    return a;
  }

  /** Plain-JSON memory, to persist (NaN values become null). */
  state(): QuorumTrackerState {
    return writeTrackerState(this.memory);
  }

  private remember(hm: HostMemory, r: ObserverReport, now: number): void {
    let m = hm.observers.get(r.observer);
    if (!m || now - m.lastSeen > this.options.stalenessMs) {
      // Back after going stale: its earlier streaks do not bridge the absence.
      m = freshObserver(now);
      hm.observers.set(r.observer, m);
    }
    m.lastSeen = Math.max(m.lastSeen, now);
    if (r.checkOk !== undefined) {
      // Several check series in one evaluation (reports for the same observer): all must pass.
      const ok = m.check?.at === now ? m.check.ok && r.checkOk : r.checkOk;
      m.check = { ok, at: now };
    }
    for (const indicator in r.indicators) {
      const v = r.indicators[indicator];
      const kept = m.indicators.get(indicator);
      if (kept) {
        // Updated in place: this runs for every series at every evaluation.
        kept.entropy = v.entropy;
        kept.z = v.z;
        kept.at = now;
      } else {
        m.indicators.set(indicator, { entropy: v.entropy, z: v.z, at: now });
      }
    }
  }

  private view(observer: string, m: ObserverMemory, now: number, active: boolean): ObserverView {
    const o = this.options;
    const indicators: IndicatorValue[] = [];
    if (active) {
      const cutoff = now - o.stalenessMs;
      if (m.check && m.check.at < cutoff) {
        m.check = undefined;
      }
      for (const [indicator, v] of sortedEntries(m.indicators)) {
        if (v.at < cutoff) {
          m.indicators.delete(indicator);
        } else {
          indicators.push({ indicator, entropy: v.entropy, z: v.z });
        }
      }
    }
    const unpredictable = indicators.filter(
      (v) => (Number.isFinite(v.z) && v.z >= o.zQuorum) || (o.entropyLevel !== undefined && v.entropy >= o.entropyLevel)
    );
    const high = o.flagLevel === undefined ? unpredictable : indicators.filter((v) => v.entropy >= o.flagLevel!);
    // Streaks are judged on the view at every assessment, so a value going stale ends them too.
    m.hotSince = unpredictable.length > 0 ? (m.hotSince ?? now) : undefined;
    m.highSince = high.length > 0 ? (m.highSince ?? now) : undefined;
    return {
      observer,
      active,
      lastSeen: m.lastSeen,
      checkOk: active ? m.check?.ok : undefined,
      indicators,
      unpredictable,
      unpredictableSince: m.hotSince,
      high,
      highSince: m.highSince,
      countsUnpredictable: m.hotSince !== undefined && now - m.hotSince >= o.forMs,
      countsFlag: m.highSince !== undefined && now - m.highSince >= o.flagForMs,
    };
  }
}
