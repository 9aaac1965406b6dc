/**
 * Where the page's time goes on one backend: opens the built page (default
 * apps/playground/dist) in the test's headless Chromium, records the startup
 * marks (`playground.startup()`), the SVGD step count every 2 s until `--steps`
 * (or `--limit` seconds, or the page's `data-error`), the console, and the
 * main thread's self time by function (CDP Profiler), and writes one JSON.
 *
 *   npx tsx apps/playground/scripts/profile.ts --backend webgpu --n 100 --steps 200 \
 *     --out apps/playground/results/webgpu-profile.json [--flags="--extra --chromium-flags"] [--dist DIR]
 *
 * One browser at a time: Chromium on SwiftShader takes every core it gets.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, serveStatic } from '../../../test/browser/chromium';

const { values: o } = parseArgs({
  options: {
    backend: { type: 'string', default: 'webgpu' },
    n: { type: 'string', default: '100' },
    steps: { type: 'string', default: '200' },
    limit: { type: 'string', default: '300' },
    flags: { type: 'string', default: '' },
    dist: { type: 'string', default: resolve(import.meta.dirname, '../dist') },
    label: { type: 'string', default: '' },
    out: { type: 'string' },
  },
});
const steps = Number(o.steps);
const limitMs = Number(o.limit) * 1000;
const extra = o.flags.split(' ').filter(Boolean);

const server = await serveStatic(resolve(o.dist));
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [...CHROMIUM_ARGS, ...extra],
});
const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
const t0 = Date.now();
const since = () => Number(((Date.now() - t0) / 1000).toFixed(1));
const consoleLines: string[] = [];
page.on('console', (m) => consoleLines.push(`${since()} s ${m.type()}: ${m.text().slice(0, 300)}`));
page.on('pageerror', (e) =>
  consoleLines.push(`${since()} s pageerror: ${e.message.slice(0, 300)}`),
);
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
await cdp.send('Profiler.start');
const loadBefore = loadavg();
await page.goto(`${server.url}?backend=${o.backend}&n=${o.n}&seed=1`, { timeout: limitMs });

interface Sample {
  t: number;
  step: number;
  ready: boolean;
  error?: string;
  marks: Record<string, number>;
}
const timeline: Sample[] = [];
let readySeconds: number | undefined;
let stepsSeconds: number | undefined;
while (Date.now() - t0 < limitMs) {
  const d = (await page.evaluate(`(() => {
    const r = document.getElementById('readout').dataset;
    const marks = Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)]));
    return { step: Number(r.step), ready: r.ready === 'true', error: r.error, marks };
  })()`)) as Omit<Sample, 't'>;
  const s = { t: since(), ...d };
  timeline.push(s);
  if (s.ready && readySeconds === undefined) readySeconds = s.t;
  if (s.error) break;
  if (s.step >= steps) {
    stepsSeconds = s.t;
    break;
  }
  await new Promise((r) => setTimeout(r, 2000));
}
const { profile } = await cdp.send('Profiler.stop');
const byId = new Map(profile.nodes.map((x) => [x.id, x]));
const self = new Map<string, number>();
(profile.samples ?? []).forEach((id, i) => {
  const f = byId.get(id)?.callFrame;
  const k = f
    ? `${f.functionName || '(anonymous)'}${f.url ? ` ${f.url.split('/').pop()}` : ''}`
    : '?';
  self.set(k, (self.get(k) ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000);
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
const last = timeline[timeline.length - 1];
const firstReady = timeline.find((s) => s.ready);
const result = {
  label: o.label,
  date: new Date().toISOString(),
  chromium: browser.version(),
  flags: [...CHROMIUM_ARGS, ...extra],
  backend: o.backend,
  n: Number(o.n),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadavg(),
  },
  limitSeconds: Number(o.limit),
  /** Seconds from navigation until #readout[data-ready] was seen (polled every 2 s); undefined: never. */
  readySeconds: readySeconds ?? null,
  startupMarksMs: last?.marks,
  error: last?.error ?? null,
  stepsTarget: steps,
  stepsReached: last?.step ?? 0,
  /** Seconds from navigation until step ≥ stepsTarget was seen; undefined: not within the limit. */
  stepsSeconds: stepsSeconds ?? null,
  stepsPerSecondAfterReady:
    firstReady && last && last.t > firstReady.t
      ? (last.step - firstReady.step) / (last.t - firstReady.t)
      : undefined,
  mainThreadSelfMs: Object.fromEntries(
    [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([k, v]) => [k, Math.round(v)]),
  ),
  mainThreadTotalMs: Math.round(total),
  console: consoleLines.slice(0, 20),
  timeline: timeline.map(({ t, step, ready }) => ({ t, step, ready })),
};
await browser.close();
await server.close();
const json = `${JSON.stringify(result, null, 2)}\n`;
if (o.out) writeFileSync(o.out, json);
console.log(json);
