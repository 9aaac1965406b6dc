import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

let tmpCounter = 0;

/**
 * Writes a file atomically: the bytes go to a temp file in the same folder,
 * which is then renamed over the target (rename is atomic on POSIX), so a
 * reader never sees a half-written file and a crash loses at most this write.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${tmpCounter++}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** A JSON-lines log: one JSON object per line, appended. */
export class JsonlLog {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  append(entry: Record<string, unknown>): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }

  /** Parsed entries (tolerates a torn last line from an interrupted run). */
  read(): Record<string, unknown>[] {
    if (!existsSync(this.path)) return [];
    const out: Record<string, unknown>[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        // a torn line from an interrupted write: skip it
      }
    }
    return out;
  }

  /** On resume: keeps only entries up to `iteration` (atomically rewritten). */
  truncateAfter(iteration: number): void {
    const kept = this.read().filter(
      (e) => typeof e.iteration !== 'number' || (e.iteration as number) <= iteration,
    );
    writeFileAtomic(this.path, kept.map((e) => `${JSON.stringify(e)}\n`).join(''));
  }
}
