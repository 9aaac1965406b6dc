#!/usr/bin/env node
/** `pnpm steingan`: SteinGAN on MNIST / Fashion-MNIST from the command line. */
import { parseArgs } from './program';
import { runSteingan } from './run';

runSteingan(parseArgs(process.argv)).catch((e: unknown) => {
  console.error(`steingan: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
