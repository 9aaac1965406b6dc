import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram, plan } from '../src/cli';
import { buildEncoder } from '../src/config';
import { binarizeRows, epochBatches, loadGrey } from '../src/data';
import { readResults, summarize, svgPlot, writeReport } from '../src/report';
import { type RunOptions, runOne } from '../src/run';

const tmp = mkdtempSync(join(tmpdir(), 'stein-vae-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const train = loadGrey('train', 300);
const test = loadGrey('test', 40);
const base = (o: Partial<RunOptions>): RunOptions => ({
  method: 'vae',
  epochs: 2,
  seed: 3,
  evalK: 8,
  evalN: 20,
  out: join(tmp, 'runs'),
  resultsDir: join(tmp, 'results'),
  resume: false,
  curveEvery: 1,
  curveK: 4,
  curveN: 10,
  backend: 'test',
  arch: { dataDim: 784, latentDim: 2, hidden: [8] },
  log: () => {},
  ...o,
});

describe('stein-vae app', () => {
  it('dynamic binarization: seeded per epoch, fresh across epochs; the test set is fixed', () => {
    const a = [...epochBatches(train, 1, 0, 100)];
    const b = [...epochBatches(train, 1, 0, 100)];
    const c = [...epochBatches(train, 1, 1, 100)];
    expect(a.length).toBe(3);
    const diff = (u: tf.Tensor, v: tf.Tensor) =>
      tf.tidy(() => tf.sum(tf.abs(tf.sub(u, v))).dataSync()[0]);
    expect(diff(a[0], b[0])).toBe(0);
    expect(diff(a[0], c[0])).toBeGreaterThan(0);
    const vals = new Set(a[0].dataSync());
    expect([...vals].sort()).toEqual([0, 1]);
    tf.dispose([...a, ...b, ...c]);
    const r = binarizeRows(train, [0, 1], 5);
    expect(r.length).toBe(2 * 784);
  });

  it('an interrupted run resumes exactly (1 epoch + resume to 2 = 2 epochs), for vae, iwae and iw-critic; no leaks', async () => {
    for (const [method, k] of [
      ['vae', undefined],
      ['iwae', 3],
      ['iw-critic', undefined],
    ] as const) {
      const before = tf.memory().numTensors;
      const straight = await runOne(base({ method, k, out: join(tmp, 'a') }), { train, test });
      await runOne(base({ method, k, epochs: 1, out: join(tmp, 'b') }), { train, test });
      const resumed = await runOne(base({ method, k, resume: true, out: join(tmp, 'b') }), {
        train,
        test,
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(resumed.testLogLikelihood).toBe(straight.testLogLikelihood);
      expect(resumed.trainBound).toBe(straight.trainBound);
      expect(resumed.curve.map((c) => c.testLogLikelihood)).toEqual(
        straight.curve.map((c) => c.testLogLikelihood),
      );
      const label = method === 'iwae' ? 'iwae-k3' : method;
      // every weight and Adam moment identical (the variable names differ between processes)
      const ck = (d: string) =>
        JSON.stringify(
          JSON.parse(readFileSync(join(tmp, d, `${label}-seed3`, 'checkpoint.json'), 'utf8')).state,
          (key, v) => (key === 'name' ? undefined : v),
        );
      expect(ck('b')).toBe(ck('a'));
      const logB = readFileSync(join(tmp, 'b', `${label}-seed3`, 'log.jsonl'), 'utf8')
        .trim()
        .split('\n');
      expect(logB.map((l) => JSON.parse(l).epoch)).toEqual([1, 2]);
      expect(straight.proposal).toMatch(/encoder q\(z\|x\)/);
      expect(straight.decoderBiasInit).toBe('logit-mean');
      expect(Number.isFinite(straight.testLogLikelihood)).toBe(true);
      // the iw-critic result names its stabilizations; the others carry none
      expect(straight.iwCritic?.criticWarmStart).toBe(method === 'iw-critic' ? true : undefined);
    }
  });

  it('vae-fullcov-rel trains a full-covariance encoder with the relative lower part and records its settings', async () => {
    const r = await runOne(
      base({ method: 'vae-fullcov-rel', epochs: 1, curveEvery: 0, resultsDir: join(tmp, 'rel') }),
      { train, test },
    );
    expect(r.label).toBe('vae-fullcov-rel');
    expect(r.proposal).toBe('encoder q(z|x) (full Gaussian)');
    expect(r.fullcovRel).toEqual({ lowerPart: 'relative', lowerScale: 0.1 });
    expect(Number.isFinite(r.testLogLikelihood)).toBe(true);
    const enc = buildEncoder('vae-fullcov-rel', { dataDim: 784, latentDim: 2, hidden: [8] }, 1);
    expect(enc.kind === 'gaussian' && [enc.covariance, enc.lowerPart]).toEqual([
      'full',
      'relative',
    ]);
    enc.dispose();
  });

  it('implicit methods evaluate with the moment-matched proposal; the report builds a table and an SVG', async () => {
    const r = await runOne(base({ method: 'implicit-sge', k: 4, epochs: 1, curveEvery: 0 }), {
      train,
      test,
    });
    expect(r.proposal).toMatch(/moment-matched full-covariance Gaussian/);
    const table = writeReport(join(tmp, 'results'));
    expect(table).toMatch(/\| vae \| 2 \| 3 \|/);
    expect(table).toMatch(/implicit-sge-k4/);
    const rows = summarize(readResults(join(tmp, 'results')));
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(svgPlot(readResults(join(tmp, 'results')))).toMatch(/^<svg/);
  });

  it('the curve plot clamps a diverged run at the bottom edge and names it', () => {
    const run = (label: string, lls: number[]) =>
      ({
        label,
        curve: lls.map((v, i) => ({
          epoch: i + 1,
          secondsTrain: 10 * (i + 1),
          testLogLikelihood: v,
          evalK: 100,
          evalN: 200,
        })),
      }) as unknown as Parameters<typeof svgPlot>[0][number];
    const svg = svgPlot([run('vae', [-120, -110, -105]), run('iw-critic', [-200, -200, -4000])]);
    expect(svg).toMatch(/below the axis \(drawn at the bottom edge\): iw-critic/);
    // the y axis spans 60 nats below the best point, not down to −4000
    expect(svg).toMatch(/>-165\.0</);
    expect(svg).not.toMatch(/-4000/);
    expect(svgPlot([run('vae', [-120, -110])])).not.toMatch(/below the axis/);
  });

  it('the command line: defaults (every method, 10 epochs), --full, seeds, bad flags', () => {
    const quiet = () =>
      buildProgram()
        .exitOverride()
        .configureOutput({ writeErr: () => {}, writeOut: () => {} });
    const p = plan(['node', 'cli'], quiet());
    expect(p.runs.map((r) => `${r.method}${r.k ?? ''}`)).toEqual([
      'vae',
      'vae-fullcov',
      'iwae5',
      'iwae50',
      'iw-critic',
      'stein-svgd',
      'implicit-sge',
      'implicit-ssge',
    ]);
    expect(p.epochs).toBe(10);
    expect(p.evalK).toBe(1000);
    expect(p.evalN).toBe(1000);
    const q = plan(
      [
        'node',
        'cli',
        '--method',
        'iwae',
        '--k',
        '50',
        '--seed',
        '1,2,3',
        '--full',
        '--epochs',
        '3',
      ],
      quiet(),
    );
    expect(q.runs).toEqual([1, 2, 3].map((seed) => ({ method: 'iwae', k: 50, seed })));
    expect(q.evalN).toBe(10000);
    expect(p.biasInit).toBe('logit-mean');
    expect([p.curveK, p.curveN]).toEqual([100, 500]);
    const z = plan(
      ['node', 'cli', '--bias-init', 'zero', '--curve-k', '20', '--curve-n', '50'],
      quiet(),
    );
    expect([z.biasInit, z.curveK, z.curveN]).toEqual(['zero', 20, 50]);
    expect(() => plan(['node', 'cli', '--bias-init', 'one'], quiet())).toThrow(/Allowed choices/);
    expect(() => plan(['node', 'cli', '--method', 'gan'], quiet())).toThrow(/Allowed choices/);
    expect(() => plan(['node', 'cli', '--k', '0'], quiet())).toThrow(/--k must be an integer ≥ 1/);
    expect(() => plan(['node', 'cli', '--seed', 'x'], quiet())).toThrow(/--seed/);
  });
});
