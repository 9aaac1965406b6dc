// sksd-ica: reproduces the ICA table of Gong et al. (2021) — maxSKSD-g vs KSD vs LSD.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { choiceList, intAtLeast, positiveInt, positiveIntList } from '@steinkit/app-utils';
import { initBackend } from '@steinkit/core';
import { Command, InvalidArgumentError } from 'commander';
import { runExperiment, writeReport } from './experiment';
import { exportProblem } from './export';
import { PAPER_DIMS, PAPER_ITERATIONS, PAPER_SEEDS } from './protocol';
import { MAXSKSD_VARIANTS, METHODS } from './trainers';

const DEFAULT_OUT = fileURLToPath(new URL('../results', import.meta.url));

export function buildProgram(): Command {
  return new Command('sksd-ica')
    .description(
      'Train linear ICA models by minimizing maxSKSD-g, KSD or LSD and report the test log-likelihood beside the published table (Gong et al. 2021). Runs are cached per (method, D, seed, iterations).',
    )
    .option(
      '--methods <list>',
      `comma-separated subset of ${METHODS.join(',')}`,
      choiceList('methods', METHODS),
      [...METHODS],
    )
    .option('--dims <list>', 'dimensions D', positiveIntList('dims'), [10, 20])
    .option('--seeds <list>', 'seeds', positiveIntList('seeds'), [60])
    .option('--iterations <n>', 'training iterations per run', positiveInt('iterations'), 1000)
    .option(
      '--full',
      `the paper protocol: D ∈ {${PAPER_DIMS}}, seeds ${PAPER_SEEDS}, ${PAPER_ITERATIONS} iterations`,
    )
    .option(
      '--eval-every <n>',
      'test log-likelihood every n iterations',
      positiveInt('eval-every'),
      500,
    )
    .option(
      '--n-train <n>',
      'training points',
      intAtLeast('--n-train', 100, 'one minibatch of 100 points'),
      20000,
    )
    .option('--n-test <n>', 'test points', intAtLeast('--n-test', 2, 'a mean over points'), 5000)
    .option(
      '--variant <name>',
      `ablation: a maxSKSD protocol variant (${Object.keys(MAXSKSD_VARIANTS).join(', ')}); runs maxsksd only, results in <out>/ablation-<name> unless --out is given`,
      (v: string) => {
        if (!(v in MAXSKSD_VARIANTS))
          throw new InvalidArgumentError(
            `variant: expected one of ${Object.keys(MAXSKSD_VARIANTS).join(', ')}, got '${v}'`,
          );
        return v;
      },
    )
    .option('--out <dir>', 'results directory', DEFAULT_OUT)
    .option(
      '--backend <name>',
      'tensorflow | webgpu | wasm | cpu (default: STEINKIT_BACKEND or the best that loads)',
    )
    .option('--force', 'recompute cached runs')
    .option(
      '--export <dir>',
      'write each (D, seed) problem — data, true and initial unmixing matrices, minibatch indices — to <dir>/D<D>-seed<seed> for an independent implementation, then exit',
    )
    .option('--report-only', 'only rebuild the table, JSON and plot from the cache')
    .option('--no-progress', 'plain log lines instead of progress bars');
}

export async function main(argv = process.argv): Promise<void> {
  const program = buildProgram();
  program.parse(argv);
  const o = program.opts();
  if (o.reportOnly) {
    writeReport(o.out);
    process.stderr.write(`report written to ${o.out}\n`);
    return;
  }
  const backend = await initBackend({ backend: o.backend });
  const full = Boolean(o.full);
  if (o.export) {
    for (const dim of full ? PAPER_DIMS : o.dims)
      for (const seed of full ? PAPER_SEEDS : o.seeds) {
        const dir = join(o.export, `D${dim}-seed${seed}`);
        exportProblem(dir, {
          dim,
          seed,
          iterations: full ? PAPER_ITERATIONS : o.iterations,
          nTrain: o.nTrain,
          nTest: o.nTest,
        });
        process.stderr.write(`exported ${dir}\n`);
      }
    return;
  }
  const variant: string | undefined = o.variant;
  const out = variant && o.out === DEFAULT_OUT ? join(DEFAULT_OUT, `ablation-${variant}`) : o.out;
  runExperiment({
    methods: variant ? ['maxsksd'] : o.methods,
    variant,
    dims: full ? PAPER_DIMS : o.dims,
    seeds: full ? PAPER_SEEDS : o.seeds,
    iterations: full ? PAPER_ITERATIONS : o.iterations,
    evalEvery: o.evalEvery,
    nTrain: o.nTrain,
    nTest: o.nTest,
    out,
    backend,
    force: o.force,
    progress: o.progress,
  });
  process.stderr.write(`results in ${out} (ica-table.md, ica-results.json, ica-loglik.svg)\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
