/**
 * The browser build of a package: `dist/index.browser.js`, the target of the
 * `browser` export condition. Same sources as the Node build; Node built-ins
 * (`node:fs`, `node:path`, …) and Node-only dependencies (`cli-progress`) are
 * replaced by stubs whose functions throw a clear Error when called, so the
 * browser path bundles (esbuild, Vite, webpack) and the Node-only functions
 * (dataset loaders reading node_modules, classifier caches on disk) say why
 * they cannot run. The same plugin serves the playground's Vite build and the
 * browser bundling tests, which bundle from sources.
 */
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';

/** Dependencies that only work in Node; stubbed in browser bundles. */
export const NODE_ONLY_DEPENDENCIES = ['cli-progress'];

const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** True for `node:x`, a bare built-in (`fs`, `path`) or a Node-only dependency. */
export function isNodeOnly(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  const base = specifier.split('/')[0];
  return BUILTINS.has(base) || NODE_ONLY_DEPENDENCIES.includes(base);
}

/** Only our own sources get stubs; dependencies keep their own browser fields. */
function ours(importer: string | undefined): boolean {
  return !importer || !/[\\/]node_modules[\\/]/.test(importer);
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** ES module source whose exports mirror `specifier`'s and throw when called or constructed. */
export function stubSource(specifier: string, fromDir: string = process.cwd()): string {
  const req = createRequire(join(fromDir, 'noop.js'));
  let names: string[] = [];
  try {
    names = Object.keys(req(specifier)).filter((n) => IDENT.test(n) && n !== 'default');
  } catch {
    // not installed here: the default export alone
  }
  const what = JSON.stringify(specifier);
  return [
    `function unavailable(name) {`,
    `  return function () { throw new Error(${what} + (name ? '.' + name : '') + ' is not available in browsers: this steinkit function needs Node.js'); };`,
    `}`,
    `const stub = new Proxy({}, { get: (_, k) => unavailable(String(k)) });`,
    `export default stub;`,
    ...names.map((n) => `export const ${n} = unavailable(${JSON.stringify(n)});`),
  ].join('\n');
}

/** esbuild plugin: Node built-ins and Node-only dependencies → throwing stubs. */
export function nodeStubsPlugin(fromDir: string = process.cwd()): Plugin {
  return {
    name: 'steinkit-node-stubs',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) =>
        args.kind !== 'entry-point' && ours(args.importer) && isNodeOnly(args.path)
          ? { path: args.path, namespace: 'steinkit-node-stub' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'steinkit-node-stub' }, (args) => ({
        contents: stubSource(args.path, fromDir),
        loader: 'js',
      }));
    },
  };
}

/** Vite/Rollup plugin with the same stubs (the playground). */
export function nodeStubsVitePlugin(fromDir: string = process.cwd()) {
  const prefix = '\0steinkit-node-stub:';
  return {
    name: 'steinkit-node-stubs',
    enforce: 'pre' as const,
    resolveId(id: string, importer?: string) {
      return ours(importer) && isNodeOnly(id) ? prefix + id : null;
    },
    load(id: string) {
      return id.startsWith(prefix) ? stubSource(id.slice(prefix.length), fromDir) : null;
    },
  };
}

/** Builds `dist/index.browser.js` (ESM, platform browser) for the package in `pkgDir`. */
export async function buildBrowser(pkgDir: string = process.cwd()): Promise<void> {
  const { build } = await import('esbuild');
  const pkg = createRequire(join(pkgDir, 'noop.js'))('./package.json') as Record<
    string,
    Record<string, string> | undefined
  >;
  const deps = Object.keys({
    ...pkg.dependencies,
    ...pkg.peerDependencies,
    ...pkg.optionalDependencies,
  }).filter((d) => !isNodeOnly(d));
  await build({
    entryPoints: [join(pkgDir, 'src/index.ts')],
    outfile: join(pkgDir, 'dist/index.browser.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
    external: [...deps, '@tensorflow/*', '@steinkit/*'],
    plugins: [nodeStubsPlugin(pkgDir)],
  });
}
