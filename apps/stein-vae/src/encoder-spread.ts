/**
 * How spread out q(z|x) is after training: from each run's epoch checkpoint,
 * 500 encoder draws per x for the first 100 test images → the per-dimension
 * standard deviation of the draws (averaged over dimensions and images) and
 * the log-determinant of their covariance per dimension. Gaussian and implicit
 * encoders alike (the draws, not the density). Writes results/encoder-spread.json.
 * Usage: npx tsx src/encoder-spread.ts <out dir> <label,label,…> [seed=1]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeBackend, initBackend } from '@steinkit/core';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import * as tf from '@tensorflow/tfjs-core';
import { BURDA, buildEncoder, type Method } from './config';
import { binarizedTest, loadGrey } from './data';

const [outDir, labels, seedArg] = process.argv.slice(2);
if (!outDir || !labels) throw new Error('usage: encoder-spread.ts <out dir> <label,…> [seed]');
const seed = Number(seedArg ?? 1);
const info = await initBackend({ backend: 'wasm' });
const x = binarizedTest(loadGrey('test'), 100);
const path = resolve(import.meta.dirname, '../results/encoder-spread.json');
const runs: Record<string, unknown> = existsSync(path)
  ? JSON.parse(readFileSync(path, 'utf8')).runs
  : {};
for (const label of labels.split(',')) {
  const method = label.replace(/-k\d+$/, '') as Method;
  const ck = JSON.parse(
    readFileSync(join(outDir, `${label}-seed${seed}`, 'checkpoint.json'), 'utf8'),
  );
  const enc = buildEncoder(method, BURDA, seed);
  enc.setWeights(
    ck.state.encoder.map((r: { shape: number[]; b64: string }) => {
      const buf = Buffer.from(r.b64, 'base64');
      return {
        shape: r.shape,
        values: Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4)),
      };
    }),
  );
  const S = 500;
  const [sd, logdet] = tf.tidy(() => {
    const z = enc.sample(x, enc.noise(100, S, 11)); // [100, S, d]
    const m = tf.mean(z, 1, true);
    const c = tf.sub(z, m);
    const sdv = tf.mean(tf.sqrt(tf.mean(tf.square(c), 1)));
    const cov = tf.div(tf.matMul(c, c, true, false), S - 1) as tf.Tensor3D; // [100, d, d]
    const d = cov.shape[1];
    // log det by the eigenvalue-free route: Cholesky in JS (float64)
    const cv = cov.arraySync();
    let ld = 0;
    for (const M of cv) {
      const a = M.map((r) => r.map((u) => u));
      for (let j = 0; j < d; j++) {
        let s = a[j][j];
        for (let k = 0; k < j; k++) s -= a[j][k] ** 2;
        const l = Math.sqrt(Math.max(s, 1e-300));
        a[j][j] = l;
        ld += 2 * Math.log(l);
        for (let i = j + 1; i < d; i++) {
          let t = a[i][j];
          for (let k = 0; k < j; k++) t -= a[i][k] * a[j][k];
          a[i][j] = t / l;
        }
      }
    }
    return [sdv.dataSync()[0], ld / (cv.length * d)];
  });
  runs[`${label}-seed${seed}`] = { epoch: ck.epoch, meanStd: sd, logDetPerDim: logdet };
  console.log(
    label,
    seed,
    `epoch ${ck.epoch}: mean sd ${sd.toFixed(4)}, log det / d ${logdet.toFixed(3)}`,
  );
  enc.dispose();
}
writeFileAtomic(
  path,
  `${JSON.stringify({ what: 'spread of 500 encoder draws per x on the first 100 test images (src/encoder-spread.ts), from each run’s last checkpoint', backend: describeBackend(info), runs }, null, 2)}\n`,
);
x.dispose();
