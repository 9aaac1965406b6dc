module.exports = async function check(core, tf) {
  const rng = core.createRng(42);
  const x = rng.normal([3, 2]);
  const again = core.createRng(42).normal([3, 2]);
  const same = tf.tidy(() => tf.max(tf.abs(tf.sub(x, again))).dataSync()[0]);
  if (same !== 0) throw new Error('createRng is not reproducible');
  tf.dispose([x, again]);
  return `createRng(42).normal([3, 2]) reproducible`;
};
