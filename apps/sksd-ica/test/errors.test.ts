import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildProgram, loadCache, type RunRecord, runCached, writeReport } from '../src/index';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const good: RunRecord = {
  method: 'ksd',
  D: 10,
  seed: 60,
  iterations: 1000,
  batch: 100,
  nTrain: 20000,
  nTest: 5000,
  testLogLik: -12.5,
  oracle: -10,
  trace: [[1000, -12.5]],
  backend: 'wasm',
  seconds: 3,
  finishedAt: '2026-12-02T00:00:00Z',
};

describe('sksd-ica cache and CLI bad input (issue 16)', () => {
  it('a malformed or incomplete cache file is skipped with a warning naming it; the report still builds', () => {
    const out = mkdtempSync(join(tmpdir(), 'sksd-ica-badinput-'));
    dirs.push(out);
    const cache = join(out, 'cache');
    mkdirSync(cache);
    writeFileSync(join(cache, 'ksd-D10-seed60-it1000.json'), JSON.stringify(good));
    writeFileSync(join(cache, 'lsd-D10-seed60-it1000.json'), '{"method": "lsd", "D": 10,');
    writeFileSync(join(cache, 'maxsksd-D10-seed60-it1000.json'), '{"method": "maxsksd"}');
    const warnings: string[] = [];
    const recs = loadCache(cache, (m) => warnings.push(m));
    expect(recs).toEqual([good]);
    expect(warnings).toHaveLength(2);
    expect(
      warnings.some((w) =>
        /^sksd-ica: skipping malformed cache file .*lsd-D10-seed60-it1000\.json \(/.test(w),
      ),
    ).toBe(true);
    expect(
      warnings.some((w) =>
        /maxsksd-D10-seed60-it1000\.json \(D, seed, iterations, testLogLik or oracle missing/.test(
          w,
        ),
      ),
    ).toBe(true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => writeReport(out)).not.toThrow(); // was "Unexpected end of JSON input" / "reading 'toFixed'"
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(
        /skipping malformed cache file .*lsd-D10/,
      );
    } finally {
      stderr.mockRestore();
    }
  });
  it('runCached recomputes over its own malformed file instead of failing', () => {
    const cache = mkdtempSync(join(tmpdir(), 'sksd-ica-badinput-'));
    dirs.push(cache);
    writeFileSync(join(cache, 'ksd-D2-seed60-it1.json'), 'not json');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const { record, cached } = runCached(cache, {
        method: 'ksd',
        dim: 2,
        seed: 60,
        iterations: 1,
        nTrain: 100,
        nTest: 10,
        evalEvery: 1,
        backend: 'wasm',
      });
      expect(cached).toBe(false);
      expect(Number.isFinite(record.testLogLik)).toBe(true);
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(
        /skipping malformed cache file .*ksd-D2-seed60-it1\.json/,
      );
    } finally {
      stderr.mockRestore();
    }
  });
  it('--n-train 1 names the flag', () => {
    const p = buildProgram()
      .exitOverride()
      .configureOutput({ writeErr: () => {} });
    expect(() => p.parse(['node', 'sksd-ica', '--n-train', '1'])).toThrow(
      "--n-train: expected an integer ≥ 100 (one minibatch of 100 points), got '1'",
    );
  });
});
