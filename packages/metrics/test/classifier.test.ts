import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageTensor, loadMnist } from '@steinkit/datasets';
import { classifierFrechetDistance, inceptionScore, labelAgreement } from '@steinkit/metrics';
import {
  CLASSIFIER_VERSION,
  defaultCacheDir,
  getClassifier,
  trainOnGeneratedAccuracy,
} from '@steinkit/metrics/reference';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

describe('reference classifier (small subset)', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'steinkit-cache-'));
  const opts = {
    cacheDir,
    trainLimit: 1000,
    testLimit: 500,
    epochs: 1,
    batchSize: 50,
    progress: false,
    log: () => {},
  };

  it('trains on first use, caches to disk, reloads with identical outputs', async () => {
    const lines: string[] = [];
    const clf = await getClassifier('mnist', { ...opts, log: (l) => lines.push(l) });
    expect(lines.some((l) => l.includes('training the mnist classifier on 1000 images'))).toBe(
      true,
    );
    expect(clf.info.testSize).toBe(500);
    expect(clf.info.testAccuracy).toBeGreaterThan(0.6); // 1 epoch on 1000 images; chance is 0.1
    const dir = join(cacheDir, 'classifiers', `mnist-v${CLASSIFIER_VERSION}-n1000`);
    const meta = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(meta.userDefinedMetadata.steinkit.testAccuracy).toBe(clf.info.testAccuracy);

    const loaded: string[] = [];
    const again = await getClassifier('mnist', { ...opts, log: (l) => loaded.push(l) });
    expect(loaded[0]).toMatch(/loaded from/);
    expect(again.info.testAccuracy).toBe(clf.info.testAccuracy);
    const x = imageTensor(loadMnist({ split: 'test', limit: 300 }));
    const before = tf.memory().numTensors;
    const p1 = clf.probabilities(x);
    const flat = tf.reshape(x, [300, 784]);
    const f1 = clf.features(flat);
    expect(p1.shape).toEqual([300, 10]);
    expect(f1.shape).toEqual([300, 128]);
    const p2 = again.probabilities(x);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(p1, p2))));
    expect(d.dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([p1, f1, p2, d, flat]);
    expect(tf.memory().numTensors).toBe(before);

    // sample-quality metrics on real images (a sanity floor, not the full bar)
    const labels = loadMnist({ split: 'test', limit: 300 }).labels;
    const agree = labelAgreement(clf, x, labels);
    expect(agree).toBeGreaterThan(0.6);
    const wrong = Int32Array.from(labels, (l) => (l + 1) % 10);
    expect(labelAgreement(clf, x, wrong)).toBeLessThan(0.2);
    const is = inceptionScore(clf, x, { splits: 3 });
    // by hand: exp(mean_i KL(p_i ‖ p̄)) per split of 100
    const probs = clf.probabilities(x);
    const pv = probs.arraySync() as number[][];
    probs.dispose();
    const hand = [0, 1, 2].map((s) => {
      const part = pv.slice(100 * s, 100 * s + 100);
      const bar = part[0].map((_, k) => part.reduce((acc, r) => acc + r[k], 0) / part.length);
      const kl = part.map((r) =>
        r.reduce((acc, p, k) => acc + (p > 0 ? p * Math.log(p / bar[k]) : 0), 0),
      );
      return Math.exp(kl.reduce((a, b) => a + b, 0) / kl.length);
    });
    expect(is.mean).toBeCloseTo((hand[0] + hand[1] + hand[2]) / 3, 3);
    expect(is.mean).toBeGreaterThan(1.5);
    expect(is.mean).toBeLessThanOrEqual(10);
    // one constant image repeated: p(y|x) = p(y) ⇒ IS = 1
    const same = tf.tile(tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]), [20, 1, 1, 1]);
    expect(inceptionScore(clf, same).mean).toBeCloseTo(1, 4);
    const a = tf.slice(x, [0, 0, 0, 0], [150, -1, -1, -1]);
    const b = tf.slice(x, [150, 0, 0, 0], [150, -1, -1, -1]);
    const noise = tf.randomUniform([150, 28, 28, 1], 0, 1, 'float32', 3);
    expect(classifierFrechetDistance(clf, a, a)).toBeLessThan(1e-3);
    const real = classifierFrechetDistance(clf, a, b);
    const fake = classifierFrechetDistance(clf, a, noise);
    expect(fake).toBeGreaterThan(3 * real);
    tf.dispose([x, same, a, b, noise]);
    expect(tf.memory().numTensors).toBe(before);
    clf.dispose();
    again.dispose();
  });

  it('retrains when the cached weights are corrupt', async () => {
    const dir = join(cacheDir, 'classifiers', `mnist-v${CLASSIFIER_VERSION}-n1000`);
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(10));
    const lines: string[] = [];
    const clf = await getClassifier('mnist', {
      ...opts,
      testLimit: 100,
      log: (l) => lines.push(l),
    });
    expect(lines[0]).toMatch(/weights\.bin: 10 bytes, the manifest needs .* retraining/);
    expect(lines[1]).toMatch(/training the mnist classifier/);
    expect(clf.info.testSize).toBe(100);
    clf.dispose();
  });

  it('train-on-generated accuracy: real labelled images score well, shuffled labels near chance', async () => {
    const ds = loadMnist({ limit: 600 });
    const test = loadMnist({ split: 'test', limit: 300 });
    const x = imageTensor(ds);
    const before = tf.memory().numTensors;
    const good = await trainOnGeneratedAccuracy(x, ds.labels, { test, epochs: 2, batchSize: 50 });
    expect(tf.memory().numTensors).toBe(before);
    const shuffled = Int32Array.from(ds.labels, (_, i) => ds.labels[(i * 7 + 3) % ds.size]);
    const bad = await trainOnGeneratedAccuracy(x, shuffled, { test, epochs: 1, batchSize: 50 });
    expect(tf.memory().numTensors).toBe(before);
    expect(good).toBeGreaterThan(0.5);
    expect(bad).toBeLessThan(0.3);
    x.dispose();
  });

  it('resolves the cache directory from env', () => {
    expect(defaultCacheDir({ STEINKIT_CACHE_DIR: '/c' })).toBe('/c');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/steinkit');
    expect(defaultCacheDir({})).toMatch(/\.cache\/steinkit$/);
  });
});
