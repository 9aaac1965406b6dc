/**
 * A gradient for `Einsum`, which tfjs-core 4.22 does not register (so
 * `tf.grad` through `tf.einsum` throws on every backend).
 *
 * For y = einsum('s₁,…,s_k->o', x₁, …, x_k), ∂L/∂x_i = Σ over the indices not
 * in s_i of dy[o] · Π_{j≠i} x_j[s_j], computed in the space of all indices
 * (each factor transposed/reshaped to it, broadcast multiplied, reduced) and
 * broadcast back to x_i's shape (indices only in s_i were summed out, so the
 * gradient is constant along them).
 */
import * as tf from '@tensorflow/tfjs-core';

function parse(equation: string, shapes: number[][]) {
  const eq = equation.replace(/\s/g, '');
  const [lhs, out] = eq.split('->');
  if (out === undefined) throw new Error(`Einsum gradient: equation '${equation}' needs '->'`);
  const specs = lhs.split(',');
  const size: Record<string, number> = {};
  specs.forEach((s, i) => {
    if (new Set(s).size !== s.length)
      throw new Error(`Einsum gradient: repeated index in '${s}' is not supported`);
    [...s].forEach((c, j) => {
      size[c] = shapes[i][j];
    });
  });
  const all = [...new Set([...lhs.replace(/,/g, ''), ...out])];
  return { specs, out, size, all };
}

export const einsumGradConfig: tf.GradConfig = {
  kernelName: 'Einsum',
  saveAllInputs: true,
  gradFunc: (dy, saved, attrs) => {
    const dyT = Array.isArray(dy) ? dy[0] : dy;
    const { specs, out, size, all } = parse(
      attrs.equation as string,
      saved.map((t) => t.shape),
    );
    /** t (indexed by spec) laid out over `all`, with 1 for absent indices. */
    const spread = (t: tf.Tensor, spec: string) => {
      const present = all.filter((c) => spec.includes(c));
      const perm = present.map((c) => spec.indexOf(c));
      const tp = perm.every((p, k) => p === k) ? t : tf.transpose(t, perm);
      return tf.reshape(
        tp,
        all.map((c) => (spec.includes(c) ? size[c] : 1)),
      );
    };
    const ders: Record<string, () => tf.Tensor> = {};
    specs.forEach((spec, i) => {
      ders[i] = () => {
        let g = spread(dyT, out);
        specs.forEach((other, j) => {
          if (j !== i) g = tf.mul(g, spread(saved[j], other));
        });
        const axes = all.flatMap((c, k) => (spec.includes(c) ? [] : [k]));
        const reduced = axes.length ? tf.sum(g, axes) : g;
        const order = all.filter((c) => spec.includes(c));
        // `reduced` is laid out over `order`, with 1 where no factor spanned the index.
        const full = tf.broadcastTo(
          reduced,
          order.map((c) => size[c]),
        );
        const perm = [...spec].map((c) => order.indexOf(c));
        return perm.every((p, k) => p === k) ? full : tf.transpose(full, perm);
      };
    });
    return ders;
  },
};

/** Registers the Einsum gradient unless one is registered already. */
export function registerEinsumGradient(): void {
  if (!tf.getGradient('Einsum')) tf.registerGradient(einsumGradConfig);
}
