import {
  applyOptimizer,
  assert2D,
  assertFloat,
  assertInt,
  assertLoopOptimizer,
  assertPoints,
  assertPositive,
  createRng,
  disposeOptimizerStates,
  foldIn,
  isSteinOptimizer,
  type LoopOptimizer,
  type Rng,
  type ScoreFn,
} from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Learned Stein discrepancy (Grathwohl et al., ICML 2020, eq. 8–9): a critic
 * f: R^D → R^D is trained to maximize
 *   E_q[∇log p(x)ᵀ f(x) + tr ∇ₓf(x)] − λ·E_q‖f(x)‖²,
 * and the Stein term E_q[∇log p(x)ᵀ f(x) + tr ∇ₓf(x)] is the discrepancy the
 * model minimizes.
 */
export interface Critic {
  /** f(x), `[n, D]` → `[n, D]`. */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  /** Exact tr ∇ₓf(x) per row `[n]`, when the critic has a closed form. */
  divergence?(x: tf.Tensor2D): tf.Tensor1D;
  /** Forward-mode product ∇ₓf(x)·v per row, `[n, D]` (for Hutchinson). */
  jvp?(x: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D;
  readonly trainableVariables: tf.Variable[];
  dispose?(): void;
}

export interface LsdOptions {
  /** L2 penalty weight λ of the critic objective; default 1. */
  lambda?: number;
  /**
   * 'exact' (default): the critic's closed-form divergence, else D
   * vector–Jacobian products by autodiff (not differentiable in the critic's
   * parameters: use a critic with `divergence` to train it).
   * 'hutchinson': εᵀ(∇f)ε with one noise draw per row (the critic's `jvp`
   * when present, else a VJP).
   */
  trace?: 'exact' | 'hutchinson';
  /** Hutchinson noise; default 'gaussian'. */
  noise?: 'gaussian' | 'rademacher';
  /** Seeded noise for Hutchinson; default a generator seeded 0. */
  rng?: Rng;
}

type CriticLike = Critic | ((x: tf.Tensor2D) => tf.Tensor2D);

function asCritic(c: CriticLike): Critic {
  return typeof c === 'function' ? { apply: c, trainableVariables: [] } : c;
}

/** Exact tr ∇ₓf(x) per row by D vector–Jacobian products (autodiff; O(D) backward passes). */
export function divergenceByAutodiff(
  f: (x: tf.Tensor2D) => tf.Tensor2D,
  x: tf.Tensor2D,
): tf.Tensor1D {
  const [n, d] = x.shape;
  return tf.tidy(() => {
    const cols: tf.Tensor[] = [];
    for (let k = 0; k < d; k++) {
      const gk = tf.grad((z: tf.Tensor) => tf.sum(tf.slice(f(z as tf.Tensor2D), [0, k], [n, 1])))(
        x,
      );
      cols.push(tf.slice(gk, [0, k], [n, 1]));
    }
    return tf.reshape(tf.sum(tf.concat(cols, 1), 1), [n]) as tf.Tensor1D;
  });
}

/** The critic's trace term per row `[n]` (exact or Hutchinson). */
export function criticDivergence(
  critic: CriticLike,
  x: tf.Tensor2D,
  opts: LsdOptions = {},
): tf.Tensor1D {
  const c = asCritic(critic);
  const { trace = 'exact', noise = 'gaussian' } = opts;
  if (trace !== 'exact' && trace !== 'hutchinson') {
    throw new TypeError(`trace: expected 'exact' or 'hutchinson', got ${String(trace)}`);
  }
  if (noise !== 'gaussian' && noise !== 'rademacher') {
    throw new TypeError(`noise: expected 'gaussian' or 'rademacher', got ${String(noise)}`);
  }
  if (trace === 'exact') {
    return c.divergence ? c.divergence(x) : divergenceByAutodiff((z) => c.apply(z), x);
  }
  const rng = opts.rng ?? createRng(0);
  return tf.tidy(() => {
    let eps = rng.normal(x.shape) as tf.Tensor2D;
    if (noise === 'rademacher') eps = tf.sign(eps) as tf.Tensor2D;
    const jv = c.jvp
      ? c.jvp(x, eps)
      : (tf.grad((z: tf.Tensor) => tf.sum(tf.mul(c.apply(z as tf.Tensor2D), eps)))(
          x,
        ) as tf.Tensor2D);
    return tf.sum(tf.mul(eps, jv), 1) as tf.Tensor1D;
  });
}

/** The LSD Stein term E[∇log p(x)ᵀ f(x) + tr ∇f(x)] (a scalar; differentiable in the score's and critic's parameters). */
export function lsd(
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  critic: CriticLike,
  opts: LsdOptions = {},
): tf.Scalar {
  return tf.tidy(() => lsdParts(x, score, critic, opts).stein);
}

/** The critic objective E[sᵀf + tr ∇f] − λ·E‖f‖², maximized by the critic. */
export function lsdObjective(
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  critic: CriticLike,
  opts: LsdOptions = {},
): tf.Scalar {
  const { lambda = 1 } = opts;
  assertPositive(lambda, 'lambda', true);
  return tf.tidy(() => {
    const { stein, penalty } = lsdParts(x, score, critic, opts);
    return tf.sub(stein, tf.mul(lambda, penalty)) as tf.Scalar;
  });
}

function lsdParts(
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  critic: CriticLike,
  opts: LsdOptions,
) {
  const xs = assertPoints(x, 'x', {
    minN: 1,
    what: 'the learned Stein discrepancy (a mean over rows) needs',
  });
  const [n, d] = xs.shape;
  const c = asCritic(critic);
  return tf.tidy(() => {
    const s = typeof score === 'function' ? score(xs) : score;
    assert2D(s, 'score', n, d);
    assertFloat(s, 'score');
    const f = c.apply(xs);
    assert2D(f, 'critic(x)', n, d);
    const div = criticDivergence(c, xs, opts);
    const stein = tf.mean(tf.add(tf.sum(tf.mul(s, f), 1), div)) as tf.Scalar;
    const penalty = tf.mean(tf.sum(tf.square(f), 1)) as tf.Scalar;
    return { stein, penalty };
  });
}

/**
 * State of the critic's ascent on {@link lsdObjective}: the iteration, the seed
 * of the Hutchinson noise (step t draws from `foldIn(seed, t)` unless `rng` is
 * given) and, with a SteinOptimizer, its state per critic variable.
 */
export interface LsdCriticState {
  iteration: number;
  seed: number;
  /** With a SteinOptimizer: its state per critic variable (created on the first step). */
  optimizerStates?: unknown[];
}

/** What stays fixed from step to step: the critic, its optimizer and the objective's options. */
export interface LsdCriticOptions extends LsdOptions {
  critic: Critic;
  /** A core `SteinOptimizer` (its states travel in the stepper state) or a `tf.Optimizer` (applied as it is). */
  optimizer: LoopOptimizer;
}

/** One step's batch: the points x `[n, D]` and ∇log p at them (a function or `[n, D]`). */
export interface LsdCriticInputs {
  x: tf.Tensor2D;
  score: ScoreFn | tf.Tensor2D;
}

export interface LsdCriticInfo {
  /** Steps taken, this one included. */
  iteration: number;
  /** The critic objective E[sᵀf + tr ∇f] − λ·E‖f‖² before the step. */
  objective: number;
}

export function lsdCriticInit(opts: { seed?: number } = {}): LsdCriticState {
  const seed = opts.seed ?? 0;
  assertInt(seed, 'seed', 0, 2 ** 32 - 1);
  return { iteration: 0, seed };
}

/** Frees a SteinOptimizer's states (the critic's weights are the caller's); nothing with a tf.Optimizer. */
export function lsdCriticDispose(
  state: LsdCriticState,
  opts?: Pick<LsdCriticOptions, 'optimizer'>,
): void {
  disposeOptimizerStates(opts?.optimizer, state.optimizerStates);
}

/**
 * One critic ascent step on {@link lsdObjective}: returns the next state and
 * `{ iteration, objective }` (the objective before the step; one sync).
 */
export function lsdCriticStep(
  state: LsdCriticState,
  inputs: LsdCriticInputs,
  opts: LsdCriticOptions,
): { state: LsdCriticState; info: LsdCriticInfo };
/**
 * @deprecated The 0.x form (a tf.Optimizer, returns the objective before the
 * step); use `lsdCriticStep(state, { x, score }, { critic, optimizer, ...opts })`,
 * which also takes a SteinOptimizer.
 */
export function lsdCriticStep(
  critic: Critic,
  optimizer: tf.Optimizer,
  x: tf.Tensor2D,
  score: ScoreFn | tf.Tensor2D,
  opts?: LsdOptions,
): number;
export function lsdCriticStep(
  a: LsdCriticState | Critic,
  b: LsdCriticInputs | tf.Optimizer,
  c: LsdCriticOptions | tf.Tensor2D,
  score?: ScoreFn | tf.Tensor2D,
  legacyOpts: LsdOptions = {},
): number | { state: LsdCriticState; info: LsdCriticInfo } {
  if (a != null && typeof (a as Critic).apply === 'function') {
    if (isSteinOptimizer(b)) {
      throw new TypeError(
        'optimizer: a SteinOptimizer keeps its state in the stepper state; use lsdCriticStep(state, { x, score }, { critic, optimizer })',
      );
    }
    const r = lsdCriticStep(
      lsdCriticInit(),
      { x: c as tf.Tensor2D, score: score as ScoreFn | tf.Tensor2D },
      // the 0.x default: Hutchinson noise from a generator seeded 0 on every call
      {
        ...legacyOpts,
        rng: legacyOpts.rng ?? createRng(0),
        critic: a as Critic,
        optimizer: b as tf.Optimizer,
      },
    );
    return r.info.objective;
  }
  const state = a as LsdCriticState;
  const inputs = b as LsdCriticInputs;
  const opts = c as LsdCriticOptions;
  if (inputs == null || typeof inputs !== 'object') {
    throw new TypeError(`inputs: expected { x: [n, D], score }, got ${String(inputs)}`);
  }
  if (opts?.critic == null || typeof opts.critic.apply !== 'function') {
    throw new TypeError(
      `critic: expected a Critic { apply, trainableVariables }, got ${String(opts?.critic)}`,
    );
  }
  assertLoopOptimizer(opts.optimizer, 'optimizer');
  const { critic, optimizer, ...lsdOpts } = opts;
  const rng = lsdOpts.rng ?? createRng(foldIn(state.seed, state.iteration));
  const { x } = inputs;
  const sc =
    typeof inputs.score === 'function' ? tf.tidy(() => (inputs.score as ScoreFn)(x)) : inputs.score;
  let optimizerStates: unknown[] | undefined;
  let objective: number;
  try {
    const { value, grads } = tf.variableGrads(
      () => tf.neg(lsdObjective(x, sc, critic, { ...lsdOpts, rng })) as tf.Scalar,
      critic.trainableVariables,
    );
    try {
      optimizerStates = applyOptimizer(
        optimizer,
        critic.trainableVariables,
        grads,
        state.optimizerStates,
      );
      objective = -value.dataSync()[0];
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  } finally {
    if (sc !== inputs.score) sc.dispose();
  }
  const next: LsdCriticState = { iteration: state.iteration + 1, seed: state.seed };
  if (optimizerStates) next.optimizerStates = optimizerStates;
  return { state: next, info: { iteration: next.iteration, objective } };
}

export type CriticActivation = 'swish' | 'tanh' | 'softplus';

export interface MlpCriticOptions {
  /** Hidden widths; default [300, 300] (the ICA critic). */
  hidden?: number[];
  /** Hidden activation; default 'swish' (x·sigmoid(x)). */
  activation?: CriticActivation;
  /** Seeded initialization (PyTorch's default U(±1/√fan_in)); default seed 0. */
  rng?: Rng;
}

export interface MlpCritic extends Critic {
  readonly weights: tf.Variable[];
  readonly biases: tf.Variable[];
  divergence(x: tf.Tensor2D): tf.Tensor1D;
  jvp(x: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

function act(a: CriticActivation, h: tf.Tensor): { y: tf.Tensor; dy: tf.Tensor } {
  if (a === 'swish') {
    const sg = tf.sigmoid(h);
    return { y: tf.mul(h, sg), dy: tf.add(sg, tf.mul(tf.mul(h, sg), tf.sub(1, sg))) };
  }
  if (a === 'tanh') {
    const t = tf.tanh(h);
    return { y: t, dy: tf.sub(1, tf.square(t)) };
  }
  return { y: tf.softplus(h), dy: tf.sigmoid(h) };
}

/**
 * An MLP critic D → hidden… → D with a closed-form exact divergence for one
 * or two hidden layers: with z₁ = σ(xW₁ + b₁), z₂ = σ(z₁W₂ + b₂), f = z₂W₃ + b₃,
 *   tr ∇f(x) = Σ_ab σ'₁(a) · [W₂ ⊙ (W₃W₁)ᵀ]_ab · σ'₂(b)
 * (one hidden layer: Σ_a σ'₁(a)·(W₁ᵀ ⊙ W₂)_a·1), differentiable in the
 * weights by first-order autodiff. Deeper critics use forward-mode JVPs with
 * the D basis vectors.
 */
export function createMlpCritic(dim: number, opts: MlpCriticOptions = {}): MlpCritic {
  assertInt(dim, 'dim', 1);
  const hidden = opts.hidden ?? [300, 300];
  for (const [i, h] of hidden.entries()) assertInt(h, `hidden[${i}]`, 1);
  const activation = opts.activation ?? 'swish';
  if (!['swish', 'tanh', 'softplus'].includes(activation)) {
    throw new TypeError(
      `activation: expected 'swish', 'tanh' or 'softplus', got ${String(activation)}`,
    );
  }
  const rng = opts.rng ?? createRng(0);
  const sizes = [dim, ...hidden, dim];
  const weights: tf.Variable[] = [];
  const biases: tf.Variable[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const bound = 1 / Math.sqrt(sizes[l]);
    const w0 = rng.uniform([sizes[l], sizes[l + 1]], -bound, bound);
    const b0 = rng.uniform([sizes[l + 1]], -bound, bound);
    weights.push(tf.variable(w0));
    biases.push(tf.variable(b0));
    tf.dispose([w0, b0]);
  }
  const L = weights.length;
  const forward = (x: tf.Tensor2D) => {
    let z: tf.Tensor = x;
    const slopes: tf.Tensor[] = [];
    for (let l = 0; l < L - 1; l++) {
      const { y, dy } = act(
        activation,
        tf.add(tf.matMul(z as tf.Tensor2D, weights[l] as tf.Tensor2D), biases[l]),
      );
      z = y;
      slopes.push(dy);
    }
    const f = tf.add(
      tf.matMul(z as tf.Tensor2D, weights[L - 1] as tf.Tensor2D),
      biases[L - 1],
    ) as tf.Tensor2D;
    return { f, slopes };
  };
  const jvpWith = (slopes: tf.Tensor[], v: tf.Tensor2D) => {
    let u: tf.Tensor = v;
    for (let l = 0; l < L - 1; l++)
      u = tf.mul(slopes[l], tf.matMul(u as tf.Tensor2D, weights[l] as tf.Tensor2D));
    return tf.matMul(u as tf.Tensor2D, weights[L - 1] as tf.Tensor2D) as tf.Tensor2D;
  };
  const check = (x: tf.Tensor2D) => assert2D(x, 'x', null, dim);
  return {
    weights,
    biases,
    trainableVariables: [...weights, ...biases],
    apply(x) {
      check(x);
      return tf.tidy(() => forward(x).f);
    },
    jvp(x, v) {
      check(x);
      assert2D(v, 'v', x.shape[0], dim);
      return tf.tidy(() => jvpWith(forward(x).slopes, v));
    },
    divergence(x) {
      check(x);
      return tf.tidy(() => {
        const { slopes } = forward(x);
        const [W1, W2, W3] = weights as tf.Tensor2D[];
        if (L === 2) {
          const m = tf.sum(tf.mul(tf.transpose(W1), W2), 1); // [H]
          return tf.sum(tf.mul(slopes[0], m), 1) as tf.Tensor1D;
        }
        if (L === 3) {
          const M = tf.mul(W2, tf.transpose(tf.matMul(W3, W1))); // [H1, H2]
          return tf.sum(
            tf.mul(tf.matMul(slopes[0] as tf.Tensor2D, M), slopes[1]),
            1,
          ) as tf.Tensor1D;
        }
        // Deeper: Σ_k e_kᵀ J e_k by forward mode, one basis vector at a time.
        const n = x.shape[0];
        const parts: tf.Tensor[] = [];
        for (let k = 0; k < dim; k++) {
          const e = tf.tile(tf.oneHot(tf.tensor1d([k], 'int32'), dim), [n, 1]) as tf.Tensor2D;
          parts.push(tf.slice(jvpWith(slopes, e), [0, k], [n, 1]));
        }
        return tf.reshape(tf.sum(tf.concat(parts, 1), 1), [n]) as tf.Tensor1D;
      });
    },
    dispose() {
      tf.dispose([...weights, ...biases]);
    },
  };
}
