import { rbf, setFusedKernels } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  createMlpCritic,
  ksd,
  ksdFromMatrix,
  ksdTest,
  lsd,
  maxSksdDispose,
  maxSksdFit,
  maxSksdInit,
  sksd,
  slicedGofTest,
  ssge,
  steinGradientEstimator,
  svgdDirection,
} from '../src/index';
import { medianSqPairDiffs } from '../src/sliced';

const score = (z: tf.Tensor2D) => tf.neg(z) as tf.Tensor2D;
const withNaN = (n: number, d: number, at = 0, v = Number.NaN) => {
  const a = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i + 1));
  a[at] = v;
  return tf.tensor2d(a, [n, d]);
};
/** Runs f, expects it to throw `re` (an instance of `type`), and checks that nothing leaked. */
function throwsNoLeak(f: () => unknown, re: RegExp | string, type: typeof Error = RangeError) {
  const before = tf.memory().numTensors;
  let err: unknown;
  try {
    const out = f();
    tf.dispose(out as tf.Tensor); // never pretty-print a tensor (vitest would walk the engine)
  } catch (e) {
    err = e;
  }
  if (!(err instanceof Error)) throw new Error(`expected a throw matching ${String(re)}, got none`);
  expect(err).toBeInstanceOf(type);
  if (typeof re === 'string') expect(err.message).toContain(re);
  else expect(err.message).toMatch(re);
  expect(tf.memory().numTensors).toBe(before);
}

describe('hangs (issue 16 §1)', () => {
  it('medianSqPairDiffs with NaN/±Inf returns (a RangeError naming the row) instead of looping', () => {
    const a = Float32Array.from({ length: 13 }, (_, i) => i);
    a[0] = Number.NaN;
    expect(() => medianSqPairDiffs(a, 1, 13)).toThrow(
      new RangeError('a: expected finite values, found NaN at row 0, column 0'),
    );
    a[0] = Number.POSITIVE_INFINITY;
    expect(() => medianSqPairDiffs(a, 1, 13)).toThrow(/found Infinity at row 0/);
    a[0] = 0;
    expect(medianSqPairDiffs(a, 1, 13)[0]).toBe(16); // |i − j| ≤ 3 for 33 of the 78 pairs, ≤ 4 for 42: the median is 4
  });
  it('sksd, maxSksdFit and slicedGofTest with NaN/Inf in x throw a RangeError naming x', () => {
    const x = withNaN(20, 2);
    const eye = tf.eye(2) as tf.Tensor2D;
    throwsNoLeak(() => sksd(x, score, { r: eye, g: eye }), /^x: expected finite values/);
    const state = maxSksdInit(2);
    throwsNoLeak(() => maxSksdFit(state, x, score, 3), /^x: expected finite values/);
    maxSksdDispose(state);
    const xi = withNaN(20, 2, 5, Number.NEGATIVE_INFINITY);
    throwsNoLeak(
      () => slicedGofTest(xi, score, { steps: 2, bootstrap: 10 }),
      /^x: expected finite values/,
    );
    // a NaN score
    const good = withNaN(20, 2, 0, 0.5);
    throwsNoLeak(
      () => sksd(good, () => withNaN(20, 2), { r: eye, g: eye, bandwidth: 1 }),
      /^score\(x\): expected finite values/,
    );
    tf.dispose([x, xi, eye, good]);
  });
});

describe('wrong answers presented as results (issue 16 §2)', () => {
  it('ksdTest refuses NaN in x or score(x) instead of reject: true', () => {
    const x = withNaN(10, 2);
    throwsNoLeak(
      () => ksdTest(x, score, rbf()),
      /^x: expected finite values, found NaN at flat index 0/,
    );
    const ok = withNaN(10, 2, 0, 0.1);
    throwsNoLeak(
      () => ksdTest(ok, () => withNaN(10, 2, 3), rbf()),
      /^score\(x\): expected finite values/,
    );
    const big = withNaN(10, 2, 0, 1e30);
    throwsNoLeak(
      () => ksdTest(big, score, rbf({ bandwidth: 1 })),
      /^x: the KSD statistic is (NaN|-?Infinity)/,
    );
    tf.dispose([x, ok, big]);
  });
  it('int32/bool x is a TypeError in svgdDirection and ksd (was wrong by up to 0.149)', () => {
    const xi = tf.tensor2d(
      [
        [0, 1],
        [2, 0],
        [1, 1],
      ],
      undefined,
      'int32',
    ) as tf.Tensor2D;
    throwsNoLeak(
      () => svgdDirection(xi, score, rbf({ bandwidth: 1.3 })),
      /^x: expected a float32 tensor, got int32/,
      TypeError,
    );
    const xb = tf.tensor2d(
      [
        [1, 0],
        [0, 1],
      ],
      undefined,
      'bool',
    ) as tf.Tensor2D;
    throwsNoLeak(() => ksd(xb, score, rbf()), /^x: expected a float32 tensor, got bool/, TypeError);
    const xf = tf.ones([3, 2]) as tf.Tensor2D;
    throwsNoLeak(
      () => svgdDirection(xf, xi, rbf()),
      /^score\(x\): expected a float32 tensor/,
      TypeError,
    );
    tf.dispose([xi, xb, xf]);
  });
  it('ksd with d = 0 and n = 0, lsd with n = 0, ksdFromMatrix of a non-square matrix', () => {
    const d0 = tf.zeros([5, 0]) as tf.Tensor2D;
    throwsNoLeak(() => ksd(d0, score, rbf()), 'x: expected d ≥ 1 column, got shape [5, 0]');
    const n0 = tf.zeros([0, 3]) as tf.Tensor2D;
    throwsNoLeak(
      () => ksd(n0, score, rbf(), { statistic: 'v' }),
      'x: the V-statistic needs n ≥ 1 point, got 0',
    );
    const critic = createMlpCritic(3, { hidden: [4] });
    throwsNoLeak(
      () => lsd(n0, score, critic),
      /^x: the learned Stein discrepancy .* needs n ≥ 1 point, got 0/,
    );
    critic.dispose();
    const rect = tf.zeros([3, 4]) as tf.Tensor2D;
    throwsNoLeak(() => ksdFromMatrix(rect), 'u: expected shape [3, 3], got [3, 4]');
    tf.dispose([d0, n0, rect]);
  });
});

describe('memory pre-checks (issue 16 §3)', () => {
  it('ksd at n = 8192, d = 64 throws a RangeError with n, d and bytes; the backend keeps working', () => {
    // the composite (n×n) path; the fused wasm kernels make these sizes feasible
    const old = setFusedKernels('off');
    const x = tf.zeros([8192, 64]) as tf.Tensor2D; // 2 MB; the n×n intermediates would be ~6 GB
    throwsNoLeak(
      () => ksd(x, score, rbf({ bandwidth: 3 })),
      /^rbf\(h=3\)\.steinMatrix: x with n = 8192, d = 64 needs/,
    );
    x.dispose();
    const y = tf.zeros([16384, 2]) as tf.Tensor2D;
    throwsNoLeak(
      () => svgdDirection(y, score, rbf({ bandwidth: 1 })),
      /n = 16384, d = 2 needs about/,
    );
    // the median heuristic's n×n distances are guarded too (at n = 8192 they fit: 1.9 GB)
    throwsNoLeak(
      () => ksd(y, score, rbf()),
      /^median bandwidth: x with n = 16384, d = 2 needs about \d+\.\d+ GB of tensors \(\d+ bytes\)/,
    );
    y.dispose();
    setFusedKernels(old);
    expect(Array.from(tf.add(tf.ones([3]), 1).dataSync())).toEqual([2, 2, 2]);
  });
});

describe('leaks on throwing paths (issue 16 §4)', () => {
  it('steinGradientEstimator(k).fit(badX) and ssge(k).fit(badX) leave no tensors', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const x = withNaN(8, 2, 3, bad);
      throwsNoLeak(() => steinGradientEstimator(rbf()).fit(x), /^x: expected finite values/);
      throwsNoLeak(() => ssge(rbf()).fit(x), /^x: expected finite values/);
      throwsNoLeak(
        () => steinGradientEstimator(rbf({ bandwidth: 1 })).fit(x),
        /^x: expected finite values/,
      );
      x.dispose();
    }
    const big = withNaN(8, 2, 3, 1e30);
    // values whose squared distances overflow float32 are refused (the estimate would be NaN)
    throwsNoLeak(
      () => steinGradientEstimator(rbf({ bandwidth: 1 })).fit(big),
      /^x: expected \|values\| ≤ 1e\+18/,
    );
    throwsNoLeak(() => ssge(rbf({ bandwidth: 1 })).fit(big), /^x: expected \|values\| ≤ 1e\+18/);
    big.dispose();
    const n0 = tf.zeros([0, 2]) as tf.Tensor2D;
    throwsNoLeak(
      () => steinGradientEstimator(rbf()).fit(n0),
      /^x: the Stein gradient estimator needs n ≥ 1 point/,
    );
    n0.dispose();
  });
});

describe('messages name the caller’s argument (issue 16 §6)', () => {
  it('disposed x, sksd without options', () => {
    const x = tf.ones([4, 2]) as tf.Tensor2D;
    x.dispose();
    expect(() => ksd(x, score, rbf())).toThrow(/^x: the tensor has been disposed/);
    expect(() => svgdDirection(x, score, rbf())).toThrow(TypeError);
    const y = tf.ones([4, 2]) as tf.Tensor2D;
    throwsNoLeak(() => sksd(y, score, undefined as never), /^opts: expected \{ r, g \}/, TypeError);
    throwsNoLeak(() => ksd(y, 'nope' as never, rbf()), /^score: expected a function/, TypeError);
    y.dispose();
  });
});
