#!/usr/bin/env node
/**
 * The learning-rate search of the GAN baselines (README "Baseline tuning"):
 * short runs on the tuning seed (not a reported one) for each (lrG, lrD),
 * scored by labelAgreement on 500 conditional samples with the metrics
 * package's cached classifier. Usage:
 *   tsx src/lr-grid.ts <dcgan|mle-gan> [--iterations 400] [--seed 1] [--dataset mnist]
 *     [--lrG 2e-4,1e-3] [--lrD 2e-4,1e-3] [--out results]
 * Writes <out>/lr-grid-<dataset>-<objective>.json (each cell as it finishes).
 */
import { join } from 'node:path';
import { labelAgreement } from '@steinkit/metrics';
import { getClassifier, writeFileAtomic } from '@steinkit/metrics/reference';
import { type DatasetName, defaultConfig, type Objective } from './config';
import { balancedLabels } from './metrics-evaluator';
import { runSteingan } from './run';

const args = process.argv.slice(2);
const flag = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] as string) : def;
};
const objective = args[0] as Objective;
if (objective !== 'dcgan' && objective !== 'mle-gan') {
  console.error(`lr-grid: expected dcgan or mle-gan as the first argument, got '${objective}'`);
  process.exit(1);
}
const list = (s: string) => s.split(',').map(Number);
const iterations = Number(flag('iterations', '400'));
const seed = Number(flag('seed', '1'));
const dataset = flag('dataset', 'mnist') as DatasetName;
const lrGs = list(flag('lrG', '2e-4,1e-3'));
const lrDs = list(flag('lrD', '2e-4,1e-3'));
const outDir = flag('out', 'results');
const path = join(outDir, `lr-grid-${dataset}-${objective}.json`);
const cells: Record<string, unknown>[] = [];
for (const lrG of lrGs) {
  for (const lrD of lrDs) {
    let la = Number.NaN;
    const m = await runSteingan({
      config: { dataset, objective, seed, lrG, lrD },
      iterations,
      out: join('runs', 'lr-grid', `${dataset}-${objective}-g${lrG}-d${lrD}`),
      gridEvery: 0,
      progress: false,
      evaluator: async (ctx) => {
        const clf = await getClassifier(ctx.dataset, { progress: false, log: ctx.log });
        const labels = balancedLabels(500, ctx.numClasses);
        const x = ctx.generate(labels, ctx.seed + 1001);
        la = labelAgreement(clf, x, labels);
        x.dispose();
        clf.dispose();
        return { labelAgreement: la, ganTrainAccuracy: Number.NaN, frechetDistance: Number.NaN };
      },
    });
    cells.push({ lrG, lrD, labelAgreement500: la, seconds: m.seconds, backend: m.backend });
    writeFileAtomic(
      path,
      `${JSON.stringify(
        {
          objective,
          dataset,
          seed,
          iterations,
          score: 'labelAgreement on 500 conditional samples (cached reference classifier)',
          config: defaultConfig({ dataset, objective, seed }),
          cells,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`${objective} lrG ${lrG} lrD ${lrD}: labelAgreement ${la.toFixed(3)}`);
  }
}
