import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;
const packages = readdirSync(resolve(root, 'packages'));
/**
 * Tests run against sources: @steinkit/<name> resolves to packages/<name>/src/index.ts
 * and a subpath export @steinkit/<name>/<sub> to packages/<name>/src/<sub>.ts.
 */
const alias = [
  {
    find: new RegExp(`^@steinkit/(${packages.join('|')})/([\\w-]+)$`),
    replacement: `${resolve(root, 'packages')}/$1/src/$2.ts`,
  },
  ...packages.map((p) => ({
    find: new RegExp(`^@steinkit/${p}$`),
    replacement: resolve(root, 'packages', p, 'src/index.ts'),
  })),
];
const shared = {
  alias,
  setupFiles: [resolve(root, 'test/setup.ts')],
  testTimeout: 120_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      ...packages.map((p) => ({
        test: { ...shared, name: p, include: [`packages/${p}/test/**/*.test.ts`] },
      })),
      { test: { ...shared, name: 'steingan', include: ['apps/steingan/test/**/*.test.ts'] } },
      { test: { ...shared, name: 'sksd-ica', include: ['apps/sksd-ica/test/**/*.test.ts'] } },
      { test: { ...shared, name: 'gof-bench', include: ['apps/gof-bench/test/**/*.test.ts'] } },
      { test: { ...shared, name: 'app-utils', include: ['apps/app-utils/test/**/*.test.ts'] } },
      { test: { ...shared, name: 'stein-vae', include: ['apps/stein-vae/test/**/*.test.ts'] } },
      { test: { ...shared, name: 'benchmarks', include: ['benchmarks/test/**/*.test.ts'] } },
      // Repository-wide checks (one home per concept).
      { test: { ...shared, setupFiles: [], name: 'repo', include: ['test/*.test.ts'] } },
      { test: { ...shared, name: 'browser', include: ['test/browser/**/*.test.ts'] } },
      { test: { ...shared, name: 'playground', include: ['apps/playground/test/**/*.test.ts'] } },
    ],
  },
});
