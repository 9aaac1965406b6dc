#!/usr/bin/env node
/** `pnpm steingan`: SteinGAN on MNIST / Fashion-MNIST from the command line. */
import { parseArgs } from './program';
import { runSeeds, runSteingan } from './run';

const { seeds, ...opts } = parseArgs(process.argv);
(seeds ? runSeeds(opts, seeds) : runSteingan(opts)).catch((e: unknown) => {
  console.error(`steingan: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
