/** The command line of `pnpm steingan` (commander). */
import { backendOption, integer, seedList as seedListParser } from '@steinkit/app-utils';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  ARCHS,
  DATASETS,
  type LrDecay,
  OBJECTIVES,
  PRESET_ITERATIONS,
  PRESETS,
  type Preset,
  validateLrDecay,
} from './config';
import { metricsEvaluator } from './metrics-evaluator';
import type { RunOptions } from './run';

// the shared parsers of @steinkit/app-utils under this file's names
const int = integer;
const seedList = seedListParser('--seeds');

function rate(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!(Number.isFinite(n) && n > 0 && n < 1))
      throw new InvalidArgumentError(`${name} must be a learning rate in (0, 1), got '${v}'`);
    return n;
  };
}

/** `none` or `start,end,final` (e.g. 3000,5000,0.1). */
function lrDecayArg(v: string): LrDecay | 'none' {
  // commander turns a parser's null into '', so 'none' stays a string until parseArgs
  if (v.trim() === 'none') return 'none';
  const parts = v.split(',').map((p) => Number(p.trim()));
  const bad = () =>
    new InvalidArgumentError(
      `--lr-decay must be 'none' or start,end,final with integers 0 ≤ start < end and final in (0, 1], got '${v}'`,
    );
  if (parts.length !== 3) throw bad();
  const decay = { start: parts[0], end: parts[1], final: parts[2] };
  try {
    validateLrDecay(decay, '--lr-decay');
  } catch {
    throw bad();
  }
  return decay;
}

export function buildProgram(): Command {
  return new Command()
    .name('steingan')
    .description(
      'SteinGAN (Wang & Liu 2016): amortized MLE of a joint autoencoder energy on MNIST / Fashion-MNIST, with DCGAN, maximum-likelihood GAN and KL-with-estimated-scores objectives on the same networks for comparison.',
    )
    .addOption(new Option('--dataset <name>', 'training set').choices(DATASETS).default('mnist'))
    .addOption(
      new Option('--objective <name>', 'what trains the generator')
        .choices(OBJECTIVES)
        .default('steingan'),
    )
    .addOption(
      new Option(
        '--preset <name>',
        'lean: the fast tuned default; paper: every choice of the paper (conv nets, N(0, 0.02), exact repulsion, γ 0.7, freeze + speed-up)',
      )
        .choices(PRESETS)
        .default('lean'),
    )
    .addOption(
      new Option(
        '--arch <name>',
        'networks only (default: the preset’s): lean MLPs or the paper’s conv nets',
      ).choices(ARCHS),
    )
    .addOption(
      new Option(
        '--repulsion <kind>',
        "kernel-on-codes repulsion (default: the preset's, paper exact, lean approximate): exact = encoder Jacobian at x_j (n² encoder rows); approximate = at x_i (n rows; what the authors' Theano code computes)",
      ).choices(['exact', 'approximate']),
    )
    .option(
      '--iterations <n>',
      `training iterations (default: the preset's, lean ${PRESET_ITERATIONS.lean}, paper ${PRESET_ITERATIONS.paper})`,
      int('--iterations', 1),
    )
    .option('--batch <n>', 'mini-batch size', int('--batch', 2), 64)
    .option('--seed <n>', 'random seed', int('--seed', 0, 2 ** 32 - 1), 1)
    .option(
      '--lr-g <rate>',
      'generator learning rate (default: the preset’s / objective’s)',
      rate('--lr-g'),
    )
    .option('--lr-d <rate>', 'dcgan / mle-gan: discriminator learning rate', rate('--lr-d'))
    .option(
      '--lr-decay <start,end,final|none>',
      'every learning rate × a factor falling linearly from 1 after iteration start to final at end (default: the preset’s)',
      lrDecayArg,
    )
    .option(
      '--seeds <list>',
      'run these seeds one after the other (e.g. 2,3,4), each to <out>/seed-N',
      seedList,
    )
    .option(
      '--results <dir>',
      'also write <dir>/<dataset>-<objective>-<preset>-seed<N>.json (metrics + every hyperparameter)',
    )
    .addOption(backendOption())
    .option('--out <dir>', 'output folder (default runs/steingan-<dataset>)')
    .option('--resume', 'continue from <out>/checkpoint.bin', false)
    .option(
      '--grid-every <n>',
      'write a 10×10 sample grid every N iterations (0: only at the end)',
      int('--grid-every', 0),
      500,
    )
    .option(
      '--checkpoint-every <n>',
      'write the checkpoint every N iterations',
      int('--checkpoint-every', 1),
    )
    .option(
      '--export-web <dir>',
      'after the run, write the generator for web pages (generator.json + float16 generator.bin; lean arch)',
    )
    .option('--no-metrics', 'skip the sample-quality metrics at the end')
    .option('--no-progress', 'no progress bar');
}

/** Parses argv (node, script, ...flags) into run options; bad flags exit with commander's message. */
export function parseArgs(
  argv: string[],
  program = buildProgram(),
): RunOptions & { seeds?: number[] } {
  program.parse(argv);
  const o = program.opts();
  return {
    config: {
      preset: o.preset,
      dataset: o.dataset,
      objective: o.objective,
      ...(o.arch !== undefined ? { arch: o.arch } : {}),
      ...(o.repulsion !== undefined ? { repulsion: o.repulsion } : {}),
      batch: o.batch,
      seed: o.seed,
      ...(o.lrG !== undefined ? { lrG: o.lrG } : {}),
      ...(o.lrD !== undefined ? { lrD: o.lrD } : {}),
      ...(o.lrDecay !== undefined ? { lrDecay: o.lrDecay === 'none' ? null : o.lrDecay } : {}),
    },
    ...(o.seeds ? { seeds: o.seeds } : {}),
    ...(o.results ? { resultsDir: o.results } : {}),
    iterations: o.iterations ?? PRESET_ITERATIONS[o.preset as Preset],
    out:
      o.out ??
      (o.seeds
        ? `runs/seeds/${o.dataset}-${o.objective}-${o.preset}`
        : `runs/steingan-${o.dataset}`),
    resume: o.resume,
    gridEvery: o.gridEvery,
    checkpointEvery: o.checkpointEvery,
    exportWeb: o.exportWeb,
    backend: o.backend,
    progress: o.progress && Boolean(process.stderr.isTTY),
    evaluator: o.metrics ? metricsEvaluator() : undefined,
  };
}
