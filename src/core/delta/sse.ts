/**
 * Server-Sent Events framing of text frames, for `GET /api/v1/stream` (the engine writes it) and the data
 * source's live mode (it reads it). One frame is one event: `id: epoch.seq`, one `data:` line per frame line,
 * then a blank line. Text frames never contain CR or LF inside a line (names are percent-encoded), so joining
 * the `data` lines with LF, as the SSE rules do, gives the frame back byte for byte.
 *
 * The parser follows the WHATWG event-stream rules (LF, CR or CRLF line ends, comments, `data`/`id`/`event`/
 * `retry` fields, a leading BOM) and is bounded: an event larger than `maxEventChars` is an error rather than
 * a buffer that grows with whatever a peer sends.
 */
import { FrameError } from './varint';

/** One dispatched event. */
export interface SseEvent {
  /** The `event` field, `message` when absent. */
  event: string;
  /** The `data` lines joined with LF. */
  data: string;
  /** The last `id` seen on the stream (SSE ids persist across events). */
  id: string;
}

/** A comment line: keeps proxies and clients from timing out an idle stream, dispatches nothing. */
export const SSE_HEARTBEAT = ': heartbeat\n\n';

/** Formats one text frame as one event; `id` is written when given (e.g. `7.42`, epoch and seq). */
export function formatSseEvent(text: string, id?: string): string {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  let out = id === undefined ? '' : `id: ${id}\n`;
  for (const line of lines) {
    out += `data: ${line}\n`;
  }
  return `${out}\n`;
}

/** Default bound on one event: the decoder's default frame bound. */
export const DEFAULT_MAX_SSE_EVENT_CHARS = 16 * 1024 * 1024;

/** Incremental event-stream parser: feed chunks as they arrive, get the events they complete. */
export class SseParser {
  private line = '';
  private data: string[] = [];
  private dataChars = 0;
  private event = '';
  private lastId = '';
  private afterCR = false;
  private started = false;
  /** The latest `retry` field, in ms, if the server sent one. */
  retryMs: number | undefined;

  constructor(private readonly maxEventChars = DEFAULT_MAX_SSE_EVENT_CHARS) {}

  /** Parses `chunk`; throws {@link FrameError} when an event grows past the bound (the stream is then unusable). */
  push(chunk: string): SseEvent[] {
    const out: SseEvent[] = [];
    let s = chunk;
    if (!this.started && s.length > 0) {
      this.started = true;
      if (s.charCodeAt(0) === 0xfeff) {
        s = s.slice(1);
      }
    }
    let i = 0;
    if (this.afterCR && s.startsWith('\n')) {
      i = 1; // the LF of a CRLF split across chunks
    }
    this.afterCR = false;
    while (i < s.length) {
      const lf = s.indexOf('\n', i);
      const cr = s.indexOf('\r', i);
      const end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (end < 0) {
        this.line += s.slice(i);
        this.checkSize();
        break;
      }
      this.line += s.slice(i, end);
      this.checkSize();
      this.handleLine(this.line, out);
      this.line = '';
      if (s[end] === '\r') {
        if (end + 1 === s.length) {
          this.afterCR = true;
          i = end + 1;
        } else {
          i = s[end + 1] === '\n' ? end + 2 : end + 1;
        }
      } else {
        i = end + 1;
      }
    }
    return out;
  }

  private checkSize(): void {
    if (this.line.length + this.dataChars > this.maxEventChars) {
      throw new FrameError(`an event of the stream is larger than ${this.maxEventChars} characters`);
    }
  }

  private handleLine(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.lastId });
      }
      this.data = [];
      this.dataChars = 0;
      this.event = '';
      return;
    }
    if (line.startsWith(':')) {
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'data') {
      this.data.push(value);
      this.dataChars += value.length + 1;
    } else if (field === 'event') {
      this.event = value;
    } else if (field === 'id') {
      if (!value.includes('\u0000')) {
        this.lastId = value;
      }
    } else if (field === 'retry' && /^\d+$/.test(value)) {
      this.retryMs = Number(value);
    }
  }
}
