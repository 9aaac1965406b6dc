module.exports = async function check(am, tf, _core, load) {
  const tfl = load('@tensorflow/tfjs');
  const net = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 2 })] });
  const sampler = am.neuralSampler({ net, noiseDim: 4, seed: 1 });
  const x = sampler.sample(8, 3);
  const again = sampler.sample(8, 3);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(x, again))).dataSync()[0]);
  if (x.shape[0] !== 8 || x.shape[1] !== 2 || diff !== 0)
    throw new Error(`neuralSampler.sample(8, 3): shape ${x.shape}, repeat diff ${diff}`);
  tf.dispose([x, again]);
  net.dispose();
  return `neuralSampler(dense 4→2).sample(8, seed) → [${x.shape}], reproducible`;
};
