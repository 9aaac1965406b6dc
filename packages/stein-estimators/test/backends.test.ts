import { createRng } from '@steinkit/core';
import { imq, rbf } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { parityTargets, skipName, useBackend } from '../../../test/parity';
import { activeSlices, ksd, svgdDirection } from '../src/index';

const start = tf.getBackend();
afterAll(async () => {
  await tf.setBackend(start);
});

/** wasm, and webgpu where it loads (SwiftShader in CI); each against cpu. */
const targets = await parityTargets();

async function on<T>(backend: 'wasm' | 'webgpu' | 'cpu', fn: () => T): Promise<T> {
  await useBackend(backend);
  return fn();
}

for (const target of targets) {
  const { backend } = target;
  const title = (name: string) => (target.skip ? skipName(target, name) : name);
  (target.skip ? describe.skip : describe)(title(`cpu vs ${backend} agreement`), () => {
    const xs = createRng(8).normal([64, 5]).arraySync() as number[][];
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor2d(xs);
        const score = (z: tf.Tensor2D) => tf.mul(-1.5, tf.sub(z, 0.2)) as tf.Tensor2D;
        return {
          dir: Array.from(svgdDirection(x, score, rbf()).dataSync()),
          dirK: Array.from(svgdDirection(x, score, imq(), { normalize: 'kernelSum' }).dataSync()),
          u: ksd(x, score, rbf()).dataSync()[0],
          v: ksd(x, score, imq(), { statistic: 'v' }).dataSync()[0],
        };
      });
    it('svgdDirection and ksd agree to float32 tolerance', async () => {
      const a = await on('cpu', run);
      const b = await on(backend, run);
      for (const key of ['dir', 'dirK'] as const)
        for (let i = 0; i < a[key].length; i++)
          expect(Math.abs(a[key][i] - b[key][i])).toBeLessThan(1e-5);
      expect(Math.abs(a.u - b.u)).toBeLessThan(1e-5 * Math.max(1, Math.abs(a.u)));
      expect(Math.abs(a.v - b.v)).toBeLessThan(1e-5 * Math.max(1, Math.abs(a.v)));
    });
  });

  (target.skip ? describe.skip : describe)(
    title(`cpu vs ${backend} agreement: activeSlices`),
    () => {
      const xs = createRng(9).normal([80, 4]).arraySync() as number[][];
      const run = () => {
        const x = tf.tensor2d(xs);
        const sP = (z: tf.Tensor2D) =>
          tf.neg(tf.mul(z, tf.tensor1d([1, 2, 1, 0.5]))) as tf.Tensor2D;
        const sQ = (z: tf.Tensor2D) => tf.neg(tf.pow(z, 3)) as tf.Tensor2D;
        // SwiftShader runs each of the power iteration's small dispatches at a fixed cost: fewer there.
        const powerIterations = backend === 'webgpu' ? 15 : undefined;
        const exact = activeSlices(x, sP, sQ, { powerIterations });
        const kern = activeSlices(x, sP, 'kernel', { numSlices: 2, powerIterations });
        const out = [exact.r, exact.g, kern.r, kern.g].map((t) => Array.from(t.dataSync()));
        tf.dispose([x, exact.r, exact.g, kern.r, kern.g]);
        return out;
      };
      it('r and g agree to float32 tolerance (exact and kernel-smoothed)', async () => {
        const a = await on('cpu', run);
        const b = await on(backend, run);
        for (let k = 0; k < a.length; k++)
          for (let i = 0; i < a[k].length; i++)
            expect(Math.abs(a[k][i] - b[k][i])).toBeLessThan(1e-4);
      });
    },
  );
}
