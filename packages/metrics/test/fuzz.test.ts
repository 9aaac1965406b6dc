import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The fast-check property test of the public API (issue 16) runs in a child
 * process (fuzz-runner.ts) so that a hanging call is a timeout with the call
 * named, not a frozen test run. Fixed seed, 300 cases by default;
 * STEINKIT_FUZZ_LONG=1 runs 3000 (STEINKIT_FUZZ_RUNS / STEINKIT_FUZZ_SEED override).
 */
const LONG = process.env.STEINKIT_FUZZ_LONG === '1';
const LIMIT_MS = LONG ? 1_800_000 : 240_000;

describe('fuzz: bad input never hangs, never lies, never kills the backend', () => {
  it(
    'random shapes, dtypes, values and bandwidths: named TypeError/RangeError or documented values, no leaks',
    () => {
      const root = resolve(import.meta.dirname, '../../..');
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', resolve(import.meta.dirname, 'fuzz-runner.ts')],
        {
          cwd: root,
          env: { ...process.env, STEINKIT_BACKEND: process.env.STEINKIT_BACKEND ?? 'wasm' },
          timeout: LIMIT_MS,
          encoding: 'utf8',
          maxBuffer: 64 * 2 ** 20,
        },
      );
      const tail = (r.stderr ?? '').split('\n').slice(-30).join('\n');
      if (r.error || r.status !== 0) {
        throw new Error(
          `fuzz runner ${r.error ? `failed (${r.error.message})` : `exited ${r.status} (signal ${r.signal})`}; last output:\n${tail}`,
        );
      }
      const summary = JSON.parse(r.stdout.trim().split('\n').pop() as string);
      expect(summary.runs).toBeGreaterThanOrEqual(300);
      expect(summary.calls).toBe(summary.runs);
      // both outcomes are exercised: named errors and returned values
      expect(summary.threw).toBeGreaterThan(30);
      expect(summary.returned).toBeGreaterThan(30);
      console.log(`fuzz: ${JSON.stringify(summary)}`);
    },
    LIMIT_MS + 30_000,
  );
});
