/**
 * Reading `timestamp,value` CSV files: NAB's format (`2014-02-14 14:30:00,0.132`), and exports from
 * Prometheus or Grafana (epoch seconds or milliseconds, RFC 3339, a header row, quoted fields, extra columns).
 *
 * A malformed row is reported with its line number and skipped; it never stops the file or vanishes silently.
 */

/** A row that could not be read. */
export interface CsvProblem {
  line: number;
  message: string;
}

/** A parsed series. */
export interface CsvSeries {
  timestamps: Float64Array;
  values: Float64Array;
  /** 1-based line number of each row, for messages. */
  lines: Int32Array;
  /** The original timestamp text of each row, to write back unchanged. */
  rawTimestamps: string[];
  problems: CsvProblem[];
  /** Header cells, when the first line was a header. */
  header: string[] | undefined;
}

/** Options for {@link parseCsv}. */
export interface CsvOptions {
  /** Column holding the timestamp (name or 0-based index); default: a column named like time, else 0. */
  timeColumn?: string | number;
  /** Column holding the value; default: a column named value, else the last column. */
  valueColumn?: string | number;
  /** At most this many problems are kept (the count goes on). Default 1000. */
  maxProblems?: number;
}

const VALUE_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^([+-]?inf|nan)$/i;
const NAB_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;

/**
 * Parses a timestamp to epoch milliseconds: `YYYY-MM-DD HH:MM[:SS[.fff]]` (UTC, NAB), RFC 3339 with zone,
 * or a number (seconds if below 1e11, else milliseconds — Prometheus exports seconds, Grafana milliseconds).
 * Returns NaN when it is none of these.
 */
export function parseTimestamp(text: string): number {
  const s = text.trim();
  if (s === '') {
    return NaN;
  }
  if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s)) {
    const n = Number(s);
    return Math.abs(n) < 1e11 ? n * 1000 : n;
  }
  const m = NAB_TIME.exec(s);
  if (m) {
    const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
    const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0, ms);
    // Date.UTC rolls over (month 13 → next year); reject what does not round-trip.
    const d = new Date(t);
    return d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3] && +m[4] < 24 && +m[5] < 60 ? t : NaN;
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(s) && /(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
    return Date.parse(s);
  }
  return NaN;
}

/**
 * Parses a value: a decimal number, or Prometheus's `NaN`, `+Inf`, `-Inf` (kept: the window skips them).
 * Returns undefined for anything else.
 */
export function parseValue(text: string): number | undefined {
  const s = text.trim();
  if (!VALUE_RE.test(s)) {
    return undefined;
  }
  switch (s.toLowerCase()) {
    case 'nan':
      return NaN;
    case '+inf':
    case 'inf':
      return Infinity;
    case '-inf':
      return -Infinity;
  }
  return Number(s);
}

/** Splits one CSV line, honouring double quotes (`""` inside quotes is a quote). */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else {
      cell += ch;
    }
  }
  cells.push(cell);
  return cells;
}

function columnIndex(
  header: string[] | undefined,
  wanted: string | number | undefined,
  fallback: number,
  names: RegExp
): number {
  if (typeof wanted === 'number') {
    return wanted;
  }
  if (header) {
    const lower = header.map((h) => h.trim().toLowerCase());
    if (typeof wanted === 'string') {
      const i = lower.indexOf(wanted.toLowerCase());
      if (i < 0) {
        throw new Error(`column "${wanted}" not found in header (${header.join(', ')})`);
      }
      return i;
    }
    const i = lower.findIndex((h) => names.test(h));
    if (i >= 0) {
      return i;
    }
  } else if (typeof wanted === 'string') {
    throw new Error(`column "${wanted}" was asked for, but the file has no header row`);
  }
  return fallback;
}

/** Parses CSV text. Rows with a bad timestamp or value are reported in `problems` and skipped. */
export function parseCsv(text: string, options: CsvOptions = {}): CsvSeries {
  const maxProblems = options.maxProblems ?? 1000;
  const rows = text.split(/\r?\n/);
  const problems: CsvProblem[] = [];
  let problemCount = 0;
  const report = (line: number, message: string) => {
    problemCount++;
    if (problems.length < maxProblems) {
      problems.push({ line, message });
    }
  };
  let first = 0;
  while (first < rows.length && rows[first].trim() === '') {
    first++;
  }
  let header: string[] | undefined;
  if (first < rows.length) {
    const cells = splitCsvLine(rows[first].replace(/^\uFEFF/, ''));
    // A header is a first line whose timestamp cell is not a timestamp.
    if (cells.length >= 2 && Number.isNaN(parseTimestamp(cells[0])) && !cells.some((c) => VALUE_RE.test(c.trim()))) {
      header = cells;
      first++;
    }
  }
  const width = header?.length ?? (first < rows.length ? splitCsvLine(rows[first]).length : 2);
  const tCol = columnIndex(header, options.timeColumn, 0, /^(time|timestamp|date|ts)$/);
  const vCol = columnIndex(header, options.valueColumn, Math.max(1, width - 1), /^(value|val|y)$/);
  const ts: number[] = [];
  const vs: number[] = [];
  const lines: number[] = [];
  const raw: string[] = [];
  for (let r = first; r < rows.length; r++) {
    const line = rows[r];
    if (line.trim() === '') {
      continue;
    }
    const cells = splitCsvLine(line);
    const lineNo = r + 1;
    if (cells.length <= Math.max(tCol, vCol)) {
      report(lineNo, `expected at least ${Math.max(tCol, vCol) + 1} columns, got ${cells.length}`);
      continue;
    }
    const t = parseTimestamp(cells[tCol]);
    if (Number.isNaN(t)) {
      report(lineNo, `timestamp ${JSON.stringify(cells[tCol].slice(0, 40))} is not a date or epoch number`);
      continue;
    }
    const v = parseValue(cells[vCol]);
    if (v === undefined) {
      report(lineNo, `value ${JSON.stringify(cells[vCol].trim().slice(0, 40))} is not a number`);
      continue;
    }
    ts.push(t);
    vs.push(v);
    lines.push(lineNo);
    raw.push(cells[tCol].trim());
  }
  if (problemCount > problems.length) {
    problems.push({ line: 0, message: `${problemCount - problems.length} more problems not listed` });
  }
  return {
    timestamps: Float64Array.from(ts),
    values: Float64Array.from(vs),
    lines: Int32Array.from(lines),
    rawTimestamps: raw,
    problems,
    header,
  };
}
