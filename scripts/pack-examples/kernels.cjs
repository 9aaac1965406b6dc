module.exports = async function check(kernels, tf) {
  const x = tf.tensor2d([
    [0, 0],
    [1, 0],
  ]);
  const k = kernels.rbf({ bandwidth: 1 }).gram(x);
  const v = await k.data();
  // k(x, y) = exp(-|x - y|^2 / h^2)
  if (Math.abs(v[1] - Math.exp(-1)) > 1e-5 || Math.abs(v[0] - 1) > 1e-6)
    throw new Error(`rbf gram wrong: ${Array.from(v)}`);
  // the fused wasm engine (inlined .wasm) on every backend: SVGD sums of eq. (7), s = -x
  const old = kernels.setFusedKernels('on');
  const { kernelSum } = kernels.rbf({ bandwidth: 1 }).steinDirection(x, tf.neg(x));
  const ks = await kernelSum.data();
  kernels.setFusedKernels(old);
  if (Math.abs(ks[0] - 1 - Math.exp(-1)) > 1e-5)
    throw new Error(`fused kernel sums wrong: ${Array.from(ks)}`);
  tf.dispose([x, k, kernelSum]);
  return `rbf({bandwidth: 1}).gram = [${Array.from(v).map((a) => a.toFixed(3))}], fused kernel sums ok`;
};
