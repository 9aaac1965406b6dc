#!/usr/bin/env node
// Checks the publish-relevant fields of every packages/*/package.json:
// name, version, description, keywords, license, repository, homepage,
// type module, types-first exports with ESM + CJS, files, sideEffects,
// engines, tfjs as peers, @steinkit/* deps as workspace:^.
// Usage: node scripts/check-manifest.mjs [packages/<name> ...]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dirs = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(join(root, 'packages')).map((p) => `packages/${p}`);

let failures = 0;
for (const dir of dirs) {
  const file = join(root, dir, 'package.json');
  if (!existsSync(file)) continue;
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  if (pkg.private) continue;
  const folder = dir.split('/').pop();
  const problems = [];
  const need = (cond, msg) => {
    if (!cond) problems.push(msg);
  };
  need(pkg.name === `@steinkit/${folder}`, `name should be @steinkit/${folder}, is ${pkg.name}`);
  need(/^\d+\.\d+\.\d+/.test(pkg.version ?? ''), 'version missing or not semver');
  need(typeof pkg.description === 'string' && pkg.description.length > 10, 'description missing');
  need(Array.isArray(pkg.keywords) && pkg.keywords.length > 0, 'keywords missing');
  need(pkg.license === 'MIT', 'license should be MIT');
  need(existsSync(join(root, dir, 'LICENSE')), 'LICENSE file missing');
  need(existsSync(join(root, dir, 'README.md')), 'README.md missing');
  need(
    pkg.repository?.url && pkg.repository?.directory === dir,
    `repository.directory should be ${dir}`,
  );
  need(typeof pkg.homepage === 'string', 'homepage missing');
  need(pkg.type === 'module', 'type should be "module"');
  need(
    typeof pkg.sideEffects === 'boolean' || Array.isArray(pkg.sideEffects),
    'sideEffects missing',
  );
  need(pkg.engines?.node, 'engines.node missing');
  need(Array.isArray(pkg.files) && pkg.files.includes('dist'), 'files should include dist');
  need(pkg.publishConfig?.access === 'public', 'publishConfig.access should be public');
  const dot = pkg.exports?.['.'];
  need(dot && typeof dot === 'object', 'exports["."] missing');
  if (dot) {
    for (const cond of ['import', 'require']) {
      const c = dot[cond];
      need(c && typeof c === 'object', `exports["."].${cond} missing`);
      if (c) {
        const keys = Object.keys(c);
        need(keys[0] === 'types', `exports["."].${cond}: "types" must come first`);
        need(keys.includes('default'), `exports["."].${cond}: "default" missing`);
      }
    }
    need(/\.d\.cts$/.test(dot.require?.types ?? ''), 'require.types should be a .d.cts file');
    need(/\.cjs$/.test(dot.require?.default ?? ''), 'require.default should be a .cjs file');
  }
  need(pkg.main && pkg.types, 'main/types fallbacks missing (node10 resolution)');
  for (const [dep, range] of Object.entries(pkg.dependencies ?? {})) {
    if (dep.startsWith('@steinkit/')) need(range === 'workspace:^', `${dep} should be workspace:^`);
    if (dep.startsWith('@tensorflow/')) problems.push(`${dep} should be a peerDependency`);
  }
  need(pkg.peerDependencies?.['@tensorflow/tfjs-core'], '@tensorflow/tfjs-core peer missing');
  if (problems.length) {
    failures++;
    console.log(`✗ ${pkg.name ?? dir}\n  - ${problems.join('\n  - ')}`);
  } else {
    console.log(`✓ ${pkg.name} manifest`);
  }
}
process.exit(failures ? 1 : 0);
