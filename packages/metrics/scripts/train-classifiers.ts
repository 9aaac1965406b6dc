/**
 * Trains the reference MNIST and Fashion-MNIST classifiers from scratch, checks
 * the accuracy bars (MNIST ≥ 98.5 %, Fashion-MNIST ≥ 89 %) on the full test
 * sets, and leaves the weights in the cache directory for later runs.
 *
 *   npx tsx --tsconfig tsconfig.base.json packages/metrics/scripts/train-classifiers.ts [mnist] [fashion-mnist]
 *
 * Env: STEINKIT_BACKEND (default: best available), STEINKIT_CACHE_DIR.
 */
import { cpus, loadavg } from 'node:os';
import { describeBackend, initBackend } from '@steinkit/core';
import {
  type ClassifierDataset,
  defaultCacheDir,
  getClassifier,
} from '@steinkit/metrics/reference';

const BARS: Record<ClassifierDataset, number> = { mnist: 0.985, 'fashion-mnist': 0.89 };
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-')) as ClassifierDataset[];
const datasets: ClassifierDataset[] = wanted.length ? wanted : ['mnist', 'fashion-mnist'];

const info = await initBackend();
console.log(
  `backend: ${describeBackend(info)}; ${cpus().length} CPU cores (${cpus()[0]?.model ?? '?'}); cache ${defaultCacheDir()}`,
);
let ok = true;
for (const ds of datasets) {
  const clf = await getClassifier(ds, { retrain: true });
  const acc = clf.info.testAccuracy ?? 0;
  const pass = acc >= BARS[ds];
  ok &&= pass;
  console.log(
    `${ds}: test accuracy ${(100 * acc).toFixed(2)}% on ${clf.info.testSize} images (bar ${100 * BARS[ds]}%: ${pass ? 'PASS' : 'FAIL'}); ${clf.info.epochs} epochs on ${clf.info.trainSize} images in ${clf.info.trainSeconds?.toFixed(0)} s wall, ${clf.info.trainCpuSeconds?.toFixed(0)} s CPU (${clf.info.backend}; load average ${loadavg()[0].toFixed(1)})`,
  );
  clf.dispose();
}
process.exit(ok ? 0 : 1);
