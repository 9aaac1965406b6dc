module.exports = async function check(metrics, tf, _core, load) {
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
  // The Node-only subpath: classifiers and file I/O live in @steinkit/metrics/reference,
  // not in the main entry.
  if ('getClassifier' in metrics || 'writeFileAtomic' in metrics)
    throw new Error('the main entry still exports the reference classifiers / file I/O');
  const ref = load('@steinkit/metrics/reference');
  const fs = load('node:fs');
  const path = load('node:path');
  const os = load('node:os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steinkit-metrics-'));
  const file = path.join(dir, 'sub', 'a.json');
  ref.writeFileAtomic(file, '{"ok":true}');
  const back = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.rmSync(dir, { recursive: true, force: true });
  const cache = ref.defaultCacheDir({ STEINKIT_CACHE_DIR: '/c' });
  if (!back.ok || cache !== '/c' || typeof ref.getClassifier !== 'function')
    throw new Error(
      `reference entry: writeFileAtomic read back ${JSON.stringify(back)}, cache ${cache}`,
    );
  return `mmd2(x, x) = ${same[0].toFixed(6)}, energyDistance(x, x + 3) = ${far[0].toFixed(3)}; reference v${ref.CLASSIFIER_VERSION}`;
};
