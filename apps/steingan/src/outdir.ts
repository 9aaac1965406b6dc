/** The output folder, created without Node's recursive mkdir (which spins forever under /proc). */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates `dir` and its missing parents one level at a time; any failure is
 * an Error naming the flag and the path (e.g. `--out /proc/forbidden: cannot
 * create …`), and an existing folder must be writable.
 */
export function ensureOutDir(dir: string, flag = '--out'): void {
  if (typeof dir !== 'string' || dir.trim() === '') {
    throw new TypeError(`${flag}: expected a folder path, got '${String(dir)}'`);
  }
  const abs = resolve(dir);
  const missing: string[] = [];
  let p = abs;
  for (;;) {
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(p);
    } catch {
      st = undefined;
    }
    if (st) {
      if (!st.isDirectory()) throw new Error(`${flag} ${dir}: ${p} exists and is not a folder`);
      break;
    }
    missing.unshift(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new Error(`${flag} ${dir}: cannot create ${m} (${code ?? String(e)})`);
      }
    }
  }
  try {
    accessSync(abs, constants.W_OK);
  } catch (e) {
    throw new Error(
      `${flag} ${dir}: the folder is not writable (${(e as NodeJS.ErrnoException).code})`,
    );
  }
}
