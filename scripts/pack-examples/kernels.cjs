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
  tf.dispose([x, k]);
  return `rbf({bandwidth: 1}).gram = [${Array.from(v).map((a) => a.toFixed(3))}]`;
};
