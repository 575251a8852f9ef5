/**
 * The quorum's outputs: its metric families on `/metrics`, and its part of each host's `/api/v1/profiles` entry.
 */
import { QUORUM_STATE_CODES, QuorumAssessment, QuorumState } from '../../core';
import { ExpositionWriter } from '../exposition';
import { HostProfile } from '../profiles';
import { escapeLabel } from '../series';

/** Observer counts exported as `health_entropy_quorum_observers{kind}`. */
export const OBSERVER_KINDS = ['known', 'active', 'failing', 'unpredictable', 'flagging'] as const;

const FAMILIES = [
  {
    name: 'health_entropy_quorum_state',
    help: 'Quorum state of the host: -1 unknown, 0 healthy, 1 suspect, 2 unhealthy.',
  },
  {
    name: 'health_entropy_quorum_flagged',
    help: '1 when a quorum of observers has seen consistently high entropy of the host (flag.for), else 0.',
  },
  { name: 'health_entropy_quorum_size', help: 'Observers that must agree (quorum.size, or a majority of the known).' },
  {
    name: 'health_entropy_quorum_observers',
    help: 'Observers of the host by kind: known (seen within knownFor), active (within staleness), failing checks, unpredictable for unpredictable.for, flagging (high entropy for flag.for).',
  },
];

/**
 * Appends the quorum families (one family at a time, as the text format requires). Every value is a small
 * integer, written as one (`2`, not `2.000000000000`).
 */
export function renderQuorum(assessments: readonly QuorumAssessment[], out: ExpositionWriter): void {
  const labels = assessments.map((a) => `host="${escapeLabel(a.host)}"`);
  const [state, flagged, size, observers] = FAMILIES;
  const header = (f: (typeof FAMILIES)[number]) => `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} gauge\n`;
  const family = (f: (typeof FAMILIES)[number], value: (a: QuorumAssessment) => number) => {
    out.text(header(f) + assessments.map((a, i) => `${f.name}{${labels[i]}} ${value(a)}\n`).join(''));
  };
  family(state, (a) => QUORUM_STATE_CODES[a.state]);
  family(flagged, (a) => (a.flagged ? 1 : 0));
  family(size, (a) => a.quorum);
  const lines = assessments.map((a, i) => {
    const counts = {
      known: a.known,
      active: a.active,
      failing: a.failing.length,
      unpredictable: a.unpredictable.length,
      flagging: a.flaggedBy.length,
    };
    return OBSERVER_KINDS.map((kind) => `${observers.name}{${labels[i]},kind="${kind}"} ${counts[kind]}\n`).join('');
  });
  out.text(header(observers) + lines.join(''));
}

const num = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/** One observer's view in a profile. */
export interface ObserverProfile {
  observer: string;
  active: boolean;
  lastSeenMs: number;
  checkOk: boolean | null;
  unpredictable: boolean;
  unpredictableSinceMs: number | null;
  flagging: boolean;
  highSinceMs: number | null;
  indicators: Record<string, { entropy: number | null; z: number | null; unpredictable: boolean; high: boolean }>;
}

/** The `quorum` member of a host profile. */
export interface QuorumProfile {
  state: QuorumState;
  /** `health_entropy_quorum_state`'s value. */
  code: number;
  sinceMs: number;
  flagged: boolean;
  flaggedSinceMs: number | null;
  quorum: number;
  known: number;
  active: number;
  failing: string[];
  unpredictable: string[];
  flaggedBy: string[];
  reason: string;
  evaluatedAtMs: number;
  observers: ObserverProfile[];
}

/** A host profile with the quorum's assessment. */
export type HostProfileWithQuorum = HostProfile & { quorum?: QuorumProfile };

/** The profile form of an assessment (JSON: no NaN, no undefined). */
export function quorumProfile(a: QuorumAssessment): QuorumProfile {
  return {
    state: a.state,
    code: QUORUM_STATE_CODES[a.state],
    sinceMs: a.since,
    flagged: a.flagged,
    flaggedSinceMs: num(a.flaggedSince),
    quorum: a.quorum,
    known: a.known,
    active: a.active,
    failing: a.failing,
    unpredictable: a.unpredictable,
    flaggedBy: a.flaggedBy,
    reason: a.reason,
    evaluatedAtMs: a.at,
    observers: a.views.map((v) => ({
      observer: v.observer,
      active: v.active,
      lastSeenMs: v.lastSeen,
      checkOk: v.checkOk ?? null,
      unpredictable: v.countsUnpredictable,
      unpredictableSinceMs: num(v.unpredictableSince),
      flagging: v.countsFlag,
      highSinceMs: num(v.highSince),
      indicators: Object.fromEntries(
        v.indicators.map((i) => [
          i.indicator,
          {
            entropy: num(i.entropy),
            z: num(i.z),
            unpredictable: v.unpredictable.some((u) => u.indicator === i.indicator),
            high: v.high.some((u) => u.indicator === i.indicator),
          },
        ])
      ),
    })),
  };
}

function emptyProfile(host: string): HostProfile {
  return {
    host,
    score: null,
    max: null,
    maxIndicator: null,
    baseline: null,
    deviation: null,
    z: null,
    evaluatedAtMs: null,
    indicators: {},
  };
}

/** What the HTTP routes read from the quorum (the {@link QuorumService} in the engine). */
export interface QuorumOutputs {
  /** The last assessment of every host. */
  assessments(): QuorumAssessment[];
  assessment(host: string): QuorumAssessment | undefined;
}

/**
 * Adds each host's quorum assessment to its profile; hosts only the quorum knows get a profile of their own
 * (no host-level entropy). With `onlyHost`, just that host. Sorted by host.
 */
export function withQuorum(
  profiles: readonly HostProfile[],
  quorum: QuorumOutputs | undefined,
  onlyHost?: string
): HostProfileWithQuorum[] {
  const byHost = new Map<string, HostProfileWithQuorum>(profiles.map((p) => [p.host, { ...p }]));
  const list = onlyHost === undefined ? (quorum?.assessments() ?? []) : [quorum?.assessment(onlyHost)];
  for (const a of list) {
    if (a) {
      byHost.set(a.host, { ...(byHost.get(a.host) ?? emptyProfile(a.host)), quorum: quorumProfile(a) });
    }
  }
  return [...byHost.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}
