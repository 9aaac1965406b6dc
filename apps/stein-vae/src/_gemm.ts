import { initBackend } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { heapKernels } from '../../../packages/core/src/wasm/simd';
await initBackend({ backend: 'wasm' });
const be: any = tf.backend();
const k = heapKernels(be)!;
const shapes = [[100, 784, 200], [100, 200, 200], [100, 200, 784], [100, 50, 200], [64, 1024, 6272], [64, 6272, 512], [5000, 200, 784], [5000, 50, 200], [784, 100, 200], [64, 784, 512]];
for (const [m, kk, n] of shapes) {
  const a = tf.randomNormal([m, kk]); const b0 = tf.randomNormal([kk, n]);
  const reps = Math.max(3, Math.round(2e9 / (2 * m * kk * n)));
  // XNNPACK with a fresh b each call (b + 0 makes a new tensor: packing every time)
  let t0 = performance.now(); let tx = 0;
  for (let r = 0; r < reps; r++) { const b = tf.add(b0, 0); const t1 = performance.now(); const c = tf.matMul(a, b); c.dataSync(); tx += performance.now() - t1; tf.dispose([b, c]); }
  // XNNPACK cached b
  tf.dispose(tf.matMul(a, b0)); t0 = performance.now();
  for (let r = 0; r < reps; r++) { const c = tf.matMul(a, b0); tf.dispose(c); }
  const tc = performance.now() - t0;
  // ours
  const out = be.makeOutput([m, n], 'float32');
  const off = (t: any) => be.typedArrayFromHeap(t).byteOffset;
  k.gemm(off(a), off(b0), off(out), m, kk, n);
  t0 = performance.now();
  for (let r = 0; r < reps; r++) k.gemm(off(a), off(b0), off(out), m, kk, n);
  const to = performance.now() - t0;
  const want = tf.matMul(a, b0).dataSync(); const got = be.typedArrayFromHeap(out);
  let err = 0; for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(want[i] - got[i]));
  const gf = (ms: number) => (2 * m * kk * n * reps / ms / 1e6).toFixed(1);
  console.log(`${m}x${kk}x${n}: xnn fresh ${gf(tx)} GF/s, xnn cached ${gf(tc)}, ours ${gf(to)}  maxerr ${err.toExponential(1)}`);
  be.disposeData(out.dataId); tf.dispose([a, b0]);
}
