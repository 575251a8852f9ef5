/**
 * The engine's state as a delta-codec {@link Profile}: host → indicator → `Hn` with the baseline `μ`/`σ` the
 * last value was judged against (the numbers `/metrics` exports as `health_entropy` and
 * `health_entropy_baseline`), built once per evaluation and shared by every receiver.
 */
import { DEFAULT_DELTA_LIMITS, nameProblem, Profile, SeriesValue } from '../../core';
import { EngineSeries } from '../series';
import { EngineState } from '../state';

/** A profile and the series left out of it. */
export interface StateProfile {
  profile: Profile;
  /** Series whose host name cannot travel in a frame (e.g. longer than 256 UTF-8 bytes), left out. */
  unsendable: number;
}

/** `Hn` and baseline of one series, or undefined while its window is not full. */
export function seriesValue(s: EngineSeries): SeriesValue | undefined {
  const hn = s.entropy;
  if (s.ended || !Number.isFinite(hn)) {
    return undefined;
  }
  const p = s.current;
  if (p) {
    return p.ready && Number.isFinite(p.baseline) && Number.isFinite(p.std)
      ? { hn, mean: p.baseline, std: p.std }
      : { hn };
  }
  // Restored and not evaluated since: the learned baseline, as /api/v1/profiles shows it.
  const b = s.pipeline.baseline;
  const learned = b.state();
  return b.ready ? { hn, mean: learned.mean, std: Math.sqrt(learned.variance) } : { hn };
}

/** Every defined series of `state`. One bad name costs that host, not the whole stream. */
export function stateProfile(state: EngineState): StateProfile {
  const profile: Profile = new Map();
  let unsendable = 0;
  for (const host of state.hosts.values()) {
    if (nameProblem(host.name, DEFAULT_DELTA_LIMITS.maxNameBytes) !== undefined) {
      unsendable += host.series.size;
      continue;
    }
    const m = new Map<string, SeriesValue>();
    // Indicator names are `[a-zA-Z_][a-zA-Z0-9_]*` (config-checked), so always sendable.
    for (const [name, s] of host.series) {
      const v = seriesValue(s);
      if (v) {
        m.set(name, v);
      }
    }
    if (m.size > 0) {
      profile.set(host.name, m);
    }
  }
  return { profile, unsendable };
}

/** What one stream client asked for; an empty set means everything. */
export interface ProfileFilter {
  hosts: ReadonlySet<string>;
  indicators: ReadonlySet<string>;
}

/** The part of `profile` that `filter` selects (the same maps when nothing is filtered). */
export function filterProfile(profile: Profile, filter: ProfileFilter): Profile {
  if (filter.hosts.size === 0 && filter.indicators.size === 0) {
    return profile;
  }
  const out: Profile = new Map();
  const hosts = filter.hosts.size === 0 ? profile.keys() : filter.hosts.values();
  for (const host of hosts) {
    const m = profile.get(host);
    if (!m) {
      continue;
    }
    if (filter.indicators.size === 0) {
      out.set(host, m);
      continue;
    }
    const picked = new Map<string, SeriesValue>();
    for (const ind of filter.indicators) {
      const v = m.get(ind);
      if (v) {
        picked.set(ind, v);
      }
    }
    if (picked.size > 0) {
      out.set(host, picked);
    }
  }
  return out;
}
