/**
 * The built playground (apps/playground/dist; built here first when missing)
 * served on 127.0.0.1 and driven in headless Chromium on wasm, webgl and
 * webgpu (SwiftShader). Screenshots of each panel go to apps/playground/artifacts/.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { gaussianMixture } from '@steinkit/energy-models';
import { mmd2 } from '@steinkit/metrics';
import { defaultCacheDir, getClassifier } from '@steinkit/metrics/reference';
import * as tf from '@tensorflow/tfjs-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectProblems,
  launchChromium,
  reportSkip,
  type StaticServer,
  serveStatic,
} from '../../../test/browser/chromium';

const app = resolve(import.meta.dirname, '..');
const dist = join(app, 'dist');
const artifacts = join(app, 'artifacts');
const skip = reportSkip('playground');

/** The page's default mixture (src/targets.ts DEFAULT_MEANS, std 0.6). */
const mixture = () =>
  gaussianMixture({
    means: [
      [-2, -1],
      [2, -1],
      [0, 2],
    ],
    std: 0.6,
  });

const N = 100;
const STEPS = 200;
/**
 * The backends SVGD runs on. On webgpu the page reads nothing synchronously
 * (tfjs-webgpu's dataSync goes through a canvas, which in headless Chromium on
 * SwiftShader returns zeros and destroys the device): the median bandwidth is
 * resolved by resolveBandwidthAsync before each step.
 */
const BACKENDS = ['wasm', 'webgl', 'webgpu'];

interface Hooks {
  pause(): void;
  measure(): Promise<{ step: number; ksd: number; mmd: number }>;
  firstStep(n: number, seed: number): Promise<number[]>;
  timeSteps(k: number): Promise<number>;
  startup(): Record<string, number>;
}

/**
 * The MMD² threshold at n = N: mean + 3 sd of the unbiased MMD² between two
 * independent exact samples of size N (the page's estimator: RBF, median
 * bandwidth), over 20 seeded pairs. SVGD's particles should be as close to the
 * target as an exact sample is.
 */
function exactSampleThreshold(): { threshold: number; values: number[] } {
  const t = mixture();
  const values: number[] = [];
  for (let s = 0; s < 20; s++) {
    const a = t.sample(N, 500 + 2 * s);
    const b = t.sample(N, 501 + 2 * s);
    const m = mmd2(a, b);
    values.push(m.dataSync()[0]);
    tf.dispose([a, b, m]);
  }
  const mean = values.reduce((x, y) => x + y, 0) / values.length;
  const sd = Math.sqrt(values.reduce((x, y) => x + (y - mean) ** 2, 0) / (values.length - 1));
  return { threshold: mean + 3 * sd, values };
}

interface Report {
  [k: string]: unknown;
}

describe.skipIf(skip)('playground in headless Chromium', () => {
  let server: StaticServer;
  let browser: Browser;
  const report: Report = {};
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html'))) {
      const { build } = await import('vite');
      await build({ configFile: join(app, 'vite.config.ts'), logLevel: 'warn' });
    }
    mkdirSync(artifacts, { recursive: true });
    server = await serveStatic(dist);
    browser = await launchChromium();
  }, 600_000); // a fresh clone builds the page first (≈ 15 s on a quiet machine)
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (Object.keys(report).length)
      writeFileSync(join(artifacts, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  });

  /** Opens the page on `backend`, waits for the hooks (or fails with the page's error); console errors are collected. */
  async function open(backend: string, n = N): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const { errors, logs } = collectProblems(page);
    page.on('close', () => {
      problems.push(...errors.map((e) => `${backend}: ${e}`));
      problems.push(...logs.filter((l) => !l.startsWith('debug')).map((l) => `${backend}: ${l}`));
    });
    await page.goto(`${server.url}?backend=${backend}&n=${n}&seed=1`, { timeout: 300_000 });
    await page.waitForFunction(
      () => {
        const r = document.getElementById('readout');
        return r?.dataset.ready === 'true' || r?.dataset.error;
      },
      null,
      { timeout: 180_000 },
    );
    const err = await page.evaluate(() => document.getElementById('readout')?.dataset.error);
    expect(err, `backend ${backend}`).toBeUndefined();
    return page;
  }

  const firstSteps: Record<string, number[]> = {};

  it.each(BACKENDS)(
    `%s: SVGD runs ≥ ${STEPS} steps and MMD² falls below the exact-sample threshold`,
    async (backend) => {
      const { threshold, values } = exactSampleThreshold();
      report.mmdThreshold = { n: N, threshold, exactSampleMmd2: values };
      const t0 = Date.now();
      const page = await open(backend);
      const tReady = Date.now();
      expect(await page.evaluate(() => document.getElementById('readout')?.dataset.backend)).toBe(
        backend,
      );
      await page.waitForFunction(
        (steps) => {
          const r = document.getElementById('readout');
          return Number(r?.dataset.step) >= steps || r?.dataset.error;
        },
        STEPS,
        { timeout: 400_000, polling: 200 },
      );
      const tSteps = Date.now();
      const m = await page.evaluate(() => {
        const p = (window as unknown as { playground: Hooks }).playground;
        p.pause();
        return p.measure();
      });
      const readout = await page.evaluate(() => ({
        ...document.getElementById('readout')?.dataset,
      }));
      expect(readout.error, backend).toBeUndefined();
      const startup = await page.evaluate(() =>
        (window as unknown as { playground: Hooks }).playground.startup(),
      );
      // ms per step (paused: no drawing, the last step read back)
      const msPerStep = await page.evaluate(() =>
        (window as unknown as { playground: Hooks }).playground.timeSteps(10),
      );
      report[backend] = {
        ...m,
        adapter: readout.adapter,
        openSeconds: (tReady - t0) / 1000,
        startupMarksMs: startup,
        secondsToStep200FromReady: (tSteps - tReady) / 1000,
        msPerStepPaused: msPerStep,
      };
      console.log(
        `[playground] ${backend}: page ready ${((tReady - t0) / 1000).toFixed(1)} s, ${m.step} steps ${((tSteps - tReady) / 1000).toFixed(1)} s later, ${msPerStep.toFixed(1)} ms/step paused (n = ${N}; load average ${loadavg()[0].toFixed(1)})`,
      );
      expect(m.step).toBeGreaterThanOrEqual(STEPS);
      expect(Number(readout.mmd)).toBe(m.mmd); // data-mmd tracks the panel
      expect(m.mmd).toBeLessThan(threshold);
      firstSteps[backend] = await page.evaluate(
        ([n, seed]) => (window as unknown as { playground: Hooks }).playground.firstStep(n, seed),
        [N, 1],
      );
      if (backend === 'wasm')
        await page.locator('#panel-svgd').screenshot({ path: join(artifacts, 'svgd.png') });
      await page.close();
    },
    600_000,
  );

  it('wasm, webgl and webgpu agree with cpu on the first SVGD step (float32 tolerance)', async () => {
    const page = await open('cpu');
    const cpu = await page.evaluate(
      ([n, seed]) => {
        const p = (window as unknown as { playground: Hooks }).playground;
        p.pause();
        return p.firstStep(n, seed);
      },
      [N, 1],
    );
    await page.close();
    expect(cpu.length).toBe(2 * N);
    for (const backend of BACKENDS) {
      const x = firstSteps[backend];
      expect(x, `${backend} ran`).toBeDefined();
      const worst = Math.max(...x.map((v, i) => Math.abs(v - cpu[i]) / (1 + Math.abs(cpu[i]))));
      report[`firstStepMaxRelDiff_${backend}`] = worst;
      expect(worst, backend).toBeLessThan(1e-4);
    }
  }, 600_000);

  it('goodness of fit: the KSD test accepts an exact sample and rejects a shifted one', async () => {
    const page = await open('wasm');
    const run = (shift: number) =>
      page.evaluate(
        (o) =>
          (
            window as unknown as {
              playground: {
                pause(): void;
                runGof(o: unknown): {
                  ksd: { pValue: number; reject: boolean; statistic: number };
                  sliced: { pValue: number; statistic: number };
                };
              };
            }
          ).playground.runGof(o),
        { shift, n: 200, seed: 3, bootstraps: 500 },
      );
    await page.evaluate(() =>
      (window as unknown as { playground: { pause(): void } }).playground.pause(),
    );
    const exact = await run(0);
    const shifted = await run(1);
    report.gof = { exact, shifted };
    expect(exact.ksd.reject).toBe(false);
    expect(exact.ksd.pValue).toBeGreaterThan(0.05);
    expect(shifted.ksd.reject).toBe(true);
    expect(shifted.ksd.pValue).toBeLessThanOrEqual(0.05);
    expect(shifted.sliced.pValue).toBeLessThanOrEqual(0.05);
    await page.locator('#panel-gof').screenshot({ path: join(artifacts, 'gof.png') });
    // the amortized panel: a few iterations of update (10), then its screenshot
    const it = await page.evaluate(() =>
      (
        window as unknown as { playground: { trainAmortized(k: number): Promise<number> } }
      ).playground.trainAmortized(40),
    );
    expect(it).toBe(40);
    await page.locator('#panel-amortized').screenshot({ path: join(artifacts, 'amortized.png') });
    await page.close();
  }, 600_000);

  it('SteinGAN panel: the metrics MNIST classifier labels the grid as the requested class', async () => {
    const page = await open('wasm');
    expect(
      await page.evaluate(() =>
        (
          window as unknown as { playground: { steinganReady(): Promise<boolean> } }
        ).playground.steinganReady(),
      ),
    ).toBe(true);
    // the full reference classifier when cached; otherwise the same network trained on 3000 images
    const full = existsSync(join(defaultCacheDir(), 'classifiers', 'mnist-v1', 'model.json'));
    const clf = await getClassifier('mnist', {
      ...(full ? {} : { trainLimit: 3000, testLimit: 1000, epochs: 2 }),
      progress: false,
      log: () => {},
    });
    const agreement: Record<number, number> = {};
    for (const label of [3, 7]) {
      const px = await page.evaluate(
        ([l, s]) =>
          (
            window as unknown as {
              playground: { steinganGrid(l: number, s: number): Promise<number[]> };
            }
          ).playground.steinganGrid(l, s),
        [label, 7],
      );
      const x = tf.tensor4d(px, [16, 28, 28, 1]);
      const pred = clf.predictLabels(x);
      const labels = Array.from(pred.dataSync());
      agreement[label] = labels.filter((v) => v === label).length / labels.length;
      tf.dispose([x, pred]);
    }
    report.steingan = { agreement, classifier: clf.info };
    clf.dispose();
    await page.locator('#panel-steingan').screenshot({ path: join(artifacts, 'steingan.png') });
    await page.close();
    for (const a of Object.values(agreement)) expect(a).toBeGreaterThanOrEqual(0.9);
  }, 600_000);

  it('reports SVGD steps/s at n = 500 on wasm and the first-load transfer size; no console output', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const { errors, logs } = collectProblems(page);
    let bytes = 0;
    page.on('response', async (r) => {
      const len = Number(r.headers()['content-length'] ?? NaN);
      bytes += Number.isFinite(len) ? len : (await r.body().catch(() => Buffer.alloc(0))).length;
    });
    await page.goto(`${server.url}?backend=wasm&n=500&seed=1`, { waitUntil: 'networkidle' });
    await page.waitForFunction(() => document.getElementById('readout')?.dataset.ready === 'true');
    await page.waitForTimeout(4000);
    const rate = await page.evaluate(() =>
      Number(document.getElementById('readout')?.dataset.stepsPerSecond),
    );
    report.wasmStepsPerSecondN500 = rate;
    report.loadAverage = loadavg();
    report.cpus = cpus().length;
    report.firstLoadBytes = bytes;
    console.log(
      `[playground] SVGD n = 500 on wasm: ${rate} steps/s (load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores); first load ${(bytes / 2 ** 20).toFixed(2)} MiB`,
    );
    await page.screenshot({ path: join(artifacts, 'page.png'), fullPage: true });
    await page.close();
    expect(bytes).toBeLessThanOrEqual(5 * 2 ** 20);
    expect([...problems, ...errors, ...logs]).toEqual([]);
  }, 600_000);
});
