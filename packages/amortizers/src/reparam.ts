import {
  applyOptimizer,
  assert2D,
  assertFiniteUpdate,
  assertInt,
  assertLoopOptimizer,
  assertPositive,
  createRng,
  disposeOptimizerStates,
  foldIn,
  type LogProbFn,
  type LoopOptimizer,
  runLoop,
  type Sampler,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

let uid = 0;
const newVar = (t: tf.Tensor, name: string) => {
  const v = tf.variable(t, true, `steinkit_gauss_${name}_${uid++}`);
  t.dispose();
  return v;
};

/**
 * A Gaussian sampler with tractable density (seed 003 §1): x = μ + L ε,
 * ε ~ N(0, I). `diagonal`: L = diag(exp(ρ)); `full`: L lower-triangular with
 * a positive (exp) diagonal, so Σ = LLᵀ is any covariance.
 */
export interface GaussianSampler extends Sampler {
  readonly kind: 'diagonal' | 'full';
  readonly dim: number;
  readonly mean: tf.Variable;
  /** ρ, the log of L's diagonal `[d]`. */
  readonly logDiag: tf.Variable;
  /** L's strictly lower part `[d, d]` (full only; the upper part and diagonal are masked out). */
  readonly offDiag?: tf.Variable;
  readonly trainableVariables: tf.Variable[];
  /** L `[d, d]`. */
  scaleTril(): tf.Tensor2D;
  /** Σ = LLᵀ `[d, d]`. */
  covariance(): tf.Tensor2D;
  /** x = μ + εLᵀ for ε `[n, d]`; differentiable in the variables. */
  transform(eps: tf.Tensor2D): tf.Tensor2D;
  /** log q(x) at x = transform(ε), from ε alone: −½‖ε‖² − Σ ρ − (d/2) log 2π. */
  logProbFromNoise(eps: tf.Tensor2D): tf.Tensor1D;
  /** log q(x) for any x `[n, d]` (forward substitution over d). */
  logProb(x: tf.Tensor2D): tf.Tensor1D;
  /** H(q) = Σ ρ + (d/2)(1 + log 2π). */
  entropy(): tf.Scalar;
  sample(n: number, seed?: number): tf.Tensor2D;
  dispose(): void;
}

export interface GaussianSamplerOptions {
  dim: number;
  kind?: 'diagonal' | 'full';
  /** Initial mean (default 0) and standard deviation (default 1). */
  initMean?: number[];
  initStd?: number;
  /** Seed of `sample` draws. Default 0. */
  seed?: number;
}

export function gaussianSampler(opts: GaussianSamplerOptions): GaussianSampler {
  const d = opts.dim;
  assertInt(d, 'dim', 1);
  const kind = opts.kind ?? 'diagonal';
  if (kind !== 'diagonal' && kind !== 'full') {
    throw new TypeError(`kind: expected 'diagonal' or 'full', got ${String(kind)}`);
  }
  const initStd = opts.initStd ?? 1;
  assertPositive(initStd, 'initStd');
  const m0 = opts.initMean ?? new Array(d).fill(0);
  if (m0.length !== d) throw new RangeError(`initMean: expected ${d} numbers, got ${m0.length}`);
  const rng = createRng(opts.seed ?? 0);
  const mean = newVar(tf.tensor1d(m0), 'mean');
  const logDiag = newVar(tf.fill([d], Math.log(initStd)), 'logDiag');
  const offDiag = kind === 'full' ? newVar(tf.zeros([d, d]), 'offDiag') : undefined;
  const strictLower = tf.keep(
    tf.tidy(() => tf.sub(tf.linalg.bandPart(tf.ones([d, d]), -1, 0), tf.eye(d))),
  );
  const vars = offDiag ? [mean, logDiag, offDiag] : [mean, logDiag];
  const L = () =>
    tf.add(
      tf.mul(tf.eye(d), tf.exp(logDiag)), // diag(exp ρ); tf.diag has no gradient
      offDiag ? tf.mul(offDiag, strictLower) : tf.zeros([d, d]),
    ) as tf.Tensor2D;
  const transform = (eps: tf.Tensor2D) =>
    kind === 'diagonal'
      ? (tf.add(mean, tf.mul(eps, tf.exp(logDiag))) as tf.Tensor2D)
      : (tf.add(mean, tf.matMul(eps, L(), false, true)) as tf.Tensor2D);
  const c = 0.5 * d * Math.log(2 * Math.PI);
  const fromNoise = (eps: tf.Tensor2D) =>
    tf.sub(tf.mul(-0.5, tf.sum(tf.square(eps), 1)), tf.add(tf.sum(logDiag), c)) as tf.Tensor1D;
  return {
    kind,
    dim: d,
    mean,
    logDiag,
    ...(offDiag ? { offDiag } : {}),
    trainableVariables: vars,
    scaleTril: () => tf.tidy(L),
    covariance: () => tf.tidy(() => tf.matMul(L(), L(), false, true) as tf.Tensor2D),
    transform(eps) {
      assert2D(eps, 'eps', null, d);
      return tf.tidy(() => transform(eps));
    },
    logProbFromNoise(eps) {
      assert2D(eps, 'eps', null, d);
      return tf.tidy(() => fromNoise(eps));
    },
    logProb(x) {
      assert2D(x, 'x', null, d);
      return tf.tidy(() => {
        const r = tf.sub(x, mean); // [n, d]
        if (kind === 'diagonal') return fromNoise(tf.div(r, tf.exp(logDiag)) as tf.Tensor2D);
        // Solve L e = r row-wise by forward substitution (d steps, batched over n).
        const Lm = L();
        const cols: tf.Tensor[] = [];
        for (let k = 0; k < d; k++) {
          let acc = tf.slice(r, [0, k], [-1, 1]);
          if (k > 0) {
            const prev = tf.concat(cols, 1);
            const lk = tf.slice(Lm, [k, 0], [1, k]);
            acc = tf.sub(acc, tf.matMul(prev, lk, false, true));
          }
          cols.push(tf.div(acc, tf.slice(Lm, [k, k], [1, 1])));
        }
        return fromNoise(tf.concat(cols, 1) as tf.Tensor2D);
      });
    },
    entropy: () =>
      tf.tidy(() => tf.add(tf.sum(logDiag), 0.5 * d * (1 + Math.log(2 * Math.PI))) as tf.Scalar),
    sample(n, seed) {
      assertInt(n, 'n', 1);
      const r = seed === undefined ? rng : createRng(seed);
      return tf.tidy(() => transform(r.normal([n, d]) as tf.Tensor2D));
    },
    dispose() {
      tf.dispose([...vars, strictLower]);
    },
  };
}

/**
 * The ELBO of q against an unnormalized target, E_q[log p(x) − log q(x)] ≤ log Z,
 * estimated on ε `[n, d]` by the reparameterization x = μ + Lε. Its gradient
 * is the KL update (11): Σ_i ∂_η f(η; ε_i)(∇log p(x_i) − ∇log q(x_i)).
 * Differentiable in q's variables.
 */
export function elbo(q: GaussianSampler, logProb: LogProbFn, eps: tf.Tensor2D): tf.Scalar {
  assert2D(eps, 'eps', null, q.dim);
  return tf.tidy(() => {
    const x = q.transform(eps);
    return tf.mean(tf.sub(logProb(x), q.logProbFromNoise(eps))) as tf.Scalar;
  });
}

/**
 * The importance-weighted bound (IWAE, seed 003 §2) with K samples per
 * estimate: E[log (1/K) Σ_k p(x_k)/q(x_k)], ELBO ≤ L_K ≤ log Z, on ε `[m, K, d]`
 * flattened as `[m·K, d]` (rows k·… grouped by m). Differentiable.
 */
export function iwaeBound(
  q: GaussianSampler,
  logProb: LogProbFn,
  eps: tf.Tensor2D,
  K: number,
): tf.Scalar {
  assertInt(K, 'K', 1);
  assert2D(eps, 'eps', null, q.dim);
  if (eps.shape[0] % K !== 0) {
    throw new RangeError(`eps: expected a multiple of K = ${K} rows, got ${eps.shape[0]}`);
  }
  return tf.tidy(() => {
    const x = q.transform(eps);
    const logw = tf.reshape(tf.sub(logProb(x), q.logProbFromNoise(eps)), [-1, K]);
    return tf.mean(tf.sub(tf.logSumExp(logw, 1), Math.log(K))) as tf.Scalar;
  });
}

/** State of the reparameterized KL baseline. */
export interface ReparamKlState {
  iteration: number;
  seed: number;
  /** With a SteinOptimizer: its state per variable of q (created on the first step). */
  optimizerStates?: unknown[];
}

export interface ReparamKlOptions {
  q: GaussianSampler;
  logProb: LogProbFn;
  /** A core `SteinOptimizer` (its states travel in the stepper state) or a `tf.Optimizer` (applied as it is). */
  optimizer: LoopOptimizer;
  /** ε per step (m). */
  batchSize: number;
  /** `'elbo'` (eq. 11, default) or `'iwae'` with `K` samples per term. */
  objective?: 'elbo' | 'iwae';
  K?: number;
}

export function reparamKlInit(opts: { seed?: number } = {}): ReparamKlState {
  const seed = opts.seed ?? 0;
  assertInt(seed, 'seed', 0, 2 ** 32 - 1);
  return { iteration: 0, seed };
}

/** Frees a SteinOptimizer's states (q's variables are the caller's); nothing with a tf.Optimizer. */
export function reparamKlDispose(
  state: ReparamKlState,
  opts?: Pick<ReparamKlOptions, 'optimizer'>,
): void {
  disposeOptimizerStates(opts?.optimizer, state.optimizerStates);
}

/** The loop's options: the step's, the number of iterations and the seed. */
export interface ReparamKlLoopOptions extends ReparamKlOptions {
  iterations: number;
  seed?: number;
}

/**
 * The loop over {@link reparamKlStep} (core's `runLoop`): `iterations` steps,
 * `onStep` sees each info (false stops; an async one makes the loop a Promise).
 */
export function reparamKl(
  opts: ReparamKlLoopOptions & {
    onStep: (info: ReparamKlStepInfo) => Promise<unknown>;
  },
): Promise<ReparamKlState>;
export function reparamKl(
  opts: ReparamKlLoopOptions & {
    onStep?: (info: ReparamKlStepInfo) => void;
  },
): ReparamKlState;
export function reparamKl(
  opts: ReparamKlLoopOptions & { onStep?: (info: ReparamKlStepInfo) => unknown },
): ReparamKlState | Promise<ReparamKlState> {
  assertInt(opts.iterations, 'iterations', 0);
  return runLoop({
    state: reparamKlInit({ seed: opts.seed }),
    steps: opts.iterations,
    step: (s) => reparamKlStep(s, opts),
    onStep: opts.onStep,
  });
}

/** What one step of the reparameterized KL baseline reports. */
export interface ReparamKlStepInfo {
  /** Steps taken, this one included. */
  iteration: number;
  /** The ELBO / IWAE bound before the step (a number: one sync). */
  bound: number;
}

/**
 * One optimizer step maximizing the ELBO (eq. 11) or the IWAE bound; ε of
 * step t is drawn from `foldIn(seed, t)`. Returns the next state and
 * `{ iteration, bound }` (`bound` at the top level is the deprecated 0.1 field).
 */
export function reparamKlStep(
  state: ReparamKlState,
  opts: ReparamKlOptions,
): {
  state: ReparamKlState;
  info: ReparamKlStepInfo;
  /** @deprecated Use `info.bound`. */
  bound: number;
} {
  assertInt(opts.batchSize, 'batchSize', 1);
  assertLoopOptimizer(opts.optimizer, 'optimizer');
  const objective = opts.objective ?? 'elbo';
  const K = opts.K ?? 5;
  const rng = createRng(foldIn(state.seed, state.iteration));
  const rows = objective === 'iwae' ? opts.batchSize * K : opts.batchSize;
  const eps = rng.normal([rows, opts.q.dim]) as tf.Tensor2D;
  let optimizerStates: unknown[] | undefined;
  let v: tf.Tensor;
  try {
    // variableGrads keeps only the value and the gradients; the optimizer's new
    // state tensors are created outside any tidy so that they survive the step
    const { value, grads } = tf.variableGrads(
      () =>
        tf.neg(
          objective === 'iwae'
            ? iwaeBound(opts.q, opts.logProb, eps, K)
            : elbo(opts.q, opts.logProb, eps),
        ) as tf.Scalar,
      opts.q.trainableVariables,
    );
    v = value;
    try {
      assertFiniteUpdate(
        [value, ...Object.values(grads)],
        'reparamKl',
        state.iteration + 1,
        'the bound or its gradient',
      );
      optimizerStates = applyOptimizer(
        opts.optimizer,
        opts.q.trainableVariables,
        grads,
        state.optimizerStates,
      );
    } catch (e) {
      value.dispose();
      throw e;
    } finally {
      tf.dispose(Object.values(grads));
    }
  } catch (e) {
    eps.dispose();
    throw e;
  }
  const bound = -v.dataSync()[0];
  tf.dispose([v, eps]);
  const next: ReparamKlState = { iteration: state.iteration + 1, seed: state.seed };
  if (optimizerStates) next.optimizerStates = optimizerStates;
  return { state: next, info: { iteration: next.iteration, bound }, bound };
}
