import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import * as tf from '@tensorflow/tfjs-core';
import {
  cpuSince,
  DEFAULT_CONFIG,
  type Method,
  type MethodConfig,
  type MethodResult,
  runMethod,
} from './methods';
import { powerCurveSvg } from './plot';
import { benchmarkRbm, gibbsSample, rbmScore } from './rbm';

/** The published perturbation levels (Gong et al. 2021; Liu et al. 2016). */
export const PAPER_SIGMAS = [
  0, 0.005, 0.007, 0.009, 0.01, 0.011, 0.012, 0.013, 0.014, 0.016, 0.018,
];

export interface RbmBenchOptions {
  methods: Method[];
  sigmas: number[];
  trials: number;
  /** Test sample size n (1000) and Gibbs burn-in (2000); pseudo-samples collected during burn-in (2000). */
  n: number;
  burnIn: number;
  burnInSamples: number;
  config: MethodConfig;
  /** Directory of rbm-trials.jsonl (one line per (trial, σ)), rbm-power.json, rbm-power.svg. */
  out: string;
  backend: string;
  /** Label written into the JSON (e.g. "quick", "reduced protocol"). */
  label: string;
  /** Stop starting new trials after this many minutes (the finished trials are kept). */
  budgetMinutes?: number;
  /** Only rebuild rbm-power.json/svg from rbm-trials.jsonl. */
  reportOnly?: boolean;
  /**
   * Run only the trials t with t mod count = index, appending to
   * rbm-trials.shard<index>of<count>.jsonl, so that `count` processes can share
   * one --out (one per core). Seeds depend on (trial, σ) only, so the union of
   * the shards is the unsharded run; every process reads all trial files.
   */
  shard?: { index: number; count: number };
  log?: (line: string) => void;
}

export interface TrialRecord {
  trial: number;
  sigma: number;
  gibbsMs: number;
  gibbsCpuMs: number;
  results: Partial<Record<Method, MethodResult>>;
}

export interface PowerSummary {
  label: string;
  backend: string;
  protocol: Omit<
    RbmBenchOptions,
    'out' | 'log' | 'backend' | 'label' | 'budgetMinutes' | 'reportOnly' | 'shard'
  >;
  /** Rejection rate per method and σ: rejections k of `trials`, and the 95% Wilson interval of k/trials. */
  power: Record<
    string,
    {
      sigma: number;
      rate: number;
      trials: number;
      rejections: number;
      wilson95: [number, number];
      /** Median p-value over the trials: a finer power summary than k/n at few trials. */
      medianPValue: number;
    }[]
  >;
  /** Mean CPU ms per (trial, σ) and method (and the Gibbs sampling of the test sample). */
  cpuMsPerTrial: Record<string, number>;
  /** Wall-clock minutes summed over the recorded (trial, σ) pairs (Gibbs + tests; the null samples for MMD not included). */
  wallMinutes: number;
  finishedAt: string;
}

const TRIAL_FILE = /^rbm-trials(\.shard\d+of\d+)?\.jsonl$/;

function readLines(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** Every (trial, σ) record of `out`: rbm-trials.jsonl and the shards' files, first copy of each kept. */
export function readTrials(out: string): TrialRecord[] {
  if (!existsSync(out)) return [];
  const seen = new Set<string>();
  const records: TrialRecord[] = [];
  for (const f of readdirSync(out)
    .filter((f) => TRIAL_FILE.test(f))
    .sort()) {
    for (const l of readLines(join(out, f))) {
      const r = JSON.parse(l) as TrialRecord;
      const k = `${r.trial}:${r.sigma}`;
      if (seen.has(k)) continue;
      seen.add(k);
      records.push(r);
    }
  }
  return records;
}

/** Seeds: trial t, level index j. The null sample for MMD is shared by all σ of a trial. */
const seedOf = (trial: number, j: number) => 1000 + trial * 100 + j;

/**
 * Runs the RBM benchmark trial-major (trial 0 at every σ, then trial 1, …), so
 * that a run stopped early has the same number of trials at every σ; each
 * finished (trial, σ) is appended to rbm-trials.jsonl and skipped on resume.
 */
export function runRbmBench(opts: RbmBenchOptions): PowerSummary {
  const log = opts.log ?? (() => {});
  mkdirSync(opts.out, { recursive: true });
  const shard = opts.shard ?? { index: 0, count: 1 };
  if (
    !(Number.isInteger(shard.count) && shard.count >= 1) ||
    !(Number.isInteger(shard.index) && shard.index >= 0 && shard.index < shard.count)
  )
    throw new RangeError(
      `shard: expected integers 0 ≤ index < count, got ${shard.index}/${shard.count}`,
    );
  const trialsPath = join(
    opts.out,
    opts.shard ? `rbm-trials.shard${shard.index}of${shard.count}.jsonl` : 'rbm-trials.jsonl',
  );
  const done = readTrials(opts.out);
  const key = (t: number, s: number) => `${t}:${s}`;
  const have = new Set(done.map((r) => key(r.trial, r.sigma)));
  const rbm = benchmarkRbm();
  const score = rbmScore(rbm.null);
  const t0 = performance.now();
  const lines = readLines(trialsPath);
  outer: for (let t = 0; t < (opts.reportOnly ? 0 : opts.trials); t++) {
    if (t % shard.count !== shard.index) continue;
    let nullX: tf.Tensor2D | null = null;
    try {
      for (const [j, sigma] of opts.sigmas.entries()) {
        if (have.has(key(t, sigma))) continue;
        if (
          opts.budgetMinutes !== undefined &&
          (performance.now() - t0) / 60000 > opts.budgetMinutes
        ) {
          log(
            `budget of ${opts.budgetMinutes} min reached; stopping before trial ${t}, σ = ${sigma}`,
          );
          break outer;
        }
        if (!nullX && opts.methods.includes('mmd')) {
          nullX = gibbsSample(rbm.null, { n: opts.n, burnIn: opts.burnIn, seed: seedOf(t, 99) }).x;
        }
        const w0 = performance.now();
        const c0 = process.cpuUsage();
        const q = gibbsSample(rbm.perturbed(sigma), {
          n: opts.n,
          burnIn: opts.burnIn,
          burnInSamples: opts.burnInSamples,
          seed: seedOf(t, j),
        });
        const record: TrialRecord = {
          trial: t,
          sigma,
          gibbsMs: performance.now() - w0,
          gibbsCpuMs: cpuSince(c0),
          results: {},
        };
        try {
          for (const m of opts.methods) {
            const burn = q.burn as tf.Tensor2D;
            record.results[m] = runMethod(
              m,
              { x: q.x, burn, nullX: nullX ?? q.x, score, seed: seedOf(t, j) },
              opts.config,
            );
          }
        } finally {
          tf.dispose([q.x, q.burn as tf.Tensor2D]);
        }
        lines.push(JSON.stringify(record));
        writeFileAtomic(trialsPath, `${lines.join('\n')}\n`);
        done.push(record);
        log(
          `trial ${t} σ=${sigma}: ${opts.methods
            .map((m) => `${m} p=${record.results[m]?.pValue.toFixed(3)}`)
            .join(' ')} (${((performance.now() - w0) / 1000).toFixed(0)} s)`,
        );
      }
    } finally {
      nullX?.dispose();
    }
  }
  const summary = summarize(
    done,
    opts,
    done.reduce(
      (acc, r) => acc + r.gibbsMs + Object.values(r.results).reduce((a, m) => a + (m?.ms ?? 0), 0),
      0,
    ) / 60000,
  );
  writeFileAtomic(join(opts.out, 'rbm-power.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileAtomic(join(opts.out, 'rbm-power.svg'), powerCurveSvg(summary));
  writeFileAtomic(join(opts.out, 'rbm-power.md'), powerTable(summary));
  return summary;
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

/** Median (mean of the two middle values for an even count). */
function medianOf(v: number[]): number {
  const a = [...v].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : 0.5 * (a[m - 1] + a[m]);
}

/**
 * The Wilson score interval of a binomial proportion k/n (default 95%, z = 1.96):
 * (k + z²/2 ± z√(k(n − k)/n + z²/4)) / (n + z²). Stays inside [0, 1] and is
 * not degenerate at k = 0 or k = n, unlike the Wald interval.
 */
export function wilsonInterval(k: number, n: number, z = 1.96): [number, number] {
  if (!(Number.isInteger(n) && n >= 1))
    throw new RangeError(`n: expected an integer ≥ 1, got ${n}`);
  if (!(Number.isInteger(k) && k >= 0 && k <= n))
    throw new RangeError(`k: expected an integer in [0, ${n}], got ${k}`);
  const z2 = z * z;
  const mid = k + z2 / 2;
  const half = z * Math.sqrt((k * (n - k)) / n + z2 / 4);
  return [Math.max(0, (mid - half) / (n + z2)), Math.min(1, (mid + half) / (n + z2))];
}

/** Markdown table: one row per method, one column per σ (rejections k/n and the rate's 95% Wilson interval). */
export function powerTable(s: PowerSummary): string {
  const sigmas = [...new Set(Object.values(s.power).flatMap((r) => r.map((p) => p.sigma)))].sort(
    (a, b) => a - b,
  );
  const trialsAt = (sigma: number) =>
    Math.min(...Object.values(s.power).map((r) => r.find((p) => p.sigma === sigma)?.trials ?? 0));
  const cpu = (m: string) => (s.cpuMsPerTrial[m] / 1000).toFixed(1);
  const lines = [
    `${s.label}; backend ${s.backend}; n = ${s.protocol.n}, burn-in ${s.protocol.burnIn}, ${s.protocol.config.bootstraps} wild-bootstrap draws, α = ${s.protocol.config.alpha}; Gibbs ${cpu('gibbs')} CPU-s per sample.`,
    '',
    `| method | ${sigmas.map((v) => `σ = ${v} (${trialsAt(v)} trials)`).join(' | ')} | CPU-s per test |`,
    `|---|${sigmas.map(() => '---').join('|')}|---|`,
    ...Object.entries(s.power).map(
      ([m, r]) =>
        `| ${m} | ${sigmas
          .map((v) => {
            const p = r.find((q) => q.sigma === v);
            return p
              ? `${p.rate.toFixed(2)} (${p.rejections}/${p.trials}; ${p.wilson95[0].toFixed(2)}–${p.wilson95[1].toFixed(2)})`
              : '–';
          })
          .join(' | ')} | ${cpu(m)} |`,
    ),
  ];
  lines.push(
    '',
    `| median p-value | ${sigmas.map((v) => `σ = ${v}`).join(' | ')} |`,
    `|---|${sigmas.map(() => '---').join('|')}|`,
    ...Object.entries(s.power).map(
      ([m, r]) =>
        `| ${m} | ${sigmas.map((v) => r.find((p) => p.sigma === v)?.medianPValue?.toFixed(3) ?? '–').join(' | ')} |`,
    ),
  );
  const nullRow = Object.entries(s.power)
    .map(([m, r]) => [m, r.find((p) => p.sigma === 0)] as const)
    .filter(([, p]) => p !== undefined);
  if (nullRow.length > 0) {
    lines.push(
      '',
      'Null calibration (σ = 0, target [0.01, 0.10] at α = 0.05): ' +
        nullRow
          .map(([m, p]) => {
            const [lo, hi] = p?.wilson95 ?? [0, 1];
            const verdict =
              lo >= 0.01 && hi <= 0.1
                ? 'calibrated'
                : hi < 0.01 || lo > 0.1
                  ? 'MISCALIBRATED'
                  : 'consistent, not established';
            return `${m} ${p?.rejections}/${p?.trials} (95% ${lo.toFixed(2)}–${hi.toFixed(2)}: ${verdict})`;
          })
          .join('; ') +
        '.',
    );
  }
  return `${lines.join('\n')}\n`;
}

export function summarize(
  records: TrialRecord[],
  opts: RbmBenchOptions,
  wallMinutes: number,
): PowerSummary {
  const power: PowerSummary['power'] = {};
  const cpu: Record<string, number[]> = { gibbs: [] };
  for (const m of opts.methods) {
    power[m] = [];
    cpu[m] = [];
    for (const sigma of opts.sigmas) {
      const rs = records.filter((r) => r.sigma === sigma && r.trial < opts.trials && r.results[m]);
      if (rs.length === 0) continue;
      const rej = rs.filter((r) => r.results[m]?.reject).length;
      const [lo, hi] = wilsonInterval(rej, rs.length);
      power[m].push({
        sigma,
        rate: rej / rs.length,
        trials: rs.length,
        rejections: rej,
        wilson95: [round4(lo), round4(hi)],
        medianPValue: round4(medianOf(rs.map((r) => r.results[m]?.pValue ?? Number.NaN))),
      });
    }
    for (const r of records)
      if (r.trial < opts.trials && r.results[m]) cpu[m].push(r.results[m].cpuMs);
  }
  for (const r of records) if (r.trial < opts.trials) cpu.gibbs.push(r.gibbsCpuMs);
  const mean = (a: number[]) => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : Number.NaN);
  const {
    out: _o,
    log: _l,
    backend,
    label,
    budgetMinutes: _b,
    reportOnly: _r,
    shard: _s,
    ...protocol
  } = opts;
  return {
    label,
    backend,
    protocol,
    power,
    cpuMsPerTrial: Object.fromEntries(
      Object.entries(cpu).map(([k, v]) => [k, Math.round(mean(v))]),
    ),
    wallMinutes: Math.round(wallMinutes * 10) / 10,
    finishedAt: new Date().toISOString(),
  };
}

export { DEFAULT_CONFIG };
