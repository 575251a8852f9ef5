/**
 * Entropy quorum (issue 7): a host's health as judged by several observers (Prometheus replicas, probers in
 * several sites) — by their check results *and* by how unpredictable each of them sees the host.
 *
 * - `unhealthy`: a quorum of active observers sees the checks fail.
 * - `suspect`: a quorum sees the host as unpredictable (checks may pass).
 * - `healthy`: neither, with at least a quorum of active observers.
 * - `unknown`: fewer active observers than the quorum — never `healthy` by default.
 * - `flagged` (beside the state): a quorum has seen persistently high entropy, even with passing checks.
 *
 * Pure and deterministic: the caller passes `now`; streaks are kept per host × observer.
 */
import { checkFinite, checkInteger, OptionError, rejectUnknownKeys } from './options';

export type QuorumState = 'healthy' | 'suspect' | 'unhealthy' | 'unknown';

/** Numeric codes for the `health_entropy_quorum_state` metric (documented in the README). */
export const QUORUM_STATE_CODES: Record<QuorumState, number> = { unknown: -1, healthy: 0, suspect: 1, unhealthy: 2 };

export interface QuorumOptions {
  /** Observers that must agree; default a majority of the observers known (seen within `knownForMs`). */
  quorum?: number;
  /** An observer that has not reported for this long drops out of the quorum. Default 5 minutes. */
  stalenessMs?: number;
  /** Observers seen within this long count towards the default majority. Default 1 hour. */
  knownForMs?: number;
  /** An observer's view is unpredictable when some indicator has z ≥ this. Default 3. */
  zQuorum?: number;
  /** … or Hn ≥ this (absolute level); default: not used. */
  entropyLevel?: number;
  /** Consecutive evaluations a view must stay unpredictable before it counts. Default 3. */
  for?: number;
  /** Consecutive unpredictable evaluations that make "consistently high entropy". Default 10. */
  flagFor?: number;
}

export type ResolvedQuorumOptions = Required<Omit<QuorumOptions, 'quorum' | 'entropyLevel'>> &
  Pick<QuorumOptions, 'quorum' | 'entropyLevel'>;

export function resolveQuorumOptions(input: QuorumOptions = {}, prefix = ''): ResolvedQuorumOptions {
  const f = (k: string) => prefix + k;
  const allowed = ['quorum', 'stalenessMs', 'knownForMs', 'zQuorum', 'entropyLevel', 'for', 'flagFor'];
  rejectUnknownKeys(input, allowed, prefix, 'a quorum option');
  const o: ResolvedQuorumOptions = {
    quorum: input.quorum === undefined ? undefined : checkInteger(f('quorum'), input.quorum, 1, 10_000),
    stalenessMs: checkFinite(f('stalenessMs'), input.stalenessMs ?? 5 * 60_000, true),
    knownForMs: checkFinite(f('knownForMs'), input.knownForMs ?? 60 * 60_000, true),
    zQuorum: checkFinite(f('zQuorum'), input.zQuorum ?? 3, true),
    entropyLevel: input.entropyLevel === undefined ? undefined : checkFinite(f('entropyLevel'), input.entropyLevel),
    for: checkInteger(f('for'), input.for ?? 3, 1, 100_000),
    flagFor: checkInteger(f('flagFor'), input.flagFor ?? 10, 1, 100_000),
  };
  if (o.knownForMs < o.stalenessMs) {
    throw new OptionError(f('knownForMs'), `${f('knownForMs')} must be ≥ ${f('stalenessMs')} (${o.stalenessMs})`);
  }
  return o;
}

/** What one observer says about one host at one evaluation. */
export interface ObserverReport {
  observer: string;
  /** Health check result (`probe_success`, `up`); undefined when this observer has no check. */
  checkOk?: boolean;
  /** This observer's own entropy of the host's indicators. */
  indicators?: Record<string, { entropy: number; z: number }>;
}

/** One observer's part in an assessment. */
export interface ObserverView {
  observer: string;
  active: boolean;
  checkOk: boolean | undefined;
  /** Indicators that made this view unpredictable now, with their values. */
  unpredictable: Array<{ indicator: string; entropy: number; z: number }>;
  /** Consecutive unpredictable evaluations. */
  streak: number;
}

/** The assessment of one host. */
export interface QuorumAssessment {
  host: string;
  state: QuorumState;
  flagged: boolean;
  quorum: number;
  active: number;
  failing: string[];
  unpredictable: string[];
  views: ObserverView[];
  reason: string;
}

interface ObserverMemory {
  lastSeen: number;
  streak: number;
}

/** Keeps per-host, per-observer memory and assesses hosts. */
export class QuorumTracker {
  readonly options: ResolvedQuorumOptions;
  private readonly memory = new Map<string, Map<string, ObserverMemory>>();

  constructor(options: QuorumOptions = {}) {
    this.options = resolveQuorumOptions(options);
  }

  /** Assesses `host` from this evaluation's reports (observers that did not report are simply absent). */
  assess(host: string, reports: readonly ObserverReport[], now: number): QuorumAssessment {
    const o = this.options;
    let hostMemory = this.memory.get(host);
    if (!hostMemory) {
      hostMemory = new Map();
      this.memory.set(host, hostMemory);
    }
    const reported = new Map(reports.map((r) => [r.observer, r]));
    for (const r of reports) {
      const m = hostMemory.get(r.observer) ?? { lastSeen: now, streak: 0 };
      m.lastSeen = now;
      const hot = this.hotIndicators(r);
      m.streak = hot.length > 0 ? m.streak + 1 : 0;
      hostMemory.set(r.observer, m);
    }
    const views: ObserverView[] = [];
    let known = 0;
    for (const [observer, m] of [...hostMemory].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const age = now - m.lastSeen;
      if (age > o.knownForMs) {
        hostMemory.delete(observer); // forgotten: no longer part of the default majority
        continue;
      }
      known++;
      const r = reported.get(observer);
      const active = age <= o.stalenessMs;
      views.push({
        observer,
        active,
        checkOk: active ? r?.checkOk : undefined,
        unpredictable: active && r ? this.hotIndicators(r) : [],
        streak: active ? m.streak : 0,
      });
    }
    const quorum = o.quorum ?? Math.floor(known / 2) + 1;
    const activeViews = views.filter((v) => v.active);
    const failing = activeViews.filter((v) => v.checkOk === false).map((v) => v.observer);
    const unpredictable = activeViews.filter((v) => v.streak >= o.for).map((v) => v.observer);
    const flaggedBy = activeViews.filter((v) => v.streak >= o.flagFor).map((v) => v.observer);
    const base = { host, quorum, active: activeViews.length, failing, unpredictable, views };
    const flagged = activeViews.length >= quorum && flaggedBy.length >= quorum;
    const flagNote = flagged
      ? `; flagged: ${flaggedBy.join(', ')} report high entropy for ≥ ${o.flagFor} evaluations`
      : '';
    if (activeViews.length < quorum || activeViews.length === 0) {
      const stale = views.filter((v) => !v.active).map((v) => v.observer);
      return {
        ...base,
        state: 'unknown',
        flagged: false,
        reason: `${activeViews.length} active observers, fewer than the quorum of ${quorum}${stale.length ? ` (stale: ${stale.join(', ')})` : ''}`,
      };
    }
    if (failing.length >= quorum) {
      return {
        ...base,
        state: 'unhealthy',
        flagged,
        reason: `checks fail for ${failing.join(', ')} (quorum ${quorum})${flagNote}`,
      };
    }
    if (unpredictable.length >= quorum) {
      const detail = activeViews
        .filter((v) => v.streak >= o.for)
        .map(
          (v) =>
            `${v.observer}: ${v.unpredictable.map((u) => `${u.indicator} Hn ${u.entropy.toFixed(3)} z ${u.z.toFixed(2)}`).join(', ')}`
        )
        .join('; ');
      return {
        ...base,
        state: 'suspect',
        flagged,
        reason: `unpredictable for ${unpredictable.length} of ${activeViews.length} observers (quorum ${quorum}): ${detail}${flagNote}`,
      };
    }
    return {
      ...base,
      state: 'healthy',
      flagged,
      reason: `${activeViews.length} active observers; ${failing.length} failing and ${unpredictable.length} unpredictable, below the quorum of ${quorum}${flagNote}`,
    };
  }

  private hotIndicators(r: ObserverReport): ObserverView['unpredictable'] {
    const o = this.options;
    const out: ObserverView['unpredictable'] = [];
    for (const [indicator, { entropy, z }] of Object.entries(r.indicators ?? {})) {
      const high =
        (Number.isFinite(z) && z >= o.zQuorum) || (o.entropyLevel !== undefined && entropy >= o.entropyLevel);
      if (high) {
        out.push({ indicator, entropy, z });
      }
    }
    return out;
  }
}
