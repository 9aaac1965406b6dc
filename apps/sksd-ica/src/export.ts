import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { assertInt } from '@steinkit/core';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import { batchIndices, batchSeed, setupIcaProblem } from './protocol';
import type { RunOptions } from './run';

/** The header `problem.json` of an exported (D, seed) problem. */
export interface ExportedProblem {
  dim: number;
  seed: number;
  nTrain: number;
  nTest: number;
  batch: number;
  iterations: number;
  oracle: number;
  /** Raw little-endian files in the same directory: name → [dtype, shape]. */
  files: Record<string, ['float32' | 'int32', number[]]>;
}

function bytes(a: Float32Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Writes one run's exact inputs — training and test data, true unmixing
 * matrix, model initialization and the row indices of every minibatch — so an
 * independent implementation (`reference/ica_torch.py`) can train on the very
 * same problem and batch order as `runOne(dim, seed)`.
 */
export function exportProblem(
  dir: string,
  opts: Pick<RunOptions, 'dim' | 'seed' | 'iterations' | 'batch' | 'nTrain' | 'nTest'>,
): ExportedProblem {
  const { dim, seed, iterations, batch = 100, nTrain = 20000, nTest = 5000 } = opts;
  assertInt(iterations, 'iterations', 1);
  mkdirSync(dir, { recursive: true });
  const problem = setupIcaProblem(dim, seed, { nTrain, nTest });
  try {
    const arrays: Record<string, Float32Array | Int32Array> = {
      xTrain: problem.xTrain.dataSync() as Float32Array,
      xTest: problem.xTest.dataSync() as Float32Array,
      trueUnmixing: problem.trueUnmixing.dataSync() as Float32Array,
      init: problem.init.dataSync() as Float32Array,
    };
    const next = batchIndices(nTrain, batch, batchSeed(seed));
    const idx = new Int32Array(iterations * batch);
    for (let it = 0; it < iterations; it++) idx.set(next(), it * batch);
    arrays.batches = idx;
    const header: ExportedProblem = {
      dim,
      seed,
      nTrain,
      nTest,
      batch,
      iterations,
      oracle: problem.oracle,
      files: {
        xTrain: ['float32', [nTrain, dim]],
        xTest: ['float32', [nTest, dim]],
        trueUnmixing: ['float32', [dim, dim]],
        init: ['float32', [dim, dim]],
        batches: ['int32', [iterations, batch]],
      },
    };
    for (const [name, a] of Object.entries(arrays))
      writeFileAtomic(join(dir, `${name}.bin`), bytes(a));
    writeFileAtomic(join(dir, 'problem.json'), `${JSON.stringify(header, null, 2)}\n`);
    return header;
  } finally {
    problem.dispose();
  }
}
