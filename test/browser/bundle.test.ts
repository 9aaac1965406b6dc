/**
 * Every published package bundles for browsers: each package's README example
 * (the ```ts block after `<!-- browser-example -->`, else the first one) is
 * bundled by esbuild with `platform: 'browser'` — the same Node-built-in stubs
 * as the packages' `browser` build (tsup.browser.ts) — and run in headless
 * Chromium from a page served on 127.0.0.1. The page may log, but must finish
 * without a console error or an uncaught exception.
 */
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeStubsPlugin } from '../../tsup.browser';
import {
  collectProblems,
  launchChromium,
  reportSkip,
  type StaticServer,
  serveStatic,
} from './chromium';

const root = resolve(import.meta.dirname, '../..');
const packages = readdirSync(join(root, 'packages')).sort();
const skip = reportSkip('bundle');

/** The README's browser example: after `<!-- browser-example -->` if marked, else the first ```ts block. */
export function readmeExample(readme: string): string {
  const marked = readme.indexOf('<!-- browser-example -->');
  const from = marked >= 0 ? marked : 0;
  const m = /```ts\n([\s\S]*?)```/.exec(readme.slice(from));
  if (!m) throw new Error('README has no ```ts example');
  return m[1];
}

/**
 * The test checks that the code bundles and runs, not how far it converges:
 * loop lengths (`iterations: 500`, `steps: 300`, `t < 200`) are cut to 3.
 */
export function shortenLoops(code: string): string {
  return code
    .replace(/\b(iterations|steps): \d+/g, '$1: 3')
    .replace(/(\w+) < \d+; \1\+\+/g, '$1 < 3; $1++')
    .replace(/(maxSksdFit\([^)]*?, )\d+\)/g, '$13)');
}

/** What a browser app imports once: the backends (a bundler cannot import them at run time). */
const HARNESS = `import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import './example';
document.title = 'done';
`;

describe.skipIf(skip)('README examples bundle for the browser and run in Chromium', () => {
  let dir: string;
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'steinkit-bundle-'));
    const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
    for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')))
      copyFileSync(join(wasmDir, f), join(dir, f));
    // One esbuild run for all examples: tfjs lands in shared chunks.
    for (const pkg of packages) {
      const readme = readFileSync(join(root, 'packages', pkg, 'README.md'), 'utf8');
      writeFileSync(join(dir, `${pkg}.example.ts`), shortenLoops(readmeExample(readme)));
      writeFileSync(join(dir, `${pkg}.ts`), HARNESS.replace('./example', `./${pkg}.example`));
      writeFileSync(
        join(dir, `${pkg}.html`),
        `<!doctype html><link rel="icon" href="data:,"><title>running</title><script type="module" src="./out/${pkg}.js"></script>`,
      );
    }
    const result = await build({
      entryPoints: packages.map((p) => join(dir, `${p}.ts`)),
      outdir: join(dir, 'out'),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
      nodePaths: [join(root, 'node_modules')],
      alias: Object.fromEntries(
        packages.map((p) => [`@steinkit/${p}`, join(root, 'packages', p, 'src/index.ts')]),
      ),
      plugins: [nodeStubsPlugin(root)],
    });
    expect(result.errors).toEqual([]);
    server = await serveStatic(dir);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(packages)('@steinkit/%s', async (pkg) => {
    const page = await browser.newPage();
    const { errors, logs } = collectProblems(page);
    await page.goto(`${server.url}${pkg}.html`);
    let title = await page.title();
    for (const t0 = Date.now(); title !== 'done' && !errors.length && Date.now() - t0 < 60_000; ) {
      await page.waitForTimeout(100);
      title = await page.title();
    }
    await page.close();
    expect(errors, logs.join('\n')).toEqual([]);
    expect(title).toBe('done');
  });
});
