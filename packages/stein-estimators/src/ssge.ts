import { assertInt, assertModerate, assertPoints, type Kernel } from '@steinkit/core';
import { asSteinKernel, type SteinKernel, symmetricEigenTensor } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { assertSolvable } from './fit-checks';

export interface SsgeOptions {
  /** Number J of eigenfunctions; default: the fewest whose eigenvalues hold `energy` of the total. */
  numEigen?: number;
  /** Fraction of the eigenvalue sum kept when `numEigen` is not given (default 0.99). */
  energy?: number;
}

/** A fitted spectral Stein gradient estimator; owns its tensors until `dispose()`. */
export interface FittedSsge {
  readonly x: tf.Tensor2D;
  readonly kernel: SteinKernel;
  /** J, the number of eigenfunctions used. */
  readonly numEigen: number;
  /** ĝ ≈ ∇log q at the fitted samples, `[n, d]`. */
  estimate(): tf.Tensor2D;
  /** ĝ(x*) = Σ_j β_j ψ_j(x*) at new points (the Nyström eigenfunctions extend out of sample), `[m, d]`. */
  at(xNew: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

/**
 * The spectral Stein gradient estimator (Shi, Sun & Zhu 2018). With the Gram
 * eigenpairs K u_j = λ_j u_j of the M samples, the Nyström eigenfunctions
 * ψ_j(x) = (√M/λ_j) Σ_m k(x, x^m) u_jm, and by Stein's identity
 * β_j = −(1/M) Σ_m ∇ψ_j(x^m) = −(1/√M)(1/λ_j) u_jᵀR (R the SVGD repulsion);
 * ĝ(x) = Σ_{j ≤ J} β_j ψ_j(x). Eigen-decomposition in float64 JS (Jacobi).
 */
export function ssge(kernel: Kernel, opts: SsgeOptions = {}): { fit(x: tf.Tensor2D): FittedSsge } {
  const { numEigen, energy = 0.99 } = opts;
  if (numEigen !== undefined) assertInt(numEigen, 'numEigen', 1);
  if (!(energy > 0 && energy <= 1))
    throw new RangeError(`energy: expected a number in (0, 1], got ${energy}`);
  const base = asSteinKernel(kernel);
  return {
    fit(x) {
      assertPoints(x, 'x', { minN: 1, what: 'the spectral Stein gradient estimator needs' });
      assertModerate(x, 'x');
      const M = x.shape[0];
      const k = base.withBandwidthFrom(x);
      const { gram, repulsion } = k.steinTerms(x);
      let eig: ReturnType<typeof symmetricEigenTensor>;
      try {
        assertSolvable(gram, repulsion);
        eig = symmetricEigenTensor(gram);
      } catch (e) {
        tf.dispose([gram, repulsion]);
        throw e;
      }
      const xs = tf.clone(x);
      const lam = Array.from(eig.values.dataSync());
      let J = numEigen ?? 0;
      if (numEigen === undefined) {
        const total = lam.reduce((s, v) => s + Math.max(v, 0), 0);
        let acc = 0;
        while (J < M && acc < energy * total) acc += Math.max(lam[J++], 0);
      }
      J = Math.min(J, M);
      while (J > 1 && !(lam[J - 1] > 1e-8 * lam[0])) J--; // drop numerically null directions
      const [scaledU, beta] = tf.tidy(() => {
        const u = tf.slice(eig.vectors, [0, 0], [M, J]);
        const l = tf.slice(eig.values, [0], [J]);
        // ψ(x) = k(x, X)·U·diag(√M/λ); β = −(1/M)·diag(√M/λ)·Uᵀ R
        const su = tf.div(tf.mul(u, Math.sqrt(M)), tf.reshape(l, [1, J])) as tf.Tensor2D;
        const b = tf.mul(-1 / M, tf.matMul(tf.transpose(su), repulsion)) as tf.Tensor2D;
        return [su, b];
      });
      tf.dispose([gram, repulsion, eig.values, eig.vectors]);
      const bad = [scaledU, beta].some((t) => !t.dataSync().every(Number.isFinite));
      if (bad) {
        tf.dispose([xs, scaledU, beta]);
        throw new RangeError(
          'x: the spectral estimator overflowed float32 (x is too large for this bandwidth; rescale it)',
        );
      }
      let disposed = false;
      const live = () => {
        if (disposed) throw new Error('ssge: used after dispose()');
      };
      const at = (z: tf.Tensor2D) =>
        tf.tidy(() => tf.matMul(tf.matMul(k.gram(z, xs), scaledU), beta) as tf.Tensor2D);
      return {
        x: xs,
        kernel: k,
        numEigen: J,
        estimate: () => {
          live();
          return at(xs);
        },
        at(xNew) {
          live();
          assertPoints(xNew, 'xNew', { d: x.shape[1] });
          return at(xNew);
        },
        dispose() {
          if (disposed) return;
          disposed = true;
          tf.dispose([xs, scaledU, beta]);
        },
      };
    },
  };
}
