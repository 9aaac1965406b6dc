/**
 * Side-effect import: the `@tensorflow/tfjs` umbrella registers every gradient
 * and chained op on the shared `@tensorflow/tfjs-core` engine (tfjs-core alone
 * registers none, and its deep imports cannot be loaded by Node's ESM loader).
 */
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';

/**
 * In Node the cpu backend prints a one-time "looks like you are running
 * TensorFlow.js in Node.js … install our node backend" banner on its first
 * tensor. steinkit reports the backend it chose itself (`describeBackend`), and
 * tfjs-node cannot be the advice for every user, so the banner is silenced for
 * every program that imports `@steinkit/core` (CLIs, tests, benchmarks).
 */
export function silenceNodeBanner(): void {
  if (!tf.env().getBool('IS_NODE')) return;
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
}

silenceNodeBanner();
