import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The main entry runs anywhere tfjs runs: its module graph (local files only,
 * packages kept external) imports no Node built-in, no dataset loader and no
 * progress bar; those belong to `@steinkit/metrics/reference`.
 */
async function externalImports(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [resolve(import.meta.dirname, '../src', entry)],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
    // every bare specifier stays external, so the metafile lists what the graph imports
    plugins: [
      {
        name: 'externals',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (a) => ({ path: a.path, external: true }));
        },
      },
    ],
  });
  const out = Object.values(result.metafile.outputs)[0];
  return [...new Set(out.imports.map((i) => i.path))].sort();
}

describe('package entries', () => {
  it('the main entry imports neither node:* nor @steinkit/datasets nor cli-progress', async () => {
    const imports = await externalImports('index.ts');
    expect(imports).toContain('@tensorflow/tfjs-core'); // the graph was read
    expect(imports.filter((p) => /^node:|^(fs|path|os)$|datasets|cli-progress/.test(p))).toEqual(
      [],
    );
  });

  it('the reference entry is where those live', async () => {
    const imports = await externalImports('reference.ts');
    for (const p of ['node:fs', '@steinkit/datasets', 'cli-progress']) expect(imports).toContain(p);
  });
});
