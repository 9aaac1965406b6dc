import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildProgram,
  createTrainer,
  defaultConfig,
  disposeTrainer,
  parseArgs,
  type RunOptions,
  runSteingan,
  trainIteration,
} from '../src/index';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tiny = (out: string, iterations: number, extra: Partial<RunOptions> = {}): RunOptions => ({
  config: { batch: 8, genHidden: [16], energyHidden: [16], codeDim: 8, seed: 3 },
  iterations,
  out,
  backend: 'wasm',
  gridEvery: 0,
  checkpointEvery: 2,
  progress: false,
  trainLimit: 32,
  log: () => {},
  ...extra,
});

describe('steingan CLI bad input (issue 16)', () => {
  it('--seed 1e20 fails at parse time, naming the flag and the range', () => {
    const p = buildProgram()
      .exitOverride()
      .configureOutput({ writeErr: () => {} });
    expect(() => parseArgs(['node', 'steingan', '--seed', '1e20'], p)).toThrow(
      "--seed must be an integer in [0, 4294967295], got '1e20'",
    );
  });
  it('--out under /proc is an error naming --out, not an endless recursive mkdir', async () => {
    await expect(runSteingan(tiny('/proc/forbidden/run', 1))).rejects.toThrow(
      /^--out \/proc\/forbidden\/run: cannot create \/proc\/forbidden \(ENOENT\)/,
    );
  });
  it('--resume with --iterations not past the checkpoint refuses and leaves the checkpoint alone', async () => {
    const out = mkdtempSync(join(tmpdir(), 'steingan-badinput-'));
    dirs.push(out);
    await runSteingan(tiny(out, 4));
    const ckpt = readFileSync(join(out, 'checkpoint.bin'));
    const log = readFileSync(join(out, 'log.jsonl'), 'utf8');
    await expect(runSteingan(tiny(out, 3, { resume: true }))).rejects.toThrow(
      /^--iterations 3: the checkpoint .*checkpoint\.bin is already at iteration 4; nothing to train \(pass --iterations > 4 to continue\)/,
    );
    expect(readFileSync(join(out, 'checkpoint.bin')).equals(ckpt)).toBe(true);
    expect(readFileSync(join(out, 'log.jsonl'), 'utf8')).toBe(log);
  });
});

describe('training loops stop at the first non-finite update (issue 16)', () => {
  const nanData = (n: number) => {
    const images = new Float32Array(n * 784).fill(0.5);
    images[784 * 2 + 10] = Number.NaN;
    return {
      images,
      labels: Int32Array.from({ length: n }, (_, i) => i % 10),
      size: n,
      imageShape: [28, 28, 1],
    };
  };
  for (const objective of ['steingan', 'dcgan'] as const) {
    it(`${objective}: NaN data stops at iteration 1 with the networks untouched`, () => {
      const s = createTrainer(
        defaultConfig({
          objective,
          batch: 8,
          genHidden: [8],
          energyHidden: [8],
          codeDim: 4,
          seed: 1,
        }),
        [28, 28, 1],
      );
      const vars = [...s.sampler.trainableVariables, ...s.energy.trainableVariables];
      const w0 = vars.map((v) => Array.from(v.dataSync()));
      const before = tf.memory().numTensors;
      expect(() => trainIteration(s, nanData(8))).toThrow(
        new RegExp(
          `^${objective}: iteration 1: the data batch is not finite \\(NaN/±Inf\\); stopped before applying it`,
        ),
      );
      expect(tf.memory().numTensors).toBe(before);
      expect(vars.map((v) => Array.from(v.dataSync()))).toEqual(w0);
      expect(s.iteration).toBe(0);
      disposeTrainer(s);
    });
  }
});
