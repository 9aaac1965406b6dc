// gof-bench: goodness-of-fit benchmarks of the Stein-methods talk.
import { fileURLToPath } from 'node:url';
import { choiceList, nonNegativeList, positiveInt } from '@steinkit/app-utils';
import { initBackend } from '@steinkit/core';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CONFIG, METHODS, type Method } from './methods';
import { runMixtureBench } from './mixture-bench';
import { PAPER_SIGMAS, runRbmBench } from './rbm-bench';

const DEFAULT_OUT = fileURLToPath(new URL('../results', import.meta.url));

// the shared parsers of @steinkit/app-utils under this file's short names
const posInt = positiveInt;
const numList = nonNegativeList;
const methodList: (v: string) => Method[] = choiceList('methods', METHODS);

/** `--shard i/N` → { index: i, count: N } with 0 ≤ i < N. */
export function shardArg(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!(count >= 1 && index < count))
    throw new InvalidArgumentError(`--shard: expected i/N with 0 ≤ i < N (e.g. 0/2), got '${v}'`);
  return { index, count };
}

export function buildProgram(
  log: (l: string) => void = (l) => process.stderr.write(`${l}\n`),
): Command {
  const program = new Command('gof-bench').description(
    'Goodness-of-fit benchmarks: the Gaussian–Bernoulli RBM power curves (Gong et al. 2021) and the isolated-modes blindness of KSD with the noise-smoothed remedy (Wenliang & Kanagawa 2020).',
  );
  program
    .command('rbm')
    .description('RBM (D = 50, H = 40) power curves; results appended per (trial, σ) and resumed')
    .option('--methods <list>', `subset of ${METHODS.join(',')}`, methodList, [...METHODS])
    .option('--sigmas <list>', 'perturbation levels σ', numList('sigmas'), PAPER_SIGMAS)
    .option('--trials <n>', 'trials per σ', posInt('trials'), 100)
    .option('--n <n>', 'test sample size', posInt('n'), 1000)
    .option('--burn-in <n>', 'Gibbs burn-in sweeps', posInt('burn-in'), 2000)
    .option('--bootstraps <n>', 'wild-bootstrap draws', posInt('bootstraps'), 1000)
    .option(
      '--slice-steps <n>',
      'Adam steps on the slices',
      posInt('slice-steps'),
      DEFAULT_CONFIG.sliceSteps,
    )
    .option(
      '--deep-steps <n>',
      'Adam steps on the deep kernel',
      posInt('deep-steps'),
      DEFAULT_CONFIG.deepSteps,
    )
    .option('--budget <minutes>', 'start no new (trial, σ) after this many minutes', Number)
    .option(
      '--quick',
      'a minutes-long smoke run: σ ∈ {0, 0.018}, 2 trials, n = 200, burn-in 200, 200 bootstraps',
    )
    .option('--label <text>', 'label in the JSON/SVG', 'RBM D = 50, H = 40')
    .option('--report-only', 'only rebuild rbm-power.json/svg from rbm-trials.jsonl in --out')
    .option(
      '--shard <i/N>',
      'run only the trials t ≡ i (mod N), into rbm-trials.shard<i>of<N>.jsonl: N processes (one per core) share one --out',
      shardArg,
    )
    .option('--out <dir>', 'results directory', DEFAULT_OUT)
    .option('--backend <name>', 'wasm | cpu | … (default: STEINKIT_BACKEND or the best that loads)')
    .action(async (o) => {
      const backend = o.reportOnly
        ? { name: String(o.backend ?? 'unknown') }
        : await initBackend({ backend: o.backend });
      log(`backend: ${backend.name}`);
      const quick = Boolean(o.quick);
      const summary = runRbmBench({
        methods: o.methods,
        sigmas: quick ? [0, 0.018] : o.sigmas,
        trials: quick ? 2 : o.trials,
        n: quick ? 200 : o.n,
        burnIn: quick ? 200 : o.burnIn,
        burnInSamples: quick ? 200 : 2000,
        config: {
          ...DEFAULT_CONFIG,
          bootstraps: quick ? 200 : o.bootstraps,
          sliceSteps: quick ? 10 : o.sliceSteps,
          deepSteps: quick ? 10 : o.deepSteps,
          activeRows: quick ? 200 : DEFAULT_CONFIG.activeRows,
        },
        out: o.out,
        backend: backend.name,
        label: quick ? `${o.label} (--quick)` : o.label,
        budgetMinutes: o.budget,
        reportOnly: Boolean(o.reportOnly),
        ...(o.shard ? { shard: o.shard } : {}),
        log,
      });
      log(JSON.stringify(summary.power));
      log(`results in ${o.out} (rbm-trials.jsonl, rbm-power.json, rbm-power.svg)`);
    });
  program
    .command('mixture')
    .description(
      'KSD vs noise-smoothed KSD on two separated Gaussians that differ only in their weights',
    )
    .option('--d <n>', 'dimension', posInt('d'), 2)
    .option('--mu <x>', 'modes at ±μ e₁', Number, 5)
    .option('--alt-weight <w>', 'weight of the −μ mode under the alternative', Number, 0.8)
    .option('--noise <list>', 'noise σ (0 = plain KSD)', numList('noise'), [0, 1, 2, 4, 6])
    .option('--n <n>', 'sample size', posInt('n'), 200)
    .option('--trials <n>', 'trials per row', posInt('trials'), 100)
    .option('--bootstraps <n>', 'wild-bootstrap draws', posInt('bootstraps'), 500)
    .option('--quick', '10 trials')
    .option('--out <dir>', 'results directory', DEFAULT_OUT)
    .option('--backend <name>', 'wasm | cpu | …')
    .action(async (o) => {
      const backend = await initBackend({ backend: o.backend });
      log(`backend: ${backend.name}`);
      if (!(o.altWeight > 0 && o.altWeight < 1))
        throw new RangeError(`alt-weight: expected a number in (0, 1), got ${o.altWeight}`);
      if (!(o.mu > 0)) throw new RangeError(`mu: expected a number > 0, got ${o.mu}`);
      runMixtureBench({
        d: o.d,
        mu: o.mu,
        altWeight: o.altWeight,
        noiseStds: o.noise,
        n: o.n,
        trials: o.quick ? 10 : o.trials,
        bootstraps: o.bootstraps,
        out: o.out,
        backend: backend.name,
        log,
      });
      log(`results in ${o.out} (mixture-power.json, mixture-power.md)`);
    });
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  await buildProgram().parseAsync(argv);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
