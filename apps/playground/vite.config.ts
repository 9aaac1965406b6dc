/**
 * The playground's build. The page imports the packages by name, as a user
 * does; here `@steinkit/<x>` resolves to the package's sources with the same
 * Node-built-in stubs as its published `browser` build (tsup.browser.ts), so
 * the page builds on a fresh clone before the packages are built. The wasm
 * backend's `.wasm` files are served from `wasm/` next to the page.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { nodeStubsVitePlugin } from '../../tsup.browser';

const root = resolve(import.meta.dirname, '../..');
const packages = readdirSync(join(root, 'packages'));
const wasmDir = join(import.meta.dirname, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const wasmFiles = readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'));

/** tfjs-backend-wasm's binaries under `wasm/`: emitted by the build, served by the dev server. */
function wasmAssets(): Plugin {
  return {
    name: 'steinkit-wasm-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /\/wasm\/([\w.-]+\.wasm)$/.exec(req.url ?? '');
        if (!m || !wasmFiles.includes(m[1])) return next();
        res.setHeader('Content-Type', 'application/wasm');
        res.end(readFileSync(join(wasmDir, m[1])));
      });
    },
    generateBundle() {
      for (const f of wasmFiles)
        this.emitFile({
          type: 'asset',
          fileName: `wasm/${f}`,
          source: readFileSync(join(wasmDir, f)),
        });
    },
  };
}

export default defineConfig({
  base: './',
  root: import.meta.dirname,
  logLevel: 'warn',
  resolve: {
    alias: packages.map((p) => ({
      find: new RegExp(`^@steinkit/${p}$`),
      replacement: join(root, 'packages', p, 'src/index.ts'),
    })),
    dedupe: ['@tensorflow/tfjs-core', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'],
  },
  plugins: [nodeStubsVitePlugin(root), wasmAssets()],
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4000 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
