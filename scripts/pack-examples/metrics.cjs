module.exports = async function check(metrics, tf) {
  // MMD² and energy distance of a sample with itself: the biased MMD² is 0,
  // the energy distance is 0; against a shifted copy both are > 0.
  const x = tf.tensor2d([
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  const y = tf.add(x, 3);
  const same = await metrics.mmd2(x, x, { estimator: 'biased' }).data();
  const far = await metrics.energyDistance(x, y).data();
  if (Math.abs(same[0]) > 1e-5 || !(far[0] > 1))
    throw new Error(`mmd2(x, x) = ${same[0]}, energyDistance(x, x + 3) = ${far[0]}`);
  tf.dispose([x, y]);
  return `mmd2(x, x) = ${same[0].toFixed(6)}, energyDistance(x, x + 3) = ${far[0].toFixed(3)}`;
};
