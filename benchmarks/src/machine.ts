import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import type { Machine } from './types';

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    cpuModel: (cpus[0]?.model ?? 'unknown cpu').trim(),
    cpus: cpus.length,
    memoryBytes: os.totalmem(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.versions.node,
    loadAverage: os.loadavg(),
  };
}

export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/\(r\)|\(tm\)|cpu|processor/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

/** `2026-11-25_vm_amd-epyc` — date and machine, for result file names. */
export function resultName(date: Date, m: Machine, quick: boolean): string {
  const day = date.toISOString().slice(0, 10);
  const time = date.toISOString().slice(11, 16).replace(':', '');
  return `${day}T${time}_${slug(m.hostname)}_${slug(m.cpuModel)}${quick ? '_quick' : ''}`;
}

/** Writes `<dir>/<date>_<machine>.{json,md}` atomically and returns the path without extension. */
export function writeResultPair(
  dir: string,
  date: Date,
  m: Machine,
  result: unknown,
  md: string,
): string {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, resultName(date, m, false));
  writeFileAtomic(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileAtomic(`${base}.md`, md);
  return base;
}
