import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BackendInfo, describeBackend } from '@steinkit/core';
import cliProgress from 'cli-progress';
import { markdownTable, type SummaryRecord, summarize, svgPlot } from './report';
import { loadCache, type RunRecord, runCached } from './run';
import { MAXSKSD_VARIANTS, type Method } from './trainers';

export interface ExperimentOptions {
  methods: Method[];
  dims: number[];
  seeds: number[];
  iterations: number;
  /** Results directory: cache/ (one JSON per run), ica-table.md, ica-results.json, ica-loglik.svg. */
  out: string;
  backend: BackendInfo;
  evalEvery?: number;
  nTrain?: number;
  nTest?: number;
  /** Recompute even when cached. */
  force?: boolean;
  /** A named maxSKSD protocol variant (ablation; methods must be ['maxsksd']). */
  variant?: string;
  /** Show progress bars (default true). */
  progress?: boolean;
  log?: (line: string) => void;
}

/** Writes the Markdown table, the JSON summary and the SVG plot from every cached run. */
export function writeReport(out: string): SummaryRecord[] {
  const all = loadCache(join(out, 'cache'));
  // variant runs never mix into a table of default-protocol runs
  const records = all.some((r) => !r.variant) ? all.filter((r) => !r.variant) : all;
  const summary = summarize(records);
  const variants = [...new Set(records.flatMap((r) => (r.variant ? [r.variant] : [])))];
  const extraNote = variants
    .map(
      (v) =>
        `Ablation: maxSKSD-g with the protocol variant \`${v}\` — ${MAXSKSD_VARIANTS[v]?.about ?? 'unknown variant'}.\n\n`,
    )
    .join('');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'ica-results.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(
    join(out, 'ica-table.md'),
    `# ICA test log-likelihood: published (Gong et al. 2021) vs ours\n\n${extraNote}${markdownTable(summary)}`,
  );
  writeFileSync(join(out, 'ica-loglik.svg'), svgPlot(summary));
  return summary;
}

/** Runs every (D, seed, method) not yet cached, rewriting the report after each. */
export function runExperiment(opts: ExperimentOptions): {
  records: RunRecord[];
  summary: SummaryRecord[];
} {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const backendName = describeBackend(opts.backend);
  log(`backend: ${backendName}`);
  const bars =
    opts.progress === false
      ? null
      : new cliProgress.MultiBar(
          {
            format: '{label} |{bar}| {value}/{total} it | test LL {ll} | {speed} ms/it',
            clearOnComplete: false,
            hideCursor: true,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        );
  const records: RunRecord[] = [];
  const cacheDir = join(opts.out, 'cache');
  try {
    for (const dim of opts.dims)
      for (const seed of opts.seeds)
        for (const method of opts.methods) {
          const label = `${method.padEnd(7)} D=${String(dim).padStart(3)} seed=${seed}`;
          const bar = bars?.create(opts.iterations, 0, { label, ll: '   …  ', speed: '…' });
          const t0 = performance.now();
          const { record, cached } = runCached(
            cacheDir,
            {
              method,
              dim,
              seed,
              iterations: opts.iterations,
              evalEvery: opts.evalEvery,
              nTrain: opts.nTrain,
              nTest: opts.nTest,
              backend: opts.backend.name,
              variant: opts.variant,
              onProgress: (it, ll) => {
                if (!bar && it % (opts.evalEvery ?? 500) === 0)
                  log(
                    `${label}: it ${it}/${opts.iterations}, test LL ${ll.toFixed(3)}, ${((performance.now() - t0) / it).toFixed(1)} ms/it`,
                  );
                if (bar && (it % 10 === 0 || it === opts.iterations)) {
                  bar.update(it, {
                    ll: ll.toFixed(2),
                    speed: ((performance.now() - t0) / it).toFixed(1),
                  });
                }
              },
            },
            opts.force,
          );
          bar?.update(opts.iterations, {
            ll: record.testLogLik.toFixed(2),
            speed: cached ? 'cached' : ((1000 * record.seconds) / opts.iterations).toFixed(1),
          });
          bar?.stop();
          if (!bars)
            log(
              `${label}: test LL ${record.testLogLik.toFixed(3)} (oracle ${record.oracle.toFixed(3)})${cached ? ' [cached]' : ` in ${record.seconds.toFixed(1)} s`}`,
            );
          records.push(record);
          writeReport(opts.out);
        }
  } finally {
    bars?.stop();
  }
  return { records, summary: writeReport(opts.out) };
}
