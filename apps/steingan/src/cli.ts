#!/usr/bin/env node
/** `pnpm steingan`: SteinGAN on MNIST / Fashion-MNIST from the command line. */
import { join } from 'node:path';
import { loadCheckpoint } from './checkpoint';
import { exportWeb } from './export-web';
import { parseArgs } from './program';
import { runSeeds, runSteingan } from './run';

const { seeds, ...opts } = parseArgs(process.argv);
if (seeds && opts.exportWeb) {
  console.error('steingan: --export-web exports one run; drop --seeds');
  process.exit(1);
}
(seeds ? runSeeds(opts, seeds) : runSteingan(opts))
  .then(() => {
    if (!opts.exportWeb) return;
    const { files, manifest } = exportWeb(
      loadCheckpoint(join(opts.out, 'checkpoint.bin')),
      opts.exportWeb,
    );
    console.log(
      `web export (iteration ${manifest.iteration}, ${manifest.byteLength} bytes of float16 weights): ${files.join(', ')}`,
    );
  })
  .catch((e: unknown) => {
    console.error(`steingan: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
