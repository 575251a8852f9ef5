/**
 * `/api/v1/profiles`: the current entropy profile per host as JSON (what a dashboard or a script reads when it
 * wants one host's picture without PromQL). Undefined numbers are `null`, never NaN (not valid JSON).
 */
import { EngineHost, EngineState } from './state';

/** One indicator in a host profile. */
export interface IndicatorProfile {
  entropy: number | null;
  bits: number | null;
  baseline: number | null;
  deviation: number | null;
  z: number | null;
  trend: number | null;
  /** Baseline warm-up complete; learning paused (anomaly open). */
  ready: boolean;
  frozen: boolean;
  /** Last sample admitted, ms since the epoch. */
  lastSampleMs: number | null;
  /** Samples admitted since this process created or restored the series. */
  admitted: number;
  /** Second detector, present only when configured. */
  surprisal?: number | null;
  anomalyScore?: number | null;
}

/** A host's profile. */
export interface HostProfile {
  host: string;
  score: number | null;
  max: number | null;
  maxIndicator: string | null;
  baseline: number | null;
  deviation: number | null;
  z: number | null;
  evaluatedAtMs: number | null;
  indicators: Record<string, IndicatorProfile>;
}

const num = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/** The profile of one host. */
export function hostProfile(host: EngineHost): HostProfile {
  const indicators: Record<string, IndicatorProfile> = {};
  for (const [name, s] of host.series) {
    if (s.ended) {
      continue;
    }
    const p = s.current;
    const learned = s.pipeline.baseline.state();
    const profile: IndicatorProfile = {
      entropy: num(s.entropy),
      bits: num(s.entropy === s.entropy ? s.pipeline.estimator.bits : NaN),
      // After a restore there is no evaluation yet: show the learned mean.
      baseline: num(p ? p.baseline : learned.count > 0 ? learned.mean : NaN),
      deviation: num(p?.deviation),
      z: num(p?.z),
      trend: num(p?.trend),
      ready: p ? p.ready : s.pipeline.baseline.ready,
      frozen: p?.frozen ?? false,
      lastSampleMs: num(s.newestT),
      admitted: s.pipeline.estimator.stats.admitted,
    };
    if (s.indicator.detector) {
      profile.surprisal = num(p?.detector?.statistic);
      profile.anomalyScore = num(p?.detector?.score);
    }
    indicators[name] = profile;
  }
  const h = host.last;
  return {
    host: host.name,
    score: num(h?.score),
    max: num(h?.max),
    maxIndicator: h?.maxIndicator ?? null,
    baseline: num(h?.baseline.mean),
    deviation: num(h?.baseline.deviation),
    z: num(h?.baseline.z),
    evaluatedAtMs: num(h?.t),
    indicators,
  };
}

/** Every host's profile, sorted by host name for stable output. */
export function allProfiles(state: EngineState): HostProfile[] {
  return [...state.hosts.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(hostProfile);
}
