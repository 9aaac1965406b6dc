/**
 * The fused engine's .wasm ships inlined (src/fused/wasm-binary.ts): it must be
 * the build of assembly/pairwise.ts, and it must load from a browser bundle.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const pkg = resolve(import.meta.dirname, '..');
const root = resolve(pkg, '../..');

describe('the inlined wasm module', () => {
  it('matches a fresh AssemblyScript build of assembly/pairwise.ts', async () => {
    // @ts-expect-error: a plain .mjs build script without types
    const { build: buildWasm } = await import('../../../scripts/build-wasm.mjs');
    const fresh: string = await buildWasm('pairwise');
    const committed = readFileSync(join(pkg, 'src/fused/wasm-binary.ts'), 'utf8');
    expect(fresh === committed, 'run `node scripts/build-wasm.mjs pairwise`').toBe(true);
  });

  it('loads from an esbuild browser bundle (platform browser, ESM) run in Node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steinkit-bundle-'));
    try {
      const entry = join(dir, 'entry.js');
      writeFileSync(
        entry,
        [
          "import * as tf from '@tensorflow/tfjs-core';",
          "import '@tensorflow/tfjs-backend-cpu';",
          "import { rbf, setFusedKernels } from '@steinkit/kernels';",
          "await tf.setBackend('cpu');",
          "setFusedKernels('on');",
          'const x = tf.tensor2d([[0, 0], [1, 0], [0, 2]]);',
          'const { direction, kernelSum } = rbf({ bandwidth: 1 }).steinDirection(x, tf.neg(x));',
          'console.log(JSON.stringify({ d: Array.from(direction.dataSync()), k: Array.from(kernelSum.dataSync()) }));',
        ].join('\n'),
      );
      const out = join(dir, 'bundle.mjs');
      await build({
        entryPoints: [entry],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        outfile: out,
        logLevel: 'silent',
        // look like a browser (a web worker) to tfjs-core's platform detection: no `process`
        banner: { js: 'const process = undefined; globalThis.WorkerGlobalScope ??= class {};' },
        nodePaths: [join(root, 'node_modules')],
        alias: {
          '@steinkit/kernels': join(pkg, 'src/index.ts'),
          '@steinkit/core': join(root, 'packages/core/src/index.ts'),
        },
        // core's Node-only backend loaders (dynamic imports, never reached here)
        external: [
          'node:*',
          '@tensorflow/tfjs-node',
          '@tensorflow/tfjs-node-gpu',
          '@tensorflow/tfjs-backend-wasm',
          '@tensorflow/tfjs-backend-webgpu',
          'webgpu',
        ],
      });
      const bundle = readFileSync(out, 'utf8');
      expect(bundle).toContain('AGFzbQ'); // the inlined module ("\0asm" in base64)
      const stdout = execFileSync(process.execPath, [out], { encoding: 'utf8' });
      const { d, k } = JSON.parse(stdout.trim().split('\n').pop() as string) as {
        d: number[];
        k: number[];
      };
      // float64 reference: Σ_j k_ij (s_j + 2(x_i − x_j)), s = −x, k = exp(−r²)
      const pts = [
        [0, 0],
        [1, 0],
        [0, 2],
      ];
      for (let i = 0; i < 3; i++) {
        const ks = [0, 1, 2].reduce(
          (acc, j) =>
            acc + Math.exp(-((pts[i][0] - pts[j][0]) ** 2 + (pts[i][1] - pts[j][1]) ** 2)),
          0,
        );
        expect(Math.abs(k[i] - ks)).toBeLessThan(1e-6);
      }
      const want = [0, 1, 2].flatMap((i) =>
        [0, 1].map((c) =>
          [0, 1, 2].reduce((acc, j) => {
            const r2 = (pts[i][0] - pts[j][0]) ** 2 + (pts[i][1] - pts[j][1]) ** 2;
            return acc + Math.exp(-r2) * (-pts[j][c] + 2 * (pts[i][c] - pts[j][c]));
          }, 0),
        ),
      );
      for (let t = 0; t < 6; t++) expect(Math.abs(d[t] - want[t])).toBeLessThan(1e-6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
