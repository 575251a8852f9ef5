/** Test helpers of the differential stream's engine tests (not shipped: only tests import it). */
import pino from 'pino';
import { Profile } from '../../core';
import { parseConfig } from '../config';
import { Engine } from '../engine';

/** An engine from YAML (secrets from `env`), not started: routes via `inject`, or `server.listen` for a socket. */
export function engineFrom(yaml: string, env: NodeJS.ProcessEnv = {}, now?: () => number): Engine {
  return new Engine(parseConfig(yaml, {}, { env }), pino({ level: 'silent' }), now);
}

/** A profile from `{host: {indicator: [hn, mean?, std?]}}`. */
export function profileOf(spec: Record<string, Record<string, number[]>>): Profile {
  return new Map(
    Object.entries(spec).map(([host, m]) => [
      host,
      new Map(
        Object.entries(m).map(([ind, [hn, mean, std]]) => [ind, mean === undefined ? { hn } : { hn, mean, std }])
      ),
    ])
  );
}
