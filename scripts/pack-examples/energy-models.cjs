module.exports = async function check(em, tf) {
  const target = em.gaussianMixture({ means: [[0, 0]], std: 1 });
  const x = tf.tensor2d([[1, -2]]);
  const s = await target.score(x).data();
  // standard normal: score(x) = -x
  if (Math.abs(s[0] + 1) > 1e-5 || Math.abs(s[1] - 2) > 1e-5)
    throw new Error(`gaussianMixture score wrong: ${Array.from(s)}`);
  x.dispose();
  return `gaussianMixture N(0, I) score([1, -2]) = [${Array.from(s)}]`;
};
