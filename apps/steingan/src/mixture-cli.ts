#!/usr/bin/env node
/** `pnpm --filter @steinkit/steingan mixture [dir] [--quick] [--iterations N]`: the 2-D KL demo → <dir>/kl-mixture.{json,svg} (dir default results). */
import { describeBackend, initBackend } from '@steinkit/core';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import { mixtureSvg, runKlMixture } from './mixture';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const itFlag = args.indexOf('--iterations');
const iterations = itFlag >= 0 ? Number(args[itFlag + 1]) : undefined;
if (iterations !== undefined && !(Number.isInteger(iterations) && iterations >= 1)) {
  console.error(`mixture: --iterations must be an integer ≥ 1, got '${args[itFlag + 1]}'`);
  process.exit(1);
}
const out =
  args.find((a, i) => !a.startsWith('--') && (itFlag < 0 || i !== itFlag + 1)) ?? 'results';
const info = await initBackend();
const backend = describeBackend(info);
console.log(`backend: ${backend}`);
const t0 = Date.now();
const r = runKlMixture({
  ...(quick ? { iterations: 100, seeds: [1], evalEvery: 50, evalSamples: 300 } : {}),
  ...(iterations !== undefined
    ? { iterations, evalEvery: Math.max(1, Math.round(iterations / 8)) }
    : {}),
  log: (l) => console.log(l),
});
const result = { ...r, backend, seconds: (Date.now() - t0) / 1000 };
writeFileAtomic(`${out}/kl-mixture.json`, `${JSON.stringify(result, null, 2)}\n`);
writeFileAtomic(`${out}/kl-mixture.svg`, mixtureSvg(r));
console.log(`wrote ${out}/kl-mixture.json and ${out}/kl-mixture.svg`);
