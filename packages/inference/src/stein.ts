import type { Bandwidth } from '@steinkit/kernels';
import { groupedSsge, groupedSteinGradient } from '@steinkit/stein-estimators';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * Which score estimator the entropy gradient uses — the grouped SGE or SSGE of
 * `@steinkit/stein-estimators`, fitted on each x's own samples (RBF kernel,
 * bandwidth per x; default `SVGD_MEDIAN`).
 */
export type EntropyEstimator =
  | { estimator: 'sge'; bandwidth?: Bandwidth /** ridge η, default 0.01 */; eta?: number }
  | { estimator: 'ssge'; bandwidth?: Bandwidth; numEigen?: number; energy?: number };

/** ∇_z log q(z|x) estimated per x from that x's S samples `[B, S, d]` → `[B, S, d]`. */
export function entropyScores(z: tf.Tensor3D, opts: EntropyEstimator): tf.Tensor3D {
  switch (opts?.estimator) {
    case 'sge':
      return groupedSteinGradient(z, { bandwidth: opts.bandwidth, eta: opts.eta ?? 0.01 });
    case 'ssge':
      return groupedSsge(z, {
        bandwidth: opts.bandwidth,
        ...(opts.numEigen !== undefined ? { numEigen: opts.numEigen } : {}),
        ...(opts.energy !== undefined ? { energy: opts.energy } : {}),
      });
    default:
      throw new TypeError(
        `estimator: expected 'sge' or 'ssge', got ${String((opts as { estimator?: unknown })?.estimator)}`,
      );
  }
}
