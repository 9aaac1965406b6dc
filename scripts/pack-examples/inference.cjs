module.exports = async function check(inf, tf) {
  const encoder = inf.gaussianEncoder({
    inputDim: 6,
    latentDim: 2,
    hidden: [4],
    covariance: 'full',
    seed: 1,
  });
  const model = inf.bernoulliModel({ dataDim: 6, latentDim: 2, hidden: [4], seed: 2 });
  const x = tf.tensor2d([
    [1, 0, 1, 0, 1, 1],
    [0, 0, 1, 1, 0, 1],
  ]);
  let state = inf.inferenceInit({ seed: 3 });
  const r = inf.inferenceStep(state, { x }, { encoder, model, objective: { kind: 'iwae', k: 5 } });
  state = r.state;
  const bound = r.info.bound.dataSync()[0];
  inf.disposeInfo(r.info);
  const ll = inf.importanceLogLikelihood({ model, encoder, x, samples: 50, seed: 4 });
  if (!Number.isFinite(bound) || !(ll.mean < 0) || !(ll.mean >= bound - 5))
    throw new Error(`iwae bound ${bound}, IS log-likelihood ${ll.mean}`);
  inf.inferenceDispose(state);
  encoder.dispose();
  model.dispose();
  x.dispose();
  return `iwae step (bound ${bound.toFixed(2)}), IS log-likelihood ${ll.mean.toFixed(2)} (K = 50)`;
};
