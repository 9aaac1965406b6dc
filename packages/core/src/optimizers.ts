import * as tf from '@tensorflow/tfjs-core';
import { assertPositive, assertShape } from './shapes';

/**
 * An optimizer over a particle tensor, driven by explicit state. `update`
 * takes an ascent direction g (e.g. the SVGD direction) and returns the step
 * to *add* to the parameters; it disposes the old state's tensors.
 */
export interface SteinOptimizer<S = unknown> {
  readonly name: string;
  init(param: tf.Tensor): S;
  update(direction: tf.Tensor, state: S): { step: tf.Tensor; state: S };
  dispose(state: S): void;
}

export interface AdagradMomentumState {
  /** Running average of squared directions; null before the first step. */
  hist: tf.Tensor | null;
  iter: number;
}

export interface AdagradMomentumOptions {
  learningRate: number;
  /** Momentum of the squared-gradient history, α = 0.9 in the SVGD code. */
  alpha?: number;
  /** Fudge factor in the denominator, 1e-6 in the SVGD code. */
  eps?: number;
}

/**
 * The optimizer of the original SVGD code (Liu & Wang 2016): AdaGrad with
 * momentum. hist ← g² on the first step, then α·hist + (1 − α)·g²;
 * step = lr · g / (eps + √hist).
 */
export function adagradMomentum(
  opts: AdagradMomentumOptions,
): SteinOptimizer<AdagradMomentumState> {
  const { learningRate, alpha = 0.9, eps = 1e-6 } = opts;
  assertPositive(learningRate, 'learningRate');
  if (!(alpha >= 0 && alpha < 1))
    throw new RangeError(`alpha: expected a number in [0, 1), got ${alpha}`);
  assertPositive(eps, 'eps');
  return {
    name: `adagradMomentum(lr=${learningRate}, alpha=${alpha})`,
    init: () => ({ hist: null, iter: 0 }),
    update(g, state) {
      if (state.hist) assertShape(g, 'direction', state.hist.shape);
      const out = tf.tidy(() => {
        const g2 = tf.square(g);
        const hist = state.hist ? tf.add(tf.mul(alpha, state.hist), tf.mul(1 - alpha, g2)) : g2;
        const step = tf.div(tf.mul(learningRate, g), tf.add(eps, tf.sqrt(hist)));
        return { hist, step };
      });
      state.hist?.dispose();
      return { step: out.step, state: { hist: out.hist, iter: state.iter + 1 } };
    },
    dispose(state) {
      state.hist?.dispose();
    },
  };
}

export interface TfOptimizerState {
  variable: tf.Variable;
}

/**
 * Wraps any `tf.train.Optimizer` (Adam, RMSProp, …) as a SteinOptimizer: the
 * ascent direction g is applied as the gradient −g of a minimization.
 */
export function fromTfOptimizer(optimizer: tf.Optimizer): SteinOptimizer<TfOptimizerState> {
  let counter = 0;
  return {
    name: `tf.${optimizer.getClassName()}`,
    init: (param) => ({
      variable: tf.variable(param, true, `steinkit_opt_${Date.now()}_${counter++}`),
    }),
    update(g, state) {
      const { variable } = state;
      assertShape(g, 'direction', variable.shape);
      const before = tf.clone(variable);
      const neg = tf.neg(g);
      optimizer.applyGradients({ [variable.name]: neg } as tf.NamedTensorMap);
      neg.dispose();
      const step = tf.sub(variable, before);
      before.dispose();
      return { step, state };
    },
    dispose(state) {
      state.variable.dispose();
    },
  };
}
