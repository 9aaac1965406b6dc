import type { Rng } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

let counter = 0;
/** A unique variable name (tfjs variable names are global). */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}_${counter}_${Math.floor(Math.random() * 1e9)}`;
}

/**
 * A trainable weight: N(0, std²) when `std` is given (the paper's N(0, 0.02)),
 * otherwise Glorot-uniform with fanIn/fanOut. Biases start at 0.
 */
export function weight(
  rng: Rng,
  shape: number[],
  fanIn: number,
  fanOut: number,
  prefix: string,
  std?: number,
): tf.Variable {
  const init = tf.tidy(() => {
    if (std !== undefined) return rng.normal(shape, 0, std);
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    return rng.uniform(shape, -lim, lim);
  });
  const v = tf.variable(init, true, uniqueName(prefix));
  init.dispose();
  return v;
}

export function bias(shape: number[], prefix: string): tf.Variable {
  const z = tf.zeros(shape);
  const v = tf.variable(z, true, uniqueName(prefix));
  z.dispose();
  return v;
}
