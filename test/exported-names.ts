/**
 * The exported names of every published package's entries (`src/index.ts` and
 * the sources of its subpath exports; values and types), read syntactically with the TypeScript parser (fast: no type
 * checking). `export * from './x'` is followed into local files. Used by
 * `one-home.test.ts`; run directly (`npx tsx test/exported-names.ts`) it
 * prints the names exported by more than one package.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');

function resolveLocal(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  for (const c of [`${base}.ts`, resolve(base, 'index.ts'), base]) if (existsSync(c)) return c;
  throw new Error(`${from}: cannot resolve '${spec}'`);
}

/** Names a module file exports (declarations, `export { … }` lists, `export *` from local files). */
export function moduleExports(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const names: string[] = [];
  for (const st of src.statements) {
    if (ts.isExportDeclaration(st)) {
      if (!st.exportClause) {
        const spec = (st.moduleSpecifier as ts.StringLiteral).text;
        if (!spec.startsWith('.')) throw new Error(`${file}: export * from a package ('${spec}')`);
        names.push(...moduleExports(resolveLocal(file, spec), seen));
      } else if (ts.isNamedExports(st.exportClause)) {
        for (const el of st.exportClause.elements) names.push(el.name.text);
      } else names.push(st.exportClause.name.text);
      continue;
    }
    const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) : undefined;
    if (!mods?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations)
        if (ts.isIdentifier(d.name)) names.push(d.name.text);
    } else if ('name' in st && st.name && ts.isIdentifier(st.name as ts.Node)) {
      names.push((st.name as ts.Identifier).text);
    }
  }
  return names;
}

/**
 * A package's entry sources: `src/index.ts` and, for each subpath export
 * `./x` of its package.json, `src/x.ts`.
 */
export function entryFiles(pkgDir: string): string[] {
  const files = [resolve(pkgDir, 'src/index.ts')];
  const manifest = resolve(pkgDir, 'package.json');
  const exportsMap = existsSync(manifest)
    ? (JSON.parse(readFileSync(manifest, 'utf8')).exports ?? {})
    : {};
  for (const key of Object.keys(exportsMap)) {
    if (key === '.' || key === './package.json') continue;
    files.push(resolve(pkgDir, 'src', `${key.slice(2)}.ts`));
  }
  return files.filter((f) => existsSync(f));
}

/** package folder → the sorted names its entries (`src/index.ts`, subpath exports) export. */
export function exportedNames(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of readdirSync(resolve(root, 'packages')).sort()) {
    const files = entryFiles(resolve(root, 'packages', p));
    if (files.length) out.set(p, [...new Set(files.flatMap((f) => moduleExports(f)))].sort());
  }
  return out;
}

/** Names exported by two or more packages, each with the packages exporting it. */
export function sharedNames(exports: Map<string, string[]>): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const [pkg, names] of exports) {
    for (const n of names) owners.set(n, [...(owners.get(n) ?? []), pkg]);
  }
  return new Map([...owners].filter(([, pkgs]) => pkgs.length > 1));
}

if (process.argv[1] && import.meta.filename === resolve(process.argv[1])) {
  const shared = sharedNames(exportedNames());
  for (const [n, pkgs] of shared) console.log(`${n}: ${pkgs.join(', ')}`);
  console.log(`${shared.size} names exported by more than one package`);
}
