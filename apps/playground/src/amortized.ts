/**
 * Panel 3: amortized SVGD (Wang & Liu, Learning to Draw Samples, Algorithm 1):
 * a small network f(η; ξ), ξ ~ U[−1, 1]⁴, trained live along the Stein
 * direction with update (10) — Δx back-propagated through f (the `vjp` rule),
 * the η-step taken by Adam — drawn next to the SVGD panel's particles.
 */
import {
  type AmortizedSvgdState,
  amortizedSvgdInit,
  amortizedSvgdStep,
  type NeuralSampler,
  neuralSampler,
} from '@steinkit/amortizers';
import { createRng, fusedAdam } from '@steinkit/core';
import type { Target } from '@steinkit/energy-models';
import { rbf, SVGD_MEDIAN } from '@steinkit/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { readAndDispose } from './svgd';

const NOISE = 4;
const HIDDEN = 48;

/** A 4 → 48 → 48 → 2 tanh MLP with Glorot-uniform weights from a seeded stream. */
export function samplerNet(seed: number): NeuralSampler {
  const rng = createRng(seed);
  const variables: tf.Variable[] = [];
  const layer = (fin: number, fout: number) => {
    const lim = Math.sqrt(6 / (fin + fout));
    const w0 = rng.uniform([fin, fout], -lim, lim);
    const W = tf.variable(w0, true);
    w0.dispose();
    const b = tf.variable(tf.zeros([fout]), true);
    variables.push(W, b);
    return { W, b };
  };
  const l1 = layer(NOISE, HIDDEN);
  const l2 = layer(HIDDEN, HIDDEN);
  const l3 = layer(HIDDEN, 2);
  const net = (h: tf.Tensor2D) =>
    tf.tidy(() => {
      const a1 = tf.tanh(tf.add(tf.matMul(h, l1.W as tf.Tensor2D), l1.b));
      const a2 = tf.tanh(tf.add(tf.matMul(a1, l2.W as tf.Tensor2D), l2.b));
      return tf.mul(3, tf.add(tf.matMul(a2, l3.W as tf.Tensor2D), l3.b));
    });
  return neuralSampler({ net, variables, noiseDim: NOISE, outputShape: [2], seed });
}

export class AmortizedPanel {
  sampler: NeuralSampler;
  state: AmortizedSvgdState;
  optimizer: tf.Optimizer;
  running = false;
  readonly batchSize = 128;

  constructor(
    readonly seed: number,
    readonly learningRate = 5e-3,
  ) {
    this.sampler = samplerNet(seed);
    this.state = amortizedSvgdInit({ seed });
    this.optimizer = fusedAdam(learningRate);
  }

  /** One iteration of Algorithm 1: draw ξ, Stein direction at f(ξ), η-update (10). */
  step(target: Target): void {
    const r = amortizedSvgdStep(this.state, {
      sampler: this.sampler,
      score: (x) => target.score(x),
      kernel: rbf({ bandwidth: SVGD_MEDIAN }),
      update: { rule: 'vjp', optimizer: this.optimizer },
      batchSize: this.batchSize,
    });
    this.state = r.state;
  }

  /** Samples at fixed noise (seeded), flat [x0, y0, …]; `asyncReads`: read by `await data()` (webgpu). */
  samples(n: number, asyncReads = false): Promise<Float32Array> {
    return readAndDispose(this.sampler.sample(n, 12345), asyncReads);
  }

  reset(): void {
    this.dispose();
    this.sampler = samplerNet(this.seed);
    this.state = amortizedSvgdInit({ seed: this.seed });
    this.optimizer = fusedAdam(this.learningRate);
  }

  dispose(): void {
    for (const v of this.sampler.trainableVariables) v.dispose();
    this.optimizer.dispose();
  }
}
