import { describe, expect, it } from 'vitest';
import { markdownTable, summarize } from '../src/report';
import type { RunRecord } from '../src/run';
import type { Method } from '../src/trainers';

function rec(method: Method, D: number, seed: number, iterations: number, ll: number): RunRecord {
  return {
    method,
    D,
    seed,
    iterations,
    batch: 100,
    nTrain: 20000,
    nTest: 5000,
    testLogLik: ll,
    oracle: 100 + seed,
    trace: [[iterations, ll]],
    backend: 'wasm',
    seconds: 10,
    finishedAt: '2026-11-25T00:00:00Z',
  };
}

describe('summarize', () => {
  it('reports the longest runs per (method, D) with mean and population std over their seeds', () => {
    const rs = [
      // a shorter sweep with more seeds must not win over the protocol's 15 000 iterations
      rec('maxsksd', 20, 60, 3000, -30),
      rec('maxsksd', 20, 70, 3000, -31),
      rec('maxsksd', 20, 80, 3000, -32),
      rec('maxsksd', 20, 60, 15000, -14),
      rec('maxsksd', 20, 70, 15000, -16),
      rec('ksd', 20, 60, 15000, -20),
    ];
    const s = summarize(rs);
    const m = s.find((x) => x.method === 'maxsksd' && x.D === 20);
    expect(m?.iterations).toBe(15000);
    expect(m?.seeds).toEqual([60, 70]);
    expect(m?.mean).toBeCloseTo(-15, 12);
    expect(m?.std).toBeCloseTo(1, 12); // ddof = 0: sqrt(((−14+15)² + (−16+15)²)/2)
    expect(m?.seconds).toBe(20);
    expect(m?.published).toBe(-14.5);
    const o = s.find((x) => x.method === 'oracle' && x.D === 20);
    expect(o?.seeds).toEqual([60, 70]);
    expect(o?.mean).toBeCloseTo(165, 12);
    const table = markdownTable(s);
    expect(table).toContain('−15.00 ± 1.00');
    expect(table).toContain('| maxSKSD-g | 20 | 60, 70 | 15000 | wasm | 20 | −0.50 |');
  });
});
