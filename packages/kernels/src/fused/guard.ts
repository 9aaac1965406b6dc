import type * as tf from '@tensorflow/tfjs-core';

/** The tensor's values as a Float32Array (a copy on backends that keep their own heap). */
export function float32Data(t: tf.Tensor): Float32Array {
  const v = t.dataSync();
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}
