/**
 * `npm run bench`: every benchmark, one JSON document on stdout. Figures are medians of repeated runs on one
 * core; ratios compare with a reference run in the same process, so they mean more than absolute rates on a
 * shared machine.
 */
import { cpus } from 'node:os';
import { benchCore } from './core';
import { benchBrowserQuery } from './browser';
import { benchDetector } from './detector';
import { benchEngine } from './engine';
import { benchDelta } from './delta';
import { benchQuorum } from './quorum';

async function main(): Promise<void> {
  const started = Date.now();
  const report: Record<string, unknown> = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    core: benchCore(),
    detector: benchDetector(),
    engine: await benchEngine(),
    delta: benchDelta(),
    quorum: benchQuorum(),
    browser: await benchBrowserQuery().catch((e: Error) => ({ skipped: e.message })),
  };
  report.seconds = Math.round((Date.now() - started) / 1000);
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
  process.exitCode = 1;
});
