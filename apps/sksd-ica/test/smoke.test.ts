import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BackendInfo,
  conditionNumber,
  initBackend,
  luFactor,
  luLogAbsDet,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment, writeReport } from '../src/experiment';
import { maxSksdIteration } from '../src/iteration';
import { createModel, setupIcaProblem } from '../src/protocol';
import { cacheName, runOne } from '../src/run';
import { createTrainer } from '../src/trainers';

const out = mkdtempSync(join(tmpdir(), 'sksd-ica-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The D = 5 smoke run written into `out` (methods chosen per call). */
function smokeOptions(backend: BackendInfo) {
  return {
    dims: [5],
    seeds: [60],
    iterations: 6,
    evalEvery: 3,
    nTrain: 400,
    nTest: 200,
    out,
    backend,
    progress: false,
    log: () => {},
  };
}

describe('sksd-ica smoke (D = 5)', () => {
  it('runs all three methods for a few iterations, caches each run and writes table, JSON and plot', async () => {
    const backend = await initBackend({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    const opts = smokeOptions(backend);
    const { records, summary } = runExperiment({ ...opts, methods: ['maxsksd', 'ksd', 'lsd'] });
    expect(tf.memory().numTensors).toBe(before);
    expect(records).toHaveLength(3);
    for (const r of records) {
      expect(Number.isFinite(r.testLogLik)).toBe(true);
      expect(r.trace.map((t) => t[0])).toEqual([0, 3, 6]);
      expect(existsSync(join(out, 'cache', cacheName(r.method, 5, 60, 6)))).toBe(true);
      // every method moves the model
      expect(r.testLogLik).not.toBe(r.trace[0][1]);
      expect(r.oracle).toBeGreaterThan(r.trace[0][1]);
    }
    const json = JSON.parse(readFileSync(join(out, 'ica-results.json'), 'utf8'));
    expect(json.map((s: { method: string }) => s.method).sort()).toEqual([
      'ksd',
      'lsd',
      'maxsksd',
      'oracle',
    ]);
    for (const s of json) {
      for (const key of ['method', 'D', 'mean', 'std', 'seeds', 'iterations', 'backend', 'seconds'])
        expect(s).toHaveProperty(key);
    }
    expect(summary.find((s) => s.method === 'maxsksd')?.D).toBe(5);
    const md = readFileSync(join(out, 'ica-table.md'), 'utf8');
    expect(md).toContain('| maxSKSD-g | published |');
    expect(md).toContain('47.72');
    const svg = readFileSync(join(out, 'ica-loglik.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect((svg.match(/<polyline/g) ?? []).length).toBeGreaterThanOrEqual(7);
    // a second invocation is served from the cache
    const t0 = performance.now();
    const again = runExperiment({ ...opts, methods: ['maxsksd'] });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(again.records[0].finishedAt).toBe(records[0].finishedAt);
    expect(writeReport(out)).toHaveLength(4);
  });

  it('a named variant is cached under its own name, records its train trace, and bad names are refused', async () => {
    const backend = await initBackend({ backend: 'wasm' });
    const vOut = join(out, 'ablation');
    const before = tf.memory().numTensors;
    const { records } = runExperiment({
      methods: ['maxsksd'],
      variant: 'median-with-self',
      dims: [5],
      seeds: [60],
      iterations: 4,
      evalEvery: 2,
      nTrain: 300,
      nTest: 100,
      out: vOut,
      backend,
      progress: false,
      log: () => {},
    });
    expect(tf.memory().numTensors).toBe(before);
    const r = records[0];
    expect(r.variant).toBe('median-with-self');
    expect(
      existsSync(join(vOut, 'cache', cacheName('maxsksd', 5, 60, 4, 'median-with-self'))),
    ).toBe(true);
    expect(r.trainTrace?.map((t) => t[0])).toEqual([0, 2, 4]);
    // the default protocol differs only in the bandwidth: same start, different path
    const plain = runOne({
      method: 'maxsksd',
      dim: 5,
      seed: 60,
      iterations: 4,
      evalEvery: 2,
      nTrain: 300,
      nTest: 100,
      backend: 'wasm',
    });
    expect(plain.trace[0][1]).toBe(r.trace[0][1]);
    expect(plain.testLogLik).not.toBe(r.testLogLik);
    expect(readFileSync(join(vOut, 'ica-table.md'), 'utf8')).toContain('median-with-self');
    const problem = setupIcaProblem(3, 1, { nTrain: 10, nTest: 10 });
    const model = createModel(problem);
    expect(() => createTrainer('maxsksd', model, 1, 'nope')).toThrow(/variant: expected one of/);
    // a bad variant fails before training and leaks nothing
    const n0 = tf.memory().numTensors;
    expect(() =>
      runOne({
        method: 'maxsksd',
        dim: 3,
        seed: 1,
        iterations: 1,
        nTrain: 10,
        nTest: 10,
        backend: 'wasm',
        variant: 'nope',
      }),
    ).toThrow(/variant/);
    expect(tf.memory().numTensors).toBe(n0);
    // variant runs written into a directory of default runs stay out of its table
    const mainBefore = JSON.parse(readFileSync(join(out, 'ica-results.json'), 'utf8'));
    runExperiment({ ...smokeOptions(backend), methods: ['maxsksd'], variant: 'u-statistic' });
    expect(JSON.parse(readFileSync(join(out, 'ica-results.json'), 'utf8'))).toEqual(mainBefore);
    expect(() => createTrainer('lsd', model, 1, 'u-statistic')).toThrow(/only maxsksd/);
    model.dispose();
    problem.dispose();
  });

  it('the protocol: cond(A) < D, oracle = E log p(z) + log|det A|, and the timed iteration is tidy', () => {
    const p = setupIcaProblem(5, 70, { nTrain: 300, nTest: 4000 });
    expect(p.xTrain.shape).toEqual([300, 5]);
    // cond(A) < D, and E[−|z| − log 2] = −(1 + log 2) per coordinate: oracle ≈ −5(1 + log 2) + log|det A|
    const a = p.trueUnmixing.dataSync();
    expect(conditionNumber(a, 5)).toBeLessThan(5);
    expect(conditionNumber(p.init.dataSync(), 5)).toBeLessThan(5);
    const lad = luLogAbsDet(luFactor(a, 5)).logAbsDet;
    expect(Math.abs(p.oracle - (-5 * (1 + Math.log(2)) + lad))).toBeLessThan(0.15);
    p.dispose();
    const it = maxSksdIteration(8, { batch: 20 });
    it.step();
    const n0 = tf.memory().numTensors;
    it.step();
    it.step();
    expect(tf.memory().numTensors).toBe(n0);
    it.dispose();
  });
});
