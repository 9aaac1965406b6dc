import * as tf from '@tensorflow/tfjs-core';
import '@steinkit/core'; // registers gradients

/**
 * Jᵀu: the vector–Jacobian product of y = f(η) (any shape) with a cotangent u
 * of y's shape, one tensor per variable (η's shapes). Tidy-safe.
 */
export function vjp(f: () => tf.Tensor, variables: tf.Variable[], u: tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(u, f())) as tf.Scalar, variables);
    value.dispose();
    return variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
  });
}

/**
 * Jv: the Jacobian–vector product of y = f(η) with a tangent v (one tensor
 * per variable), by the double-VJP trick Jv = ∂/∂u [(Jᵀu)·v] at u = 0 — the
 * inner VJP is linear in u, so its gradient w.r.t. u is exactly Jv. Never
 * forms the Jacobian. Needs f's backward ops to be differentiable (true for
 * dense/conv/activation layers in tfjs). Tidy-safe.
 */
export function jvp(
  f: () => tf.Tensor,
  variables: tf.Variable[],
  v: tf.Tensor[],
  outputShape: number[],
): tf.Tensor {
  return tf.tidy(() => {
    const u0 = tf.zeros(outputShape);
    const g = tf.grad((u: tf.Tensor) => {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(u, f())) as tf.Scalar,
        variables,
      );
      value.dispose();
      let acc: tf.Tensor = tf.scalar(0);
      variables.forEach((w, i) => {
        const gi = grads[w.name];
        if (gi) acc = tf.add(acc, tf.sum(tf.mul(gi, v[i])));
      });
      return acc;
    });
    return g(u0);
  });
}

/** Σ_k ⟨a_k, b_k⟩ over lists of tensors, as a JS number (syncs). */
export function dotList(a: tf.Tensor[], b: tf.Tensor[]): number {
  const s = tf.tidy(() => tf.addN(a.map((ai, i) => tf.sum(tf.mul(ai, b[i])))));
  const v = s.dataSync()[0];
  s.dispose();
  return v;
}
