/**
 * The edge side of edge → central: after each evaluation, the engine's profile goes through one
 * {@link DeltaEncoder} and out as a binary frame to the central's `POST /api/v1/deltas`.
 *
 * The encoder assumes every frame it made reached the central, so anything but a taken frame (timeout,
 * network error, a 4xx/5xx) makes the next frame a keyframe; a 409 (the central has no base for our deltas:
 * it restarted, or missed a frame) is answered at once with a keyframe of the same profile. While a push is
 * in flight, or after a failure during the backoff (exponential, jittered, honouring `retry-after`),
 * evaluations are skipped rather than queued: the next frame carries every change since what the central
 * holds, so nothing is lost by skipping.
 */
import type { Logger } from 'pino';
import { DeltaEncoder, Profile } from '../../core';
import { DELTA_CONTENT_TYPE, EDGE_HEADER } from './central';
import type { UpstreamConfig } from './config';
import type { DeltaTelemetry } from './telemetry';

/** Longest central answer read (its JSON is a line; anything longer is cut). */
const MAX_ANSWER_BYTES = 64 * 1024;

/** What `/api/v1/upstream` shows. */
export interface UpstreamStatus {
  edge: string;
  url: string;
  up: boolean;
  epoch: number;
  /** Seq of the last frame the central took, the evaluation it carried, and when it was taken. */
  lastAckSeq: number | null;
  lastAckEvalMs: number | null;
  lastSuccessMs: number | null;
  /** A push is on the wire. */
  inFlight: boolean;
  /** Consecutive failures, and when the next push may go. */
  failures: number;
  nextAttemptMs: number | null;
  lastError: string | null;
}

/** Reads at most `max` bytes of a response body, then drops the rest. */
async function boundedText(res: Response, max: number): Promise<string> {
  if (!res.body) {
    return '';
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    chunks.push(value);
    n += value.length;
    if (n >= max) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/** Pushes an edge's frames to its central. */
export class UpstreamPusher {
  readonly encoder: DeltaEncoder;
  private inFlight: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private failures = 0;
  private nextAttemptMs = 0;
  private lastEvalMs = -Infinity;
  private lastAck: { seq: number; evalMs: number; atMs: number } | undefined;
  private lastError: string | undefined;
  private up = false;

  constructor(
    readonly config: UpstreamConfig,
    readonly edge: string,
    private readonly telemetry: DeltaTelemetry,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now
  ) {
    this.encoder = new DeltaEncoder(config.encoder);
    telemetry.upstreamUp.set({}, 0);
  }

  /** Resolves when no push is in flight (tests, and shutdown). */
  get idle(): Promise<void> {
    return this.inFlight ?? Promise.resolve();
  }

  /** The profile of the evaluation at `evalMs`: sent unless a push is in flight, backing off, or not yet due. */
  offer(profile: Profile, evalMs: number): void {
    if (this.stopping.signal.aborted || this.inFlight || this.now() < this.nextAttemptMs) {
      return;
    }
    if (evalMs - this.lastEvalMs < this.config.intervalMs) {
      return;
    }
    this.lastEvalMs = evalMs;
    const run = this.send(profile, evalMs, false).finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = run;
  }

  private async send(profile: Profile, evalMs: number, isRetry: boolean): Promise<void> {
    let frame;
    try {
      frame = this.encoder.next(profile);
    } catch (e) {
      // Only a value the codec cannot carry ends here (the profile builder leaves out unsendable names).
      this.fail(`the profile cannot be encoded: ${(e as Error).message}`);
      return;
    }
    const kind = frame.frame.keyframe ? 'keyframe' : 'delta';
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.config.url, {
        method: 'POST',
        headers: { ...this.config.headers, 'content-type': DELTA_CONTENT_TYPE, [EDGE_HEADER]: this.edge },
        // A copy typed on a plain ArrayBuffer, as both Node's and the DOM's fetch typings accept.
        body: new Uint8Array(frame.binary),
        signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.config.timeoutMs)]),
      });
      text = await boundedText(res, MAX_ANSWER_BYTES);
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      // fetch's own message is only "fetch failed"; the cause says which (ECONNREFUSED, other side closed, …).
      const cause = err.cause ? `: ${err.cause.code ?? err.cause.message}` : '';
      const reason =
        err.name === 'TimeoutError' ? `no answer within ${this.config.timeoutMs} ms` : `${err.message}${cause}`;
      this.telemetry.pushes.inc({ result: 'failed', kind });
      this.fail(`POST ${this.config.url} failed: ${reason}`);
      return;
    }
    this.telemetry.pushBytes.inc({}, frame.binary.length);
    let answer: { status?: unknown; needKeyframe?: unknown; error?: unknown } = {};
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      // A proxy's HTML error page, say: the status code still tells what happened.
    }
    if (res.ok) {
      const status = typeof answer.status === 'string' ? answer.status : 'applied';
      this.telemetry.pushes.inc({
        result: ['applied', 'duplicate', 'stale'].includes(status) ? status : 'applied',
        kind,
      });
      if (answer.needKeyframe === true) {
        this.encoder.requestKeyframe();
      }
      if (!this.up || this.failures > 0) {
        this.logger.info({ url: this.config.url, seq: frame.frame.seq, kind }, 'upstream: central takes our frames');
      }
      this.failures = 0;
      this.up = true;
      this.lastAck = { seq: frame.frame.seq, evalMs, atMs: this.now() };
      this.telemetry.upstreamUp.set({}, 1);
      this.telemetry.upstreamLastSuccess.set({}, this.lastAck.atMs / 1000);
      return;
    }
    const error = typeof answer.error === 'string' ? answer.error.slice(0, 500) : text.slice(0, 200);
    if (res.status === 409 && !isRetry) {
      this.telemetry.pushes.inc({ result: 'keyframe_requested', kind });
      this.logger.info({ url: this.config.url, seq: frame.frame.seq, error }, 'upstream: central asks for a keyframe');
      this.encoder.requestKeyframe();
      return this.send(profile, evalMs, true);
    }
    this.telemetry.pushes.inc({ result: 'refused', kind });
    const retryAfter = Number(res.headers.get('retry-after'));
    this.fail(
      `central answered ${res.status}: ${error}`,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0
    );
  }

  private fail(message: string, retryAfterMs = 0): void {
    this.encoder.requestKeyframe();
    this.failures++;
    this.up = false;
    this.lastError = message;
    this.telemetry.upstreamUp.set({}, 0);
    const { intervalMs, maxBackoffMs } = this.config;
    const base = Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(this.failures - 1, 20));
    // Jitter spreads the retries of many edges after a central outage.
    const wait = Math.max(base * (0.5 + Math.random() / 2), Math.min(retryAfterMs, 3_600_000));
    this.nextAttemptMs = this.now() + wait;
    if (!this.stopping.signal.aborted) {
      this.logger.warn(
        { url: this.config.url, failures: this.failures, retryInMs: Math.round(wait), err: message },
        'upstream push failed; the next frame will be a keyframe'
      );
    }
  }

  status(): UpstreamStatus {
    return {
      edge: this.edge,
      url: this.config.url,
      up: this.up,
      epoch: this.encoder.options.epoch,
      lastAckSeq: this.lastAck?.seq ?? null,
      lastAckEvalMs: this.lastAck?.evalMs ?? null,
      lastSuccessMs: this.lastAck?.atMs ?? null,
      inFlight: this.inFlight !== undefined,
      failures: this.failures,
      nextAttemptMs: this.failures > 0 ? this.nextAttemptMs : null,
      lastError: this.lastError ?? null,
    };
  }

  /** Aborts a push in flight and waits for it. Idempotent. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.idle;
  }
}
