import type * as tfc from '@tensorflow/tfjs-core';
import type { Prepared, RunOutput, Stats } from './types';

export interface MeasureOptions {
  warmup: number;
  runs: number;
  /** Time budget (seconds) for the timed runs; fewer runs are made when one run is slow. */
  maxSeconds: number;
  /** Record tf.profile().peakBytes with one extra, untimed run. */
  profileMemory?: boolean;
}

/** Runs once and waits for the device: every returned tensor is downloaded, then disposed. */
export async function execute(tf: typeof tfc, p: Prepared): Promise<void> {
  const out: RunOutput = await p.run();
  if (out === undefined || typeof out === 'number') return;
  const list = Array.isArray(out) ? out : [out];
  await Promise.all(list.map((t) => t.data()));
  tf.dispose(list);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Warm-up runs (compile/allocate, not timed), then timed runs: median, min, max.
 * When one warm-up run already exceeds the budget, that single run is the result.
 */
export async function measure(tf: typeof tfc, p: Prepared, o: MeasureOptions): Promise<Stats> {
  const before = tf.memory().numTensors;
  let rss = 0;
  const sampleRss = () => {
    rss = Math.max(rss, process.memoryUsage().rss);
  };
  const times: number[] = [];
  const cpu: number[] = [];
  const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let warmupDone = 0;
  let warmCpu = 0;
  let warmTime = 0;
  for (let i = 0; i < Math.max(1, o.warmup); i++) {
    const t0 = performance.now();
    const c0 = cpuNow();
    await execute(tf, p);
    warmTime = performance.now() - t0;
    warmCpu = cpuNow() - c0;
    warmupDone++;
    sampleRss();
    if (warmTime > o.maxSeconds * 1000) break;
  }
  const tooSlow = o.warmup > 0 && warmTime > o.maxSeconds * 1000;
  if (tooSlow) {
    times.push(warmTime); // too slow to repeat: report the one run (and skip the profiled run)
    cpu.push(warmCpu);
  } else {
    const budget = o.maxSeconds * 1000;
    const start = performance.now();
    for (let i = 0; i < o.runs; i++) {
      const t0 = performance.now();
      const c0 = cpuNow();
      await execute(tf, p);
      times.push(performance.now() - t0);
      cpu.push(cpuNow() - c0);
      sampleRss();
      if (performance.now() - start > budget) break;
    }
  }
  const leaked = (tf.memory().numTensors - before) / (warmupDone + times.length);
  let peakTensorBytes: number | undefined;
  if (o.profileMemory !== false && !tooSlow) {
    const prof = await tf.profile(async () => {
      await execute(tf, p);
    });
    peakTensorBytes = prof.peakBytes;
  }
  return {
    median: median(times),
    cpuMedian: median(cpu),
    min: Math.min(...times),
    max: Math.max(...times),
    runs: times.length,
    warmup: warmupDone,
    peakTensorBytes,
    rssBytes: rss,
    leakedTensors: leaked,
  };
}
