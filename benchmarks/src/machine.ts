import os from 'node:os';
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
