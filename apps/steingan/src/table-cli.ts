#!/usr/bin/env node
/** `pnpm --filter @steinkit/steingan table [dir] [--seeds 2,3,4]`: writes <dir>/TABLE.md from the per-seed result files. */
import { join } from 'node:path';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import { formatTable, readResults, summarize } from './table';

const args = process.argv.slice(2);
const si = args.indexOf('--seeds');
const seeds = si >= 0 ? args[si + 1]?.split(',').map(Number) : undefined;
if (si >= 0 && (!seeds || seeds.some((n) => !Number.isInteger(n)))) {
  console.error(`table: --seeds expects a comma-separated list of integers, got '${args[si + 1]}'`);
  process.exit(1);
}
const dir = args.find((a, i) => !a.startsWith('--') && (si < 0 || i !== si + 1)) ?? 'results';
const md = formatTable(summarize(readResults(dir), seeds));
writeFileAtomic(join(dir, 'TABLE.md'), `${md}\n`);
console.log(md);
