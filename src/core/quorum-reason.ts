/**
 * The sentence every quorum assessment carries: the state, which observers, which indicators, which values —
 * what an operator reads in `/api/v1/profiles`, an alert's reason or the state timeline's tooltip.
 */
import type { IndicatorValue, ObserverView, QuorumAssessment } from './quorum';
import { formatDuration } from './duration';
import type { ResolvedQuorumOptions } from './quorum-options';


const num = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

function values(list: readonly IndicatorValue[]): string {
  return list.map((v) => `${v.indicator} Hn ${num(v.entropy, 3)} z ${num(v.z, 2)}`).join(', ');
}

function details(
  views: readonly ObserverView[],
  names: readonly string[],
  pick: (v: ObserverView) => IndicatorValue[]
) {
  return names.map((n) => `${n}: ${values(pick(views.find((v) => v.observer === n)!))}`).join('; ');
}

/** The reason of an assessment (everything but the reason itself is computed). */
export function quorumReason(a: Omit<QuorumAssessment, 'reason'>, o: ResolvedQuorumOptions): string {
  const active = a.views.filter((v) => v.active);
  const counts = `${a.active} of ${a.known} known observers active, quorum ${a.quorum}`;
  if (a.state === 'unknown') {
    if (a.known === 0) {
      return 'unknown: no observer has reported this host';
    }
    const stale = a.views.filter((v) => !v.active).map((v) => v.observer);
    const names = active.map((v) => v.observer);
    return (
      `unknown: ${counts} — too few to judge` +
      (names.length ? ` (active: ${names.join(', ')})` : '') +
      (stale.length ? `; stale: ${stale.join(', ')}` : '')
    );
  }
  const parts: string[] = [];
  const below = (list: string[], min: number) => list.length > 0 && list.length < min;
  if (a.state === 'unhealthy') {
    parts.push(`unhealthy: checks fail for ${a.failing.join(', ')} (${counts})`);
  } else if (below(a.failing, a.quorum)) {
    parts.push(`checks fail for ${a.failing.join(', ')} only, below the quorum`);
  }
  if (a.state === 'suspect') {
    parts.unshift(
      `suspect: unpredictable for at least ${formatDuration(o.forMs)} by ${a.unpredictable.join(', ')} (${counts}): ` +
        details(a.views, a.unpredictable, (v) => v.unpredictable)
    );
  } else if (a.unpredictable.length > 0) {
    const what = a.state === 'unhealthy' ? 'also unpredictable' : 'unpredictable, below the quorum';
    parts.push(`${what}: ${details(a.views, a.unpredictable, (v) => v.unpredictable)}`);
  }
  const pending = active.filter((v) => v.unpredictable.length > 0 && !v.countsUnpredictable).map((v) => v.observer);
  if (pending.length > 0) {
    parts.push(`unpredictable for less than ${formatDuration(o.forMs)}: ${pending.join(', ')}`);
  }
  if (a.state === 'healthy') {
    const quiet = a.failing.length === 0 && a.unpredictable.length === 0 ? ', checks pass, none unpredictable' : '';
    parts.unshift(`healthy: ${counts}${quiet}`);
  }
  if (a.flagged) {
    parts.push(
      `flagged: high entropy for at least ${formatDuration(o.flagForMs)} by ${a.flaggedBy.join(', ')}: ` +
        details(a.views, a.flaggedBy, (v) => v.high)
    );
  }
  return parts.join('; ');
}
