/**
 * A free loopback port for tests that must know a port before anything listens on it (connection refused).
 */
import { createServer } from 'node:net';

/** Asks the kernel for a free port on 127.0.0.1 and releases it. */
export function freePortForTests(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}
