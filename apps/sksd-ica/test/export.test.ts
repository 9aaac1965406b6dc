import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportProblem } from '../src/export';
import { batchIndices, batchSeed, batchStream, setupIcaProblem } from '../src/protocol';
import { runOne } from '../src/run';

const dir = mkdtempSync(join(tmpdir(), 'sksd-ica-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function readI32(path: string): Int32Array {
  const b = readFileSync(path);
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('batchIndices', () => {
  it('visits every row once per epoch, reshuffles between epochs, and is what batchStream gathers', () => {
    const next = batchIndices(10, 5, 3);
    const epoch1 = [...next(), ...next()];
    const epoch2 = [...next(), ...next()];
    const all = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect([...epoch1].sort((a, b) => a - b)).toEqual(all);
    expect([...epoch2].sort((a, b) => a - b)).toEqual(all);
    expect(epoch2).not.toEqual(epoch1);
    // batchStream gathers exactly these rows
    const x = tf.tensor2d(
      Array.from({ length: 10 }, (_, i) => [i, -i]),
      [10, 2],
    );
    const ref = batchIndices(10, 5, 3);
    const stream = batchStream(x, 5, 3);
    for (let k = 0; k < 4; k++) {
      const b = stream();
      expect(Array.from(b.dataSync()).filter((_, i) => i % 2 === 0)).toEqual(Array.from(ref()));
      b.dispose();
    }
    x.dispose();
  });

  it('rejects a batch larger than the data', () => {
    expect(() => batchIndices(10, 11, 0)).toThrow(
      /batch: expected an integer in \[1, 10\], got 11/,
    );
  });
});

describe('exportProblem', () => {
  it('writes the exact data, matrices and minibatch rows of runOne(dim, seed)', () => {
    const before = tf.memory().numTensors;
    const out = join(dir, 'D4-seed60');
    const header = exportProblem(out, {
      dim: 4,
      seed: 60,
      iterations: 7,
      batch: 3,
      nTrain: 8,
      nTest: 5,
    });
    expect(tf.memory().numTensors).toBe(before);
    const json = JSON.parse(readFileSync(join(out, 'problem.json'), 'utf8'));
    expect(json).toEqual(header);
    expect(header.files.batches).toEqual(['int32', [7, 3]]);
    const p = setupIcaProblem(4, 60, { nTrain: 8, nTest: 5 });
    expect(header.oracle).toBe(p.oracle);
    expect(readF32(join(out, 'xTrain.bin'))).toEqual(p.xTrain.dataSync());
    expect(readF32(join(out, 'xTest.bin'))).toEqual(p.xTest.dataSync());
    expect(readF32(join(out, 'init.bin'))).toEqual(p.init.dataSync());
    expect(readF32(join(out, 'trueUnmixing.bin'))).toEqual(p.trueUnmixing.dataSync());
    const next = batchIndices(8, 3, batchSeed(60));
    const expected = new Int32Array(21);
    for (let it = 0; it < 7; it++) expected.set(next(), it * 3);
    expect(readI32(join(out, 'batches.bin'))).toEqual(expected);
    p.dispose();
    expect(() =>
      exportProblem(join(dir, 'bad'), { dim: 4, seed: 60, iterations: 0, nTrain: 8, nTest: 5 }),
    ).toThrow(/iterations/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

// The PyTorch twin (reference/ica_torch.py: autograd through the materialized
// formulas) must train the same model as the closed-form TypeScript trainers on
// the same exported problem. Runs where a Python with torch is installed
// (Debian: apt-get install python3-torch); skipped, with the reason, elsewhere.
const PYTHON = process.env.STEINKIT_TORCH_PYTHON ?? '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
const twin = fileURLToPath(new URL('../reference/ica_torch.py', import.meta.url));

describe.skipIf(!hasTorch)(`PyTorch twin (${PYTHON} with torch)`, () => {
  for (const method of ['maxsksd', 'ksd'] as const) {
    it(`${method}: the TypeScript and PyTorch test log-likelihood traces agree on the same problem (D = 10, 300 iterations)`, () => {
      const out = join(dir, `D10-seed60-${method}`);
      exportProblem(out, { dim: 10, seed: 60, iterations: 300, nTrain: 1000, nTest: 500 });
      const traceFile = join(out, 'torch.json');
      execFileSync(
        PYTHON,
        [twin, out, '--method', method, '--eval-every', '100', '--out', traceFile],
        { stdio: 'pipe' }, // a failing twin throws with its stderr
      );
      const torch = JSON.parse(readFileSync(traceFile, 'utf8')) as {
        trace: Array<[number, number]>;
      };
      const ts = runOne({
        method,
        dim: 10,
        seed: 60,
        iterations: 300,
        evalEvery: 100,
        nTrain: 1000,
        nTest: 500,
        backend: 'wasm',
      });
      expect(torch.trace.map((t) => t[0])).toEqual([0, 100, 200, 300]);
      expect(ts.trace.map((t) => t[0])).toEqual([0, 100, 200, 300]);
      // the model moves by ≫ the tolerance (0.005 nats) and the two implementations move together
      expect(ts.trace[3][1] - ts.trace[0][1]).toBeGreaterThan(0.5);
      for (let k = 0; k < 4; k++) expect(ts.trace[k][1]).toBeCloseTo(torch.trace[k][1], 2);
    });
  }
});
