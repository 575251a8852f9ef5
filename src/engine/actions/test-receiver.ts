/**
 * A scriptable webhook receiver for tests (unit and integration): a real HTTP server on loopback that
 * verifies each request's Standard Webhooks signature with its own code, records it, and answers as the test
 * says (status, headers, delay, or a dropped connection). Not used by the engine itself.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** One request as received. */
export interface Received {
  id: string;
  timestamp: number;
  /** Whether `webhook-signature` holds a v1 HMAC of `id.timestamp.body` under the receiver's key. */
  signatureValid: boolean;
  body: string;
  json: Record<string, unknown> | undefined;
  /** Wall clock when the request's body had arrived. */
  at: number;
  status: number;
  path: string;
}

/** How to answer one request (`close`: drop the connection without a response). */
export type Reply = { status: number; headers?: Record<string, string>; delayMs?: number; body?: string } | 'close';

/** Checks a Standard Webhooks signature header against `key`. */
export function verifySignature(key: Buffer, id: string, timestamp: string, body: string, header: string): boolean {
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return header.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    const given = Buffer.from(value ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** The receiver. */
export class TestReceiver {
  readonly received: Received[] = [];
  /** Requests answered (or dropped) so far: `received.length − answered` are still being answered. */
  answered = 0;
  /** Decides each reply (default: 200). */
  script: (req: { id: string; json: Record<string, unknown> | undefined; n: number }) => Reply = () => ({
    status: 200,
  });
  private server: Server | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  port = 0;

  constructor(private readonly key: Buffer) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/actions`;
  }

  /** Listens on `port` (0: any free one). */
  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const h = (name: string) => String((req as IncomingMessage).headers[name] ?? '');
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(body) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        const id = h('webhook-id');
        const reply = this.script({ id, json, n: this.received.length });
        const record: Received = {
          id,
          timestamp: Number(h('webhook-timestamp')),
          signatureValid: verifySignature(this.key, id, h('webhook-timestamp'), body, h('webhook-signature')),
          body,
          json,
          at: Date.now(),
          status: reply === 'close' ? 0 : reply.status,
          path: req.url ?? '',
        };
        this.received.push(record);
        if (reply === 'close') {
          this.answered++;
          req.socket.destroy();
          return;
        }
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.answered++;
          if (!res.destroyed) {
            res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
          }
        }, reply.delayMs ?? 0);
        this.timers.add(timer);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Closes the server and every open connection. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const t of this.timers) {
      clearTimeout(t);
    }
    this.timers.clear();
    if (s) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  }

  /** Received requests that were answered 2xx, first per webhook-id (deduplicated). */
  deliveredOnce(): Received[] {
    const seen = new Set<string>();
    return this.received.filter((r) => {
      if (r.status < 200 || r.status >= 300 || seen.has(r.id)) {
        return false;
      }
      seen.add(r.id);
      return true;
    });
  }
}
