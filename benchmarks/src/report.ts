import type { BenchReport, Stats, Target, TargetResult, WorkloadResult } from './types';

const LABEL: Record<Target, string> = {
  'tensorflow-gpu': 'tensorflow GPU',
  'tensorflow-cpu': 'tensorflow CPU',
  webgpu: 'webgpu',
  wasm: 'wasm',
  'wasm-stock': 'wasm, stock kernels',
  'wasm-untuned': 'wasm, tuning off',
  'wasm-1thread': 'wasm, 1 thread',
  cpu: 'cpu',
};

/** Versions printed in the Markdown (the JSON keeps all). */
const SHOWN_VERSIONS = [
  'node',
  'tfjs-core',
  'tfjs-backend-wasm',
  'tfjs-backend-webgpu',
  'webgpu',
  'tfjs-node',
  'tfjs-node-gpu',
  'tensorflow',
];

export function fmtMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A column label: webgpu columns name their adapter and mark a software one as emulation. */
function label(t: TargetResult): string {
  const a = t.facts?.adapter;
  if (t.target !== 'webgpu' || !a) return LABEL[t.target];
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || a.description;
  return t.facts?.emulation ? `webgpu (${name}, emulation)` : `webgpu (${name})`;
}

function fmtBytes(b: number | undefined): string {
  if (b === undefined) return '–';
  if (b >= 1 << 30) return `${(b / 2 ** 30).toFixed(2)} GiB`;
  if (b >= 1 << 20) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  return `${(b / 1024).toFixed(0)} KiB`;
}

function ratio(a: number, b: number): string {
  const r = a / b;
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

function cell(r: WorkloadResult | undefined, wasm: Stats | undefined): string {
  if (!r) return '';
  if (r.status === 'skipped') return `skipped${r.note ? ` (${r.note})` : ''}`;
  if (r.status === 'error') return `error: ${r.note ?? ''}`.replace(/\|/g, '\\|');
  const s = r.stats!;
  let t = `${fmtMs(s.median)}`;
  if (s.runs > 1) t += ` [${fmtMs(s.min)}–${fmtMs(s.max)}]`;
  else t += ' (1 run)';
  if (wasm) t += ` · ${ratio(s.median, wasm.median)}`;
  return t;
}

/**
 * The Markdown report: machine and backend facts, then one table per workload
 * group. A cell is `median [min–max] · time ÷ wasm time`; the NumPy column
 * adds nothing; the last column is wasm ÷ NumPy.
 */
export function toMarkdown(r: BenchReport): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(
    `# steinkit benchmarks${r.quick ? ' (quick)' : ''} — ${r.date.slice(0, 16).replace('T', ' ')} UTC`,
  );
  out.push('');
  out.push(
    `Machine: **${m.hostname}**, ${m.cpuModel}, ${m.cpus} logical CPUs, ${fmtBytes(m.memoryBytes)} RAM, ${m.platform}, Node ${m.node}. Load average at start: ${m.loadAverage.map((x) => x.toFixed(2)).join(' / ')}.`,
  );
  if (r.contended) {
    out.push('');
    out.push(
      '> **Contended**: the CPUs were shared with other work during this run (load average ≥ half the CPU count, or `--contended`); treat times as upper bounds and ratios as rough.',
    );
  }
  out.push('');
  out.push(
    `Warm-up ${r.options.warmup}, then the median of up to ${r.options.runs} runs (budget ${r.options.maxSeconds} s per workload) with [min–max]; \`· n×\` is the time divided by wasm's time (below 1 = faster than wasm). Every run downloads its result (device sync).`,
  );
  out.push('');
  out.push('## Backends');
  out.push('');
  out.push('| target | status | facts | peak RSS | wall |');
  out.push('|---|---|---|---|---|');
  for (const t of r.targets) {
    const f = t.facts;
    const facts = f
      ? [
          f.description,
          f.gpuName ? `${f.emulation ? 'adapter' : 'GPU'}: ${f.gpuName}` : '',
          f.emulation ? '**software emulation (CPU): times say nothing about a GPU**' : '',
          Object.entries(f.versions)
            .filter(([k]) => SHOWN_VERSIONS.includes(k))
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        ]
          .filter(Boolean)
          .join('; ')
      : '';
    out.push(
      `| ${label(t)} | ${t.status === 'ok' ? 'ok' : `${t.status}: ${(t.reason ?? '').replace(/\|/g, '\\|')}`} | ${facts} | ${fmtBytes(t.peakRssBytes)} | ${t.wallSeconds.toFixed(1)} s |`,
    );
  }
  const np = r.numpy;
  out.push(
    `| NumPy | ${np.status === 'ok' ? 'ok' : `unavailable: ${np.reason ?? ''}`} | ${np.numpy ? `NumPy ${np.numpy}, ${np.python}` : ''} | | |`,
  );
  out.push('');

  const ok = r.targets.filter((t) => t.status === 'ok');
  const ids: { id: string; group: string }[] = [];
  const seen = new Set<string>();
  for (const t of ok)
    for (const w of t.results)
      if (!seen.has(w.id)) {
        seen.add(w.id);
        ids.push({ id: w.id, group: w.group });
      }
  const wasmT = ok.find((t) => t.target === 'wasm');
  const numpyById = new Map(np.results.map((x) => [x.id, x]));
  const groups = [...new Set(ids.map((x) => x.group))];
  for (const g of groups) {
    const rows = ids.filter((x) => x.group === g);
    const cols = ok.filter((t) => rows.some((row) => t.results.some((w) => w.id === row.id)));
    const hasNumpy = rows.some((row) => numpyById.has(row.id));
    out.push(`## ${g}`);
    out.push('');
    const head = ['workload', ...cols.map(label)];
    if (hasNumpy) head.push('NumPy', 'wasm ÷ NumPy');
    const hasCpu = hasNumpy && rows.some((row) => numpyById.get(row.id)?.stats?.cpuMedian);
    if (hasCpu) head.push('CPU ms: wasm / NumPy (ratio)');
    // Without a NumPy twin, several targets side by side: their CPU time too (a loaded machine
    // stretches wall time; CPU time tracks the work).
    const cpuCols =
      !hasNumpy && cols.length > 1 && wasmT && cols.includes(wasmT)
        ? cols.filter((t) =>
            t.results.some((w) => w.group === g && w.stats?.cpuMedian !== undefined),
          )
        : [];
    if (cpuCols.length > 1) head.push(`CPU ms: ${cpuCols.map(label).join(' / ')}`);
    out.push(`| ${head.join(' | ')} |`);
    out.push(`|${head.map(() => '---').join('|')}|`);
    for (const row of rows) {
      const wasm = wasmT?.results.find((w) => w.id === row.id);
      const wasmStats = wasm?.status === 'ok' ? wasm.stats : undefined;
      const cells = [
        row.id,
        ...cols.map((t) =>
          cell(
            t.results.find((w) => w.id === row.id),
            wasmStats,
          ),
        ),
      ];
      if (hasNumpy) {
        const n = numpyById.get(row.id);
        cells.push(cell(n, undefined));
        cells.push(n?.status === 'ok' && wasmStats ? ratio(wasmStats.median, n.stats!.median) : '');
      }
      if (hasCpu) {
        const a = wasmStats?.cpuMedian;
        const b = numpyById.get(row.id)?.stats?.cpuMedian;
        cells.push(
          a !== undefined && b !== undefined ? `${fmtMs(a)} / ${fmtMs(b)} (${ratio(a, b)})` : '',
        );
      }
      if (cpuCols.length > 1) {
        const cpu = cpuCols.map((t) => t.results.find((w) => w.id === row.id)?.stats?.cpuMedian);
        const base = cpu[cpuCols.indexOf(wasmT as TargetResult)];
        cells.push(
          cpu
            .map((c) =>
              c === undefined ? '–' : base ? `${fmtMs(c)} (${(c / base).toFixed(2)}×)` : fmtMs(c),
            )
            .join(' / '),
        );
      }
      out.push(`| ${cells.join(' | ')} |`);
    }
    // Memory: peak tensor bytes per target for the group.
    const mem = cols
      .map((t) => {
        const peaks = t.results
          .filter((w) => w.group === g && w.stats?.peakTensorBytes !== undefined)
          .map((w) => w.stats!.peakTensorBytes!);
        return peaks.length ? `${label(t)} ${fmtBytes(Math.max(...peaks))}` : '';
      })
      .filter(Boolean);
    if (mem.length) {
      out.push('');
      out.push(`Peak tensor memory in one run (largest in this table): ${mem.join(', ')}.`);
    }
    out.push('');
  }
  if (r.numpy.status !== 'ok') {
    out.push(`NumPy column missing: ${r.numpy.reason}.`);
    out.push('');
  }
  return out.join('\n');
}
