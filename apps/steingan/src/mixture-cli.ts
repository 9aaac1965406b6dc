#!/usr/bin/env node
/** `pnpm --filter @steinkit/steingan mixture [--quick]`: the 2-D KL demo → results/kl-mixture.{json,svg}. */
import { describeBackend, initBackend } from '@steinkit/core';
import { writeFileAtomic } from '@steinkit/metrics';
import { mixtureSvg, runKlMixture } from './mixture';

const quick = process.argv.includes('--quick');
const out = process.argv.find((a, i) => i > 1 && !a.startsWith('--')) ?? 'results';
const info = await initBackend();
const backend = describeBackend(info);
console.log(`backend: ${backend}`);
const t0 = Date.now();
const r = runKlMixture({
  ...(quick ? { iterations: 100, seeds: [1], evalEvery: 50, evalSamples: 300 } : {}),
  log: (l) => console.log(l),
});
const result = { ...r, backend, seconds: (Date.now() - t0) / 1000 };
writeFileAtomic(`${out}/kl-mixture.json`, `${JSON.stringify(result, null, 2)}\n`);
writeFileAtomic(`${out}/kl-mixture.svg`, mixtureSvg(r));
console.log(`wrote ${out}/kl-mixture.json and ${out}/kl-mixture.svg`);
