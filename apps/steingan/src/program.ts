/** The command line of `pnpm steingan` (commander). */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ARCHS, DATASETS, OBJECTIVES } from './config';
import { metricsEvaluator } from './metrics-evaluator';
import type { RunOptions } from './run';

function int(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got '${v}'`);
    return n;
  };
}

export function buildProgram(): Command {
  return new Command()
    .name('steingan')
    .description(
      'SteinGAN (Wang & Liu 2016): amortized MLE of a joint autoencoder energy on MNIST / Fashion-MNIST, with the DCGAN and maximum-likelihood GAN objectives on the same networks for comparison.',
    )
    .addOption(new Option('--dataset <name>', 'training set').choices(DATASETS).default('mnist'))
    .addOption(
      new Option('--objective <name>', 'what trains the generator')
        .choices(OBJECTIVES)
        .default('steingan'),
    )
    .addOption(
      new Option(
        '--arch <name>',
        'lean: MLP generator + MLP autoencoder energy; paper: the paper’s conv nets',
      )
        .choices(ARCHS)
        .default('lean'),
    )
    .option('--iterations <n>', 'training iterations', int('--iterations', 1), 3000)
    .option('--batch <n>', 'mini-batch size', int('--batch', 2), 64)
    .option('--seed <n>', 'random seed', int('--seed', 0), 1)
    .addOption(
      new Option('--backend <name>', 'tfjs backend (default: best that loads)').choices([
        'tensorflow',
        'wasm',
        'cpu',
      ]),
    )
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
export function parseArgs(argv: string[], program = buildProgram()): RunOptions {
  program.parse(argv);
  const o = program.opts();
  return {
    config: {
      dataset: o.dataset,
      objective: o.objective,
      arch: o.arch,
      batch: o.batch,
      seed: o.seed,
    },
    iterations: o.iterations,
    out: o.out ?? `runs/steingan-${o.dataset}`,
    resume: o.resume,
    gridEvery: o.gridEvery,
    checkpointEvery: o.checkpointEvery,
    exportWeb: o.exportWeb,
    backend: o.backend,
    progress: o.progress && Boolean(process.stderr.isTTY),
    evaluator: o.metrics ? metricsEvaluator() : undefined,
  };
}
