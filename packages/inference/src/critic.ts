import { assertInt } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type MlpActivation, mlp, readWeights, type WeightRecord, writeWeights } from './mlp';
import { assertData } from './validate';

/** C(x) ≈ E_{q(z|x)}[log w(x, z)] (seed 004), a small MLP x → scalar. */
export interface LogWeightCritic {
  readonly inputDim: number;
  readonly trainableVariables: tf.Variable[];
  /**
   * The scalar output bias (`[1]`), one of `trainableVariables`: the
   * `iwCritic` objective's warm start (`criticWarmStart`) shifts it so that
   * the first batch's mean C(x) equals its mean log w. Optional for critics of
   * your own; without it the warm start throws.
   */
  readonly outputBias?: tf.Variable;
  /** C(x) `[B]`; differentiable. */
  apply(x: tf.Tensor2D): tf.Tensor1D;
  getWeights(): WeightRecord[];
  setWeights(weights: unknown): void;
  dispose(): void;
}

/** `logWeightCritic({ inputDim, hidden: [100] })`. */
export function logWeightCritic(opts: {
  inputDim: number;
  hidden?: number[];
  activation?: MlpActivation;
  seed?: number;
}): LogWeightCritic {
  assertInt(opts.inputDim, 'inputDim', 1);
  const net = mlp({
    sizes: [opts.inputDim, ...(opts.hidden ?? [100]), 1],
    activation: opts.activation ?? 'tanh',
    seed: opts.seed ?? 0,
    name: 'critic',
  });
  return {
    inputDim: opts.inputDim,
    trainableVariables: net.variables,
    outputBias: net.variables[net.variables.length - 1],
    apply(x) {
      assertData(x, 'x', opts.inputDim);
      return tf.tidy(() => tf.reshape(net.apply(x), [x.shape[0]]) as tf.Tensor1D);
    },
    getWeights: () => readWeights(net.variables),
    setWeights: (w) => writeWeights(net.variables, w, 'critic weights'),
    dispose: () => net.dispose(),
  };
}
