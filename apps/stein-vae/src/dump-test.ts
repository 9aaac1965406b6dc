/**
 * Writes the first n test images as the app binarizes them (fixed seed) to a
 * float32 file `[n, 784]`, for `twin/vae_twin.py --test-bin`. Usage:
 *   npx tsx src/dump-test.ts [n=1000] [out=/tmp/stein-vae-test.f32]
 */
import { writeFileSync } from 'node:fs';
import { initBackend } from '@steinkit/core';
import { binarizedTest, loadGrey } from './data';

await initBackend({ backend: 'cpu' });
const n = Number(process.argv[2] ?? 1000);
const out = process.argv[3] ?? '/tmp/stein-vae-test.f32';
const t = binarizedTest(loadGrey('test'), n);
writeFileSync(out, Buffer.from((t.dataSync() as Float32Array).buffer));
console.log(`wrote ${t.shape[0]} × ${t.shape[1]} binarized test images to ${out}`);
t.dispose();
