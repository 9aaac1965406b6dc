#!/usr/bin/env node
/** `pnpm stein-vae`: every amortized-inference method on dynamically binarized MNIST. */
import { resolve } from 'node:path';
import { backendOption, integer, seedList } from '@steinkit/app-utils';
import { describeBackend, initBackend } from '@steinkit/core';
import { Command, Option } from 'commander';
import { METHODS, type Method } from './config';
import { writeReport } from './report';
import { runOne } from './run';

// the shared parsers of @steinkit/app-utils under this file's names
const int = integer;
const seeds = seedList('--seed');

export function buildProgram(): Command {
  return new Command()
    .name('stein-vae')
    .description(
      'VAE (diagonal / full covariance), IWAE (k = 5, 50), the importance-weighted critic, the amortized SVGD encoder and SGE/SSGE implicit encoders on dynamically binarized MNIST, with the same encoder body and decoder (Burda et al. 784-200-200-50), Adam 1e-3, batch 100.',
    )
    .addOption(
      new Option('--method <name>', 'method to train ("all": every method, iwae with k = 5 and 50)')
        .choices([...METHODS, 'all'])
        .default('all'),
    )
    .option('--epochs <n>', 'training epochs', int('--epochs', 1), 10)
    .option('--seed <list>', 'seed(s), comma-separated', seeds, [1])
    .option('--k <n>', "IWAE's k, or the Stein methods' samples per x (default: 5)", int('--k', 1))
    .option('--eval-k <n>', 'importance samples per test image', int('--eval-k', 1), 1000)
    .option('--eval-n <n>', 'test images evaluated (the first n)', int('--eval-n', 1), 1000)
    .option('--full', 'evaluate on all 10 000 test images', false)
    .option('--quick', 'every method, 10 epochs, one seed (the default run)', false)
    .option(
      '--curve-every <n>',
      'cheap evaluation (--curve-k samples on --curve-n images) every n epochs for the curves (0: off)',
      int('--curve-every', 0),
      5,
    )
    .option(
      '--curve-k <n>',
      'importance samples of the cheap curve evaluation',
      int('--curve-k', 1),
      100,
    )
    .option('--curve-n <n>', 'test images of the cheap curve evaluation', int('--curve-n', 1), 500)
    .addOption(
      new Option(
        '--bias-init <kind>',
        "decoder output bias at start: 'logit-mean' (logit of the training pixel means, Burda et al.) or 'zero'",
      )
        .choices(['logit-mean', 'zero'])
        .default('logit-mean'),
    )
    .addOption(backendOption())
    .option('--out <dir>', 'folder for logs, checkpoints and PNGs', 'runs/stein-vae')
    .option(
      '--results <dir>',
      'folder for the result JSONs, table and plot',
      resolve(import.meta.dirname, '../results'),
    )
    .option('--resume', 'continue each run from its last epoch checkpoint', false)
    .option(
      '--report',
      'only rebuild results/vae-table.md and the SVG plot from the result files',
      false,
    );
}

export interface CliPlan {
  runs: { method: Method; k?: number; seed: number }[];
  epochs: number;
  evalK: number;
  evalN: number;
  curveEvery: number;
  curveK: number;
  curveN: number;
  biasInit: 'logit-mean' | 'zero';
  out: string;
  results: string;
  resume: boolean;
  report: boolean;
  backend?: string;
}

export function plan(argv: string[], program = buildProgram()): CliPlan {
  program.parse(argv);
  const o = program.opts();
  const methodList: { method: Method; k?: number }[] =
    o.quick || o.method === 'all'
      ? [
          { method: 'vae' },
          { method: 'vae-fullcov' },
          { method: 'iwae', k: 5 },
          { method: 'iwae', k: 50 },
          { method: 'iw-critic' },
          { method: 'stein-svgd' },
          { method: 'implicit-sge' },
          { method: 'implicit-ssge' },
        ]
      : [{ method: o.method, ...(o.k !== undefined ? { k: o.k } : {}) }];
  const seedList: number[] = o.quick ? [o.seed[0]] : o.seed;
  return {
    runs: seedList.flatMap((seed) => methodList.map((m) => ({ ...m, seed }))),
    epochs: o.quick ? 10 : o.epochs,
    evalK: o.evalK,
    evalN: o.full ? 10000 : o.evalN,
    curveEvery: o.curveEvery,
    curveK: o.curveK,
    curveN: o.curveN,
    biasInit: o.biasInit,
    out: o.out,
    results: o.results,
    resume: o.resume,
    report: o.report,
    backend: o.backend,
  };
}

async function main() {
  const p = plan(process.argv);
  if (p.report) {
    console.log(writeReport(p.results));
    return;
  }
  const info = await initBackend(p.backend ? { backend: p.backend } : {});
  const backend = describeBackend(info);
  console.log(`stein-vae: backend ${backend}; ${p.runs.length} run(s), ${p.epochs} epochs each`);
  for (const r of p.runs) {
    await runOne({
      method: r.method,
      ...(r.k !== undefined ? { k: r.k } : {}),
      seed: r.seed,
      epochs: p.epochs,
      evalK: p.evalK,
      evalN: p.evalN,
      curveEvery: p.curveEvery,
      curveK: p.curveK,
      curveN: p.curveN,
      biasInit: p.biasInit,
      out: p.out,
      resultsDir: p.results,
      resume: p.resume,
      backend,
    });
    writeReport(p.results);
  }
  console.log(writeReport(p.results));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((e: unknown) => {
    console.error(`stein-vae: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
