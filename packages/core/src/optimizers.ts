import * as tf from '@tensorflow/tfjs-core';
import { assertPositive, assertShape } from './shapes';
import { ADAM_KERNEL, heapKernels } from './wasm/simd';
import type { WasmBackend } from './wasm/util';

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
  /** The tf.Optimizer of this tensor: the wrapped one for the first state, a copy (same config) after. */
  optimizer: tf.Optimizer;
}

/** Names the shadow variables uniquely across wrappers (two wrappers may init in one millisecond). */
let shadowCounter = 0;

/** A fresh tf.Optimizer of the same class and configuration (no slots yet). */
function copyTfOptimizer(optimizer: tf.Optimizer): tf.Optimizer {
  const cls =
    optimizer.constructor as unknown as tf.serialization.SerializableConstructor<tf.Optimizer>;
  return cls.fromConfig(cls, optimizer.getConfig());
}

/**
 * Wraps any `tf.train.Optimizer` (Adam, RMSProp, …) as a SteinOptimizer: the
 * ascent direction g is applied as the gradient −g of a minimization. tfjs
 * optimizers keep their slots by position in the gradient list, so every
 * state after the first gets its own copy of the optimizer (same class and
 * configuration): one state per tensor, as `applyOptimizer` uses it over a
 * network's variables.
 */
export function fromTfOptimizer(optimizer: tf.Optimizer): SteinOptimizer<TfOptimizerState> {
  let used = false;
  return {
    name: `tf.${optimizer.getClassName()}`,
    init: (param) => {
      const own = used ? copyTfOptimizer(optimizer) : optimizer;
      used = true;
      return {
        variable: tf.variable(param, true, `steinkit_opt_${shadowCounter++}`),
        optimizer: own,
      };
    },
    update(g, state) {
      const { variable } = state;
      assertShape(g, 'direction', variable.shape);
      const before = tf.clone(variable);
      const neg = tf.neg(g);
      state.optimizer.applyGradients({ [variable.name]: neg } as tf.NamedTensorMap);
      neg.dispose();
      const step = tf.sub(variable, before);
      before.dispose();
      return { step, state };
    },
    dispose(state) {
      state.variable.dispose();
      if (state.optimizer !== optimizer) state.optimizer.dispose();
    },
  };
}

/**
 * `tf.train.adam` with one fused kernel per variable on the wasm backend.
 *
 * tfjs's Adam runs 13 elementwise kernels per variable and step (≈ 4.7 ms per
 * step for the 425 k weights of the stein-vae MLPs on wasm); on wasm this
 * subclass runs one simd128 pass (`SteinkitAdam`, `assembly/heap.ts`) that
 * performs the same float32 operations in the same order, so the trajectory is
 * bit-identical to `tf.train.adam` (tested against the cpu backend). Elsewhere
 * (cpu, webgl, webgpu, wasm without the simd module or with the kernel fixes
 * off: `setWasmKernelFixes(false)`) it is `tf.train.adam`.
 * Same class name ('Adam'), configuration, `getWeights`/`setWeights` and
 * serialization; it works anywhere a `tf.Optimizer` does.
 */
/** tf.AdamOptimizer's slots (private in its typings, plain fields at runtime). */
interface AdamSlots {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(
    variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0],
  ): void {
    const backend = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as WasmBackend) : null;
    if (!backend || !tf.getKernel(ADAM_KERNEL, 'wasm') || !heapKernels(backend)) {
      super.applyGradients(variableGradients);
      return;
    }
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((v) => ({ name: v.name, g: v.tensor }))
      : Object.keys(variableGradients).map((name) => ({ name, g: variableGradients[name] }));
    // Bias corrections exactly as tfjs computes them: float32 1 − β^t from the accumulators.
    const slots = this as unknown as AdamSlots;
    const c1 = Math.fround(1 - slots.accBeta1.dataSync()[0]);
    const c2 = Math.fround(1 - slots.accBeta2.dataSync()[0]);
    const { beta1, beta2, learningRate, epsilon } = this;
    // Check every gradient before touching any variable: no half-applied step.
    const values = list.map(({ name, g }) => {
      const value = tf.engine().registeredVariables[name];
      if (!value) throw new Error(`fusedAdam: no variable named '${name}'`);
      if (g != null) {
        if (g.isDisposed) throw new Error(`fusedAdam: the gradient of '${name}' is disposed`);
        assertShape(g, `gradient of '${name}'`, value.shape);
      }
      return value;
    });
    list.forEach(({ name, g }, i) => {
      const value = values[i];
      const slot = (kind: 'm' | 'v') => ({
        originalName: `${name}/${kind}`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      });
      slots.accumulatedFirstMoment[i] ??= slot('m');
      slots.accumulatedSecondMoment[i] ??= slot('v');
      const first = slots.accumulatedFirstMoment[i];
      const second = slots.accumulatedSecondMoment[i];
      if (g == null) return;
      const gf = g.dtype === 'float32' ? g : tf.cast(g, 'float32');
      const [p1, m1, v1] = tf
        .engine()
        .runKernel(
          ADAM_KERNEL,
          { p: value, g: gf, m: first.variable, v: second.variable },
          { beta1, beta2, epsilon, learningRate, c1, c2 },
        ) as tf.Tensor[];
      if (gf !== g) gf.dispose();
      first.variable.assign(m1);
      second.variable.assign(v1);
      value.assign(p1);
      tf.dispose([p1, m1, v1]);
    });
    tf.tidy(() => {
      slots.accBeta1.assign(tf.mul(slots.accBeta1, beta1));
      slots.accBeta2.assign(tf.mul(slots.accBeta2, beta2));
    });
    this.incrementIterations();
  }
}

/** {@link FusedAdamOptimizer}: `tf.train.adam(learningRate, beta1, beta2, epsilon)`, fused on wasm. */
export function fusedAdam(
  learningRate = 0.001,
  beta1 = 0.9,
  beta2 = 0.999,
  epsilon?: number,
): FusedAdamOptimizer {
  assertPositive(learningRate, 'learningRate');
  for (const [b, name] of [
    [beta1, 'beta1'],
    [beta2, 'beta2'],
  ] as const) {
    if (!(b >= 0 && b < 1)) throw new RangeError(`${name}: expected a number in [0, 1), got ${b}`);
  }
  if (epsilon !== undefined) assertPositive(epsilon, 'epsilon');
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}

/**
 * The identity optimizer: the step is the direction itself (x ← x + g; a loop's
 * step size scales it). Plain SVGD and plain gradient steps.
 */
export function identityOptimizer(): SteinOptimizer<null> {
  return {
    name: 'identity',
    init: () => null,
    update: (g, state) => ({ step: tf.clone(g), state }),
    dispose: () => {},
  };
}

/** Whether `o` is a {@link SteinOptimizer} (has `init` and `update`). */
export function isSteinOptimizer(o: unknown): o is SteinOptimizer {
  return (
    o != null &&
    typeof (o as SteinOptimizer).init === 'function' &&
    typeof (o as SteinOptimizer).update === 'function' &&
    typeof (o as SteinOptimizer).dispose === 'function'
  );
}

/**
 * What a training loop accepts as its optimizer: a {@link SteinOptimizer}, or a
 * `tf.Optimizer` (Adam, SGD, …), which is applied as it is — its own slots hold
 * its state, and the result equals `fromTfOptimizer(opt)` without the copy of the
 * variables that wrapper keeps.
 */
export type LoopOptimizer = SteinOptimizer | tf.Optimizer;

/**
 * Throws a TypeError naming `name` unless `o` is a SteinOptimizer or a tf.Optimizer.
 */
export function assertLoopOptimizer(o: unknown, name: string): asserts o is LoopOptimizer {
  if (isSteinOptimizer(o)) return;
  if (o != null && typeof (o as tf.Optimizer).applyGradients === 'function') return;
  throw new TypeError(
    `${name}: expected a SteinOptimizer (e.g. adagradMomentum, identityOptimizer) or a tf.Optimizer (e.g. tf.train.sgd(1e-3)), got ${String(o)}`,
  );
}

/**
 * One optimizer step on `variables` for the loss gradients `grads` (a
 * minimization, keyed by variable name): v ← v + factor · step. A SteinOptimizer
 * gets the ascent direction −∇ per variable with its state from `states`
 * (created by `init` when `states` is undefined) and the new states are
 * returned — the old states' tensors are the optimizer's to dispose, as its
 * `update` does. A tf.Optimizer applies the gradients itself (returns
 * undefined); with `factor ≠ 1` its step is rescaled. `grads` stay the caller's.
 */
export function applyOptimizer(
  optimizer: LoopOptimizer,
  variables: tf.Variable[],
  grads: tf.NamedTensorMap,
  states?: unknown[],
  factor = 1,
): unknown[] | undefined {
  if (isSteinOptimizer(optimizer)) {
    if (states !== undefined && states.length !== variables.length) {
      throw new RangeError(
        `states: expected one optimizer state per variable (${variables.length}), got ${states.length}`,
      );
    }
    const old = states ?? variables.map((v) => optimizer.init(v));
    return variables.map((v, i) => {
      const neg = tf.neg(grads[v.name]); // a SteinOptimizer steps along an ascent direction
      const { step, state } = optimizer.update(neg, old[i]);
      tf.tidy(() => {
        v.assign(tf.add(v, factor === 1 ? step : tf.mul(factor, step)));
      });
      tf.dispose([neg, step]);
      return state;
    });
  }
  if (factor === 1) {
    optimizer.applyGradients(grads);
    return undefined;
  }
  const before = variables.map((v) => tf.clone(v));
  optimizer.applyGradients(grads);
  variables.forEach((v, i) => {
    tf.tidy(() => {
      v.assign(tf.add(before[i], tf.mul(factor, tf.sub(v, before[i]))));
    });
  });
  tf.dispose(before);
  return undefined;
}

/** Frees the per-variable states {@link applyOptimizer} returned (nothing for a tf.Optimizer). */
export function disposeOptimizerStates(
  optimizer: LoopOptimizer | undefined,
  states: unknown[] | undefined,
): void {
  if (!states || !isSteinOptimizer(optimizer)) return;
  for (const s of states) optimizer.dispose(s);
}
