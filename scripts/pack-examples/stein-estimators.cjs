module.exports = async function check(se, tf, core, load) {
  const { rbf } = load('@steinkit/kernels');
  const x = core.createRng(1).normal([64, 2]);
  const score = (p) => tf.neg(p);
  const phi = se.svgdDirection(x, score, rbf());
  const d = se.ksd(x, score, rbf());
  const [shape, value] = [phi.shape, (await d.data())[0]];
  if (shape[0] !== 64 || shape[1] !== 2 || !Number.isFinite(value))
    throw new Error(`svgdDirection/ksd: shape ${shape}, ksd ${value}`);
  tf.dispose([x, phi, d]);
  return `svgdDirection → [${shape}], ksd = ${value.toExponential(2)}`;
};
