import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@steinkit/metrics/reference';

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
