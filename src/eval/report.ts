/**
 * Plain-text tables of NAB results, shared by `health-entropy score` and `npm run eval`.
 */
import { LeadSummary, LeadTime, ProfileResult } from './corpus';

function fixed(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

/** One line per profile: normalized score, threshold, raw, null and perfect scores, window and alert counts. */
export function profileTable(results: ProfileResult[]): string {
  const head = ['profile', 'score', 'threshold', 'raw', 'null', 'perfect', 'windows hit', 'missed', 'false alerts'];
  const rows = results.map((r) => [
    r.profile,
    fixed(r.normalized, 1),
    fixed(r.threshold, 4),
    fixed(r.raw, 2),
    fixed(r.null, 2),
    fixed(r.perfect, 2),
    String(r.tp),
    String(r.fn),
    String(r.fp),
  ]);
  return table([head, ...rows]);
}

/** Per-file scores under one profile (at its optimized threshold). */
export function fileTable(result: ProfileResult): string {
  const head = ['file', 'score', 'hit', 'missed', 'false alerts'];
  const rows = result.files.map((f) => [f.name, fixed(f.score, 3), String(f.tp), String(f.fn), String(f.fp)]);
  return table([head, ...rows]);
}

/** Lead time of each labeled window's first alert. */
export function leadTable(leads: LeadTime[]): string {
  const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
  const head = ['file', 'window end', 'first alert', 'min before end', 'min before label'];
  const rows = leads.map((l) => [
    l.file,
    iso(l.window[1]),
    l.firstAlert === undefined ? 'missed' : iso(l.firstAlert),
    fixed(l.minutesBeforeEnd, 0),
    fixed(l.minutesBeforeLabel, 0),
  ]);
  return table([head, ...rows]);
}

/** One sentence on lead times. */
export function leadLine(s: LeadSummary): string {
  const median = Number.isFinite(s.medianMinutesBeforeEnd) ? s.medianMinutesBeforeEnd.toFixed(0) : '-';
  return (
    `lead time: ${s.detected} of ${s.windows} windows alerted, median ${median} min before the window end; ` +
    `first alert before the labeled point in ${s.beforeLabel}, at it in ${s.atLabel}, after it in ${s.afterLabel}`
  );
}

/** Left-aligned first column, right-aligned numbers. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '))
    .join('\n');
}
