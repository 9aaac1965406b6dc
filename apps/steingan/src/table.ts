/** The results table: per-seed result files → mean ± std per dataset × preset × objective. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedResult } from './run';

export interface TableRow {
  dataset: string;
  preset: string;
  objective: string;
  seeds: number[];
  iterations: number[];
  /**
   * [mean, sample std (n − 1; 0 for one seed), seeds counted] per metric; a
   * seed whose metric failed (null in its file, message under `errors`) is
   * left out of that metric only.
   */
  labelAgreement: [number, number, number];
  ganTrainAccuracy: [number, number, number];
  frechetDistance: [number, number, number];
  /** Mean training seconds per run. */
  seconds: number;
  backend: string;
}

/** Every `*-seed<N>.json` result file in `dir` (other files are ignored). */
export function readResults(dir: string): SeedResult[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /-seed\d+\.json$/.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SeedResult);
}

function meanStd(all: (number | null | undefined)[]): [number, number, number] {
  const v = all.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return [Number.NaN, Number.NaN, 0];
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length < 2) return [m, 0, 1];
  const s2 = v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
  return [m, Math.sqrt(s2), v.length];
}

const OBJECTIVE_ORDER = ['steingan', 'dcgan', 'mle-gan', 'kl-sge', 'kl-ssge'];

/** Groups results by (dataset, preset, objective), optionally only the given seeds. */
export function summarize(results: SeedResult[], seeds?: number[]): TableRow[] {
  const groups = new Map<string, SeedResult[]>();
  for (const r of results) {
    if (seeds && !seeds.includes(r.seed)) continue;
    if (r.labelAgreement === undefined) continue;
    const key = `${r.dataset}|${r.preset}|${r.objective}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows = [...groups.values()].map((g) => ({
    dataset: g[0].dataset,
    preset: g[0].preset,
    objective: g[0].objective,
    seeds: g.map((r) => r.seed).sort((a, b) => a - b),
    iterations: [...new Set(g.map((r) => r.iterations))],
    labelAgreement: meanStd(g.map((r) => r.labelAgreement)),
    ganTrainAccuracy: meanStd(g.map((r) => r.ganTrainAccuracy)),
    frechetDistance: meanStd(g.map((r) => r.frechetDistance)),
    seconds: g.reduce((a, r) => a + r.seconds, 0) / g.length,
    backend: [...new Set(g.map((r) => r.backend))].join('; '),
  }));
  const o = (x: string) => {
    const i = OBJECTIVE_ORDER.indexOf(x);
    return i < 0 ? OBJECTIVE_ORDER.length : i;
  };
  return rows.sort(
    (a, b) =>
      a.dataset.localeCompare(b.dataset) ||
      a.preset.localeCompare(b.preset) ||
      o(a.objective) - o(b.objective),
  );
}

/**
 * A markdown table, mean ± sample std (the mean alone for one seed); the best
 * mean per dataset/preset is bold (higher is better, lower for FD). A metric
 * that failed on some seeds says over how many it is taken ("(2 of 3 seeds)"),
 * on every seed "failed".
 */
export function formatTable(rows: TableRow[]): string {
  const fmt =
    (r: TableRow) =>
    ([m, s, k]: [number, number, number], d: number) => {
      if (k === 0) return 'failed';
      // one seed: no spread to show
      const v = k < 2 ? m.toFixed(d) : `${m.toFixed(d)} ± ${s.toFixed(d)}`;
      return k < r.seeds.length ? `${v} (${k} of ${r.seeds.length} seeds)` : v;
    };
  const best = new Map<string, { la: number; gt: number; fd: number }>();
  for (const r of rows) {
    const k = `${r.dataset}|${r.preset}`;
    const b = best.get(k) ?? { la: -Infinity, gt: -Infinity, fd: Infinity };
    // a metric that failed on every seed (NaN) takes no part
    const or = (v: number, d: number) => (Number.isNaN(v) ? d : v);
    best.set(k, {
      la: Math.max(b.la, or(r.labelAgreement[0], -Infinity)),
      gt: Math.max(b.gt, or(r.ganTrainAccuracy[0], -Infinity)),
      fd: Math.min(b.fd, or(r.frechetDistance[0], Infinity)),
    });
  }
  const lines = [
    '| dataset | preset | objective | seeds | iterations | labelAgreement | ganTrainAccuracy | Fréchet distance | training s (mean) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const f = fmt(r);
    const b = best.get(`${r.dataset}|${r.preset}`) as { la: number; gt: number; fd: number };
    const bold = (s: string, on: boolean) => (on ? `**${s}**` : s);
    lines.push(
      `| ${r.dataset} | ${r.preset} | ${r.objective} | ${r.seeds.join(', ')} | ${r.iterations.join(', ')} | ${bold(f(r.labelAgreement, 3), r.labelAgreement[0] === b.la)} | ${bold(f(r.ganTrainAccuracy, 3), r.ganTrainAccuracy[0] === b.gt)} | ${bold(f(r.frechetDistance, 1), r.frechetDistance[0] === b.fd)} | ${r.seconds.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}
