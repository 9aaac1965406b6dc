import { PUBLISHED } from './protocol';
import type { RunRecord } from './run';
import { METHODS, type Method } from './trainers';

/** One row of the results JSON: a method at one D, over seeds. */
export interface SummaryRecord {
  method: Method | 'oracle';
  D: number;
  /** Mean over seeds of the final test log-likelihood. */
  mean: number;
  /** Population standard deviation over seeds (NumPy's default, ddof = 0). */
  std: number;
  seeds: number[];
  iterations: number;
  backend: string;
  /** Total wall-clock seconds of the runs (all seeds). */
  seconds: number;
  /** The published value at this D, when there is one. */
  published?: number;
}

const LABEL: Record<Method | 'oracle', string> = {
  maxsksd: 'maxSKSD-g',
  ksd: 'KSD',
  lsd: 'LSD',
  oracle: 'oracle (true W)',
};

function meanStd(v: number[]): [number, number] {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return [m, Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length)];
}

/**
 * Summaries per (method, D): for each pair the longest runs are reported (the
 * largest iteration count present, e.g. the paper's 15 000 over a shorter
 * sweep; ties cannot occur), averaged over their seeds; the oracle per D comes
 * from the seeds of those runs.
 */
export function summarize(records: RunRecord[]): SummaryRecord[] {
  const out: SummaryRecord[] = [];
  const dims = [...new Set(records.map((r) => r.D))].sort((a, b) => a - b);
  for (const D of dims) {
    const oracleBySeed = new Map<number, RunRecord>();
    for (const method of METHODS) {
      const rs = records.filter((r) => r.method === method && r.D === D);
      if (rs.length === 0) continue;
      const byIt = new Map<number, RunRecord[]>();
      for (const r of rs) byIt.set(r.iterations, [...(byIt.get(r.iterations) ?? []), r]);
      const [iterations, group] = [...byIt.entries()].sort((a, b) => b[0] - a[0])[0];
      group.sort((a, b) => a.seed - b.seed);
      const [mean, std] = meanStd(group.map((r) => r.testLogLik));
      for (const r of group) oracleBySeed.set(r.seed, r);
      out.push({
        method,
        D,
        mean,
        std,
        seeds: group.map((r) => r.seed),
        iterations,
        backend: [...new Set(group.map((r) => r.backend))].join('+'),
        seconds: group.reduce((a, r) => a + r.seconds, 0),
        published: PUBLISHED[method][D],
      });
    }
    const os = [...oracleBySeed.values()].sort((a, b) => a.seed - b.seed);
    if (os.length) {
      const [mean, std] = meanStd(os.map((r) => r.oracle));
      out.push({
        method: 'oracle',
        D,
        mean,
        std,
        seeds: os.map((r) => r.seed),
        iterations: 0,
        backend: os[0].backend,
        seconds: 0,
      });
    }
  }
  return out;
}

const fmt = (v: number) => (v < 0 ? `−${Math.abs(v).toFixed(2)}` : v.toFixed(2));

/** The ICA table: published rows beside ours, then the run details. */
export function markdownTable(summary: SummaryRecord[]): string {
  const dims = [...new Set([...summary.map((s) => s.D), 10, 20, 40, 60, 80, 100, 200])].sort(
    (a, b) => a - b,
  );
  const lines: string[] = [];
  lines.push(`| method | source | ${dims.map((d) => `D = ${d}`).join(' | ')} |`);
  lines.push(`|---|---|${dims.map(() => '---:').join('|')}|`);
  for (const method of ['ksd', 'lsd', 'maxsksd'] as const) {
    lines.push(
      `| ${LABEL[method]} | published | ${dims.map((d) => (PUBLISHED[method][d] === undefined ? '' : fmt(PUBLISHED[method][d]))).join(' | ')} |`,
    );
    lines.push(
      `| ${LABEL[method]} | ours | ${dims
        .map((d) => {
          const s = summary.find((x) => x.method === method && x.D === d);
          return s ? `${fmt(s.mean)} ± ${s.std.toFixed(2)}` : '';
        })
        .join(' | ')} |`,
    );
  }
  lines.push(
    `| ${LABEL.oracle} | ours | ${dims
      .map((d) => {
        const s = summary.find((x) => x.method === 'oracle' && x.D === d);
        return s ? fmt(s.mean) : '';
      })
      .join(' | ')} |`,
  );
  lines.push('');
  lines.push(
    '| method | D | seeds | iterations | backend | seconds (all seeds) | ours − published |',
  );
  lines.push('|---|---:|---|---:|---|---:|---:|');
  for (const s of summary.filter((x) => x.method !== 'oracle')) {
    const diff = s.published === undefined ? '' : fmt(s.mean - s.published);
    lines.push(
      `| ${LABEL[s.method]} | ${s.D} | ${s.seeds.join(', ')} | ${s.iterations} | ${s.backend} | ${s.seconds.toFixed(0)} | ${diff} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const COLORS: Record<Method | 'oracle', string> = {
  ksd: '#d62728',
  lsd: '#1f77b4',
  maxsksd: '#2ca02c',
  oracle: '#000000',
};

/** Log-likelihood against D: published rows dashed, ours solid with markers (± std bars), oracle dotted. SVG by hand. */
export function svgPlot(summary: SummaryRecord[]): string {
  const W = 760;
  const H = 480;
  const m = { l: 70, r: 190, t: 30, b: 50 };
  const pts: Array<[number, number]> = [];
  for (const method of ['ksd', 'lsd', 'maxsksd'] as const)
    for (const [d, v] of Object.entries(PUBLISHED[method])) pts.push([Number(d), v]);
  for (const s of summary) pts.push([s.D, s.mean - s.std], [s.D, s.mean + s.std]);
  const xMax = Math.max(...pts.map((p) => p[0]));
  const yMin = Math.min(...pts.map((p) => p[1]));
  const yMax = Math.max(...pts.map((p) => p[1]));
  const pad = 0.05 * (yMax - yMin || 1);
  const y0 = yMin - pad;
  const y1 = yMax + pad;
  const X = (d: number) => m.l + (d / xMax) * (W - m.l - m.r);
  const Y = (v: number) => m.t + ((y1 - v) / (y1 - y0)) * (H - m.t - m.b);
  const poly = (p: Array<[number, number]>, color: string, dash: string, width = 2) =>
    `<polyline fill="none" stroke="${color}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${p.map(([d, v]) => `${X(d).toFixed(1)},${Y(v).toFixed(1)}`).join(' ')}"/>`;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  // axes and ticks
  out.push(`<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`);
  out.push(`<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`);
  const xt = [
    ...new Set([...Object.keys(PUBLISHED.ksd).map(Number), ...summary.map((s) => s.D)]),
  ].sort((a, b) => a - b);
  for (const d of xt) {
    out.push(
      `<line x1="${X(d)}" y1="${H - m.b}" x2="${X(d)}" y2="${H - m.b + 5}" stroke="black"/>`,
    );
    out.push(`<text x="${X(d)}" y="${H - m.b + 18}" text-anchor="middle">${d}</text>`);
  }
  const step = niceStep((y1 - y0) / 8);
  for (let v = Math.ceil(y0 / step) * step; v <= y1; v += step) {
    out.push(`<line x1="${m.l - 5}" y1="${Y(v)}" x2="${W - m.r}" y2="${Y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${m.l - 8}" y="${Y(v) + 4}" text-anchor="end">${Math.round(v)}</text>`);
  }
  out.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">dimension D</text>`,
  );
  out.push(
    `<text transform="translate(18 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">mean test log-likelihood</text>`,
  );
  let ly = m.t + 10;
  const legend = (color: string, dash: string, label: string) => {
    out.push(
      `<line x1="${W - m.r + 15}" y1="${ly}" x2="${W - m.r + 45}" y2="${ly}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
    );
    out.push(`<text x="${W - m.r + 52}" y="${ly + 4}">${label}</text>`);
    ly += 20;
  };
  for (const method of ['ksd', 'lsd', 'maxsksd'] as const) {
    const pub = Object.entries(PUBLISHED[method]).map(
      ([d, v]) => [Number(d), v] as [number, number],
    );
    out.push(poly(pub, COLORS[method], '6 4'));
    legend(COLORS[method], '6 4', `${LABEL[method]} (published)`);
    const ours = summary.filter((s) => s.method === method).sort((a, b) => a.D - b.D);
    if (ours.length) {
      out.push(
        poly(
          ours.map((s) => [s.D, s.mean]),
          COLORS[method],
          '',
        ),
      );
      for (const s of ours) {
        out.push(`<circle cx="${X(s.D)}" cy="${Y(s.mean)}" r="3.5" fill="${COLORS[method]}"/>`);
        if (s.std > 0)
          out.push(
            `<line x1="${X(s.D)}" y1="${Y(s.mean - s.std)}" x2="${X(s.D)}" y2="${Y(s.mean + s.std)}" stroke="${COLORS[method]}"/>`,
          );
      }
      legend(COLORS[method], '', `${LABEL[method]} (ours)`);
    }
  }
  const oracle = summary.filter((s) => s.method === 'oracle').sort((a, b) => a.D - b.D);
  if (oracle.length) {
    out.push(
      poly(
        oracle.map((s) => [s.D, s.mean]),
        COLORS.oracle,
        '2 3',
      ),
    );
    legend(COLORS.oracle, '2 3', 'oracle (true W, ours)');
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}
