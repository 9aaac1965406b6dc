// A paired power diagnostic of the RBM benchmark (not part of the app's API): on one test
// sample per (trial, σ), the wild-bootstrap z-score z = (T − mean T*)/sd T* of KSD with two
// median conventions and of maxSKSD-g/rg with slices fitted for several step counts, on the
// burn-in pseudo-samples ('burn', the protocol) or on an independent sample of q ('oracle',
// diagnostic only). A z-score separates methods on a single trial where 0/1 rejections cannot.
//   SIGMAS=0.01,0.014 TRIALS=1 STEPS=0,50,500 nice -n 10 npx tsx scripts/rbm-diagnose.ts
// Output committed in results/rbm-diagnose/.
import { createRng, initBackend } from '@steinkit/core';
import { rbf } from '@steinkit/kernels';
import {
  ksdTest,
  maxSksdDispose,
  maxSksdInit,
  maxSksdStep,
  sksdPairMatrix,
  wildBootstrapTest,
} from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';
import { benchmarkRbm, gibbsSample, rbmScore } from '../src/rbm';

await initBackend({ backend: 'wasm' });
const rbm = benchmarkRbm();
const score = rbmScore(rbm.null);
const z = (r: { statistic: number; bootstrap: Float32Array; pValue: number }) => {
  let m = 0;
  for (const v of r.bootstrap) m += v;
  m /= r.bootstrap.length;
  let s = 0;
  for (const v of r.bootstrap) s += (v - m) ** 2;
  s = Math.sqrt(s / r.bootstrap.length);
  return `z=${((r.statistic - m) / s).toFixed(2)} p=${r.pValue.toFixed(3)}`;
};
const sigmas = (process.env.SIGMAS ?? '0.014').split(',').map(Number);
const trials = Number(process.env.TRIALS ?? 1);
const fitSteps = (process.env.STEPS ?? '0,50').split(',').map(Number);
for (let t = 0; t < trials; t++)
  for (const sigma of sigmas) {
    const seed = 5000 + t * 100 + Math.round(sigma * 1000);
    let c0 = performance.now();
    const q = gibbsSample(rbm.perturbed(sigma), {
      n: 1000,
      burnIn: 2000,
      burnInSamples: 2000,
      seed,
    });
    const fresh = gibbsSample(rbm.perturbed(sigma), { n: 2000, burnIn: 2000, seed: seed + 7 }).x; // oracle only
    console.log(`t${t} σ=${sigma} gibbs ${(performance.now() - c0) / 1000}s`);
    const sx = score(q.x);
    const out: string[] = [];
    out.push(`ksd(h=med) ${z(ksdTest(q.x, sx, rbf(), { seed }))}`);
    out.push(
      `ksd(ref h²=2·med sq) ${z(ksdTest(q.x, sx, rbf({ bandwidth: { kind: 'median', squared: true, scale: 2 } }), { seed }))}`,
    );
    for (const variant of ['g', 'rg'] as const)
      for (const [name, data] of [
        ['burn', q.burn as tf.Tensor2D],
        ['oracle', fresh],
      ] as const)
        for (const [lr, steps] of fitSteps.map((s) => [s > 200 ? 1e-3 : 1e-2, s] as const)) {
          if (steps === 0 && (variant === 'rg' || name === 'oracle')) continue;
          if (name === 'oracle' && steps !== 500) continue;
          c0 = performance.now();
          const st = maxSksdInit(50, {
            variant,
            optimizer: tf.train.adam(lr, 0.9, 0.99),
            statistic: 'v',
          });
          const rng = createRng(seed + 17);
          const sd = score(data);
          for (let k = 0; k < steps; k++) {
            const ix = tf.tensor1d(rng.permutation(data.shape[0]).slice(0, 100), 'int32');
            const xb = tf.gather(data, ix) as tf.Tensor2D;
            const sb = tf.gather(sd, ix) as tf.Tensor2D;
            maxSksdStep(st, xb, sb);
            tf.dispose([ix, xb, sb]);
          }
          const fitS = (performance.now() - c0) / 1000;
          const H = sksdPairMatrix(q.x, sx, { r: st.r, g: st.g });
          const res = wildBootstrapTest(H, { seed });
          H.dispose();
          sd.dispose();
          out.push(
            `sksd-${variant} fit=${name} steps=${steps} lr=${lr} ${z(res)} T=${res.statistic.toExponential(2)} (${fitS.toFixed(0)}s)`,
          );
          maxSksdDispose(st);
        }
    console.log(out.join('\n'));
    tf.dispose([q.x, q.burn as tf.Tensor2D, fresh, sx]);
  }
