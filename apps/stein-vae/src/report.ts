import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import type { RunResult } from './run';

export interface Row {
  label: string;
  epochs: number;
  seeds: number[];
  mean: number;
  std: number;
  trainBound: number;
  testBound: number;
  secondsTrain: number;
  secondsEval: number;
  evalK: number;
  evalN: number;
  proposal: string;
  backend: string;
}

const ORDER = [
  'vae',
  'vae-fullcov',
  'vae-fullcov-rel',
  'iwae-k5',
  'iwae-k50',
  'iw-critic',
  'stein-svgd',
  'implicit-sge',
  'implicit-ssge',
];

export function readResults(dir: string): RunResult[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /-e\d+-seed\d+\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as RunResult);
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]) => {
  if (v.length < 2) return Number.NaN;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
};

export function summarize(results: RunResult[]): Row[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of results) {
    const key = `${r.label}|${r.epochs}|${r.evalK}|${r.evalN}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows = [...groups.values()].map((g) => ({
    label: g[0].label,
    epochs: g[0].epochs,
    seeds: g.map((r) => r.seed).sort((a, b) => a - b),
    mean: mean(g.map((r) => r.testLogLikelihood)),
    std: std(g.map((r) => r.testLogLikelihood)),
    trainBound: mean(g.map((r) => r.trainBound)),
    testBound: mean(g.map((r) => r.testBound)),
    secondsTrain: mean(g.map((r) => r.secondsTrain)),
    secondsEval: mean(g.map((r) => r.secondsEval)),
    evalK: g[0].evalK,
    evalN: g[0].evalN,
    proposal: g[0].proposal,
    backend: g[0].backend,
  }));
  const rank = (l: string) => (ORDER.indexOf(l) < 0 ? 99 : ORDER.indexOf(l));
  return rows.sort(
    (a, b) =>
      a.epochs - b.epochs || rank(a.label) - rank(b.label) || a.label.localeCompare(b.label),
  );
}

export function markdownTable(rows: Row[]): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '—');
  const lines = [
    '| method | epochs | seeds | test log-likelihood (mean ± std) | train bound | test ELBO (proposal) | training s / run | s / epoch | eval s / run | eval | proposal |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.epochs} | ${r.seeds.join(', ')} | ${f(r.mean)}${r.seeds.length > 1 ? ` ± ${f(r.std)}` : ''} | ${f(r.trainBound)} | ${f(r.testBound)} | ${r.secondsTrain.toFixed(0)} | ${(r.secondsTrain / r.epochs).toFixed(0)} | ${r.secondsEval.toFixed(0)} | K = ${r.evalK}, ${r.evalN} images | ${r.proposal} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

const COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** Two panels: cheap-evaluation test log-likelihood vs epochs and vs training seconds, one line per run. SVG by hand. */
export function svgPlot(results: RunResult[]): string {
  const runs = results.filter((r) => r.curve.length > 0);
  const W = 900;
  const H = 400;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  const pts = runs.flatMap((r) => r.curve);
  if (pts.length === 0) {
    out.push('<text x="20" y="30">no curve points yet</text></svg>');
    return out.join('\n');
  }
  const yMax = Math.max(...pts.map((p) => p.testLogLikelihood));
  // At most 60 nats below the best point: a diverged run is drawn clamped at
  // the bottom edge and named in a note, instead of flattening every other line.
  const yMin = Math.max(Math.min(...pts.map((p) => p.testLogLikelihood)), yMax - 60);
  const offScale = [
    ...new Set(
      runs.filter((r) => r.curve.some((p) => p.testLogLikelihood < yMin)).map((r) => r.label),
    ),
  ];
  const labels = [...new Set(runs.map((r) => r.label))].sort(
    (a, b) => ORDER.indexOf(a) - ORDER.indexOf(b),
  );
  const panel = (x0: number, key: 'epoch' | 'secondsTrain', title: string) => {
    const [pw, ph, top] = [340, 280, 40];
    const xMax = Math.max(...pts.map((p) => p[key]));
    const sx = (v: number) => x0 + (v / xMax) * pw;
    const sy = (v: number) => top + ph - ((Math.max(v, yMin) - yMin) / (yMax - yMin || 1)) * ph;
    out.push(`<text x="${x0}" y="${top - 12}" font-weight="bold">${title}</text>`);
    out.push(`<rect x="${x0}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    for (let i = 0; i <= 4; i++) {
      const v = yMin + ((yMax - yMin) * i) / 4;
      out.push(`<text x="${x0 - 6}" y="${sy(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
      const xv = (xMax * i) / 4;
      out.push(
        `<text x="${sx(xv)}" y="${top + ph + 16}" text-anchor="middle">${key === 'epoch' && !Number.isInteger(xv) ? xv.toFixed(1) : xv.toFixed(0)}</text>`,
      );
    }
    for (const r of runs) {
      const c = COLORS[labels.indexOf(r.label) % COLORS.length];
      const d = r.curve
        .map(
          (p, i) =>
            `${i ? 'L' : 'M'}${sx(p[key]).toFixed(1)},${sy(p.testLogLikelihood).toFixed(1)}`,
        )
        .join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="1.5"/>`);
      for (const p of r.curve)
        out.push(
          `<circle cx="${sx(p[key]).toFixed(1)}" cy="${sy(p.testLogLikelihood).toFixed(1)}" r="2.5" fill="${c}"/>`,
        );
    }
  };
  panel(70, 'epoch', 'test log-likelihood vs epochs');
  panel(480, 'secondsTrain', 'test log-likelihood vs training seconds');
  labels.forEach((l, i) => {
    const c = COLORS[i % COLORS.length];
    const [x, y] = [70 + (i % 5) * 160, H - 40 + Math.floor(i / 5) * 18];
    out.push(
      `<rect x="${x}" y="${y}" width="10" height="10" fill="${c}"/><text x="${x + 14}" y="${y + 9}">${l}</text>`,
    );
  });
  const k = runs[0].curve[0];
  out.push(
    `<text x="${W - 10}" y="14" text-anchor="end" fill="#555">cheap evaluation: K = ${k.evalK} on the first ${k.evalN} test images; one line per run (seed)</text>`,
  );
  if (offScale.length > 0) {
    out.push(
      `<text x="${W - 10}" y="${H - 50}" text-anchor="end" fill="#b00">below the axis (drawn at the bottom edge): ${offScale.join(', ')}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Rebuilds results/vae-table.md and results/vae-curves.svg; returns the table. */
export function writeReport(dir: string): string {
  const results = readResults(dir);
  const table = markdownTable(summarize(results));
  writeFileAtomic(
    join(dir, 'vae-table.md'),
    `# stein-vae results\n\nGenerated from the result files in this folder (\`pnpm stein-vae --report\`).\n\n${table}`,
  );
  writeFileAtomic(join(dir, 'vae-curves.svg'), svgPlot(results));
  return table;
}
