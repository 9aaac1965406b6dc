/**
 * steinkit playground: wires the panels to the page. `#readout` carries the
 * SVGD panel's state (data-backend, data-step, data-ksd, data-mmd,
 * data-steps-per-second) for tests and scripts; `window.playground` exposes
 * a few deterministic hooks (first SVGD step, GOF run, SteinGAN grid).
 * URL parameters: backend, target, n, seed, stepSize, kernel, bandwidth.
 */
import { svgdDispose, svgdInit } from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';
import { AmortizedPanel } from './amortized';
import { type ActiveBackend, selectBackend } from './backend';
import { drawHistogram, type GofResult, type GofSettings, runGof } from './gof';
import { drawGrid, generate, loadGenerator, noiseAt, type WebGenerator } from './steingan';
import {
  BANDWIDTHS,
  initialParticles,
  mmd2Value,
  readAndDispose,
  SvgdPanel,
  type SvgdSettings,
  stepOnce,
  stepOnceAsync,
} from './svgd';
import { drawScene, TARGETS, type TargetName, view } from './targets';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const fmt = (v: number | undefined) => (v === undefined ? '–' : v.toPrecision(4));

function settingsFromUrl(): SvgdSettings {
  const target = (params.get('target') ?? 'mixture') as TargetName;
  const bandwidth = params.get('bandwidth') ?? 'svgd';
  return {
    target: (TARGETS as readonly string[]).includes(target) ? target : 'mixture',
    n: Number(params.get('n') ?? 200),
    stepSize: Number(params.get('stepSize') ?? 0.1),
    kernel: params.get('kernel') === 'imq' ? 'imq' : 'rbf',
    bandwidth: bandwidth in BANDWIDTHS ? bandwidth : 'svgd',
    seed: Number(params.get('seed') ?? 1),
  };
}

/** Shows an error on the page and in `#readout[data-error]` (tests wait for ready or error). */
function fail(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  const readout = $('readout');
  if (!readout.dataset.error) readout.dataset.error = msg;
  $('backend-status').textContent = `error: ${msg}`;
  console.error(e);
}

async function main(): Promise<void> {
  const readout = $('readout');
  const picker = $<HTMLSelectElement>('backend-picker');
  picker.value = params.get('backend') ?? '';
  picker.addEventListener('change', () => {
    if (picker.value) params.set('backend', picker.value);
    else params.delete('backend');
    location.search = params.toString();
  });
  let active: ActiveBackend;
  try {
    active = await selectBackend(params.get('backend'), (m) => fail(new Error(m)));
  } catch (e) {
    $('backend-status').textContent = `backend failed: ${e instanceof Error ? e.message : e}`;
    readout.dataset.error = String(e instanceof Error ? e.message : e);
    throw e;
  }
  $('backend-status').textContent =
    `active: ${active.description}${active.reason ? ` (skipped: ${active.reason})` : ''}`;
  readout.dataset.backend = active.name;
  readout.dataset.adapter = active.adapter ?? '';
  performance.mark('playground:backend');
  const { asyncReads } = active;

  // ---- SVGD panel
  const s = settingsFromUrl();
  const bw = $<HTMLSelectElement>('svgd-bandwidth');
  for (const [k, { label }] of Object.entries(BANDWIDTHS)) bw.add(new Option(label, k));
  const controls = {
    target: $<HTMLSelectElement>('svgd-target'),
    n: $<HTMLInputElement>('svgd-n'),
    stepSize: $<HTMLInputElement>('svgd-step-size'),
    kernel: $<HTMLSelectElement>('svgd-kernel'),
    bandwidth: bw,
    seed: $<HTMLInputElement>('svgd-seed'),
  };
  controls.target.value = s.target;
  controls.n.value = String(s.n);
  controls.stepSize.value = String(s.stepSize);
  controls.kernel.value = s.kernel;
  controls.bandwidth.value = s.bandwidth;
  controls.seed.value = String(s.seed);

  const svgd = new SvgdPanel(
    $<HTMLCanvasElement>('svgd-canvas'),
    s,
    (r) => {
      readout.dataset.step = String(r.step);
      if (r.ksd !== undefined) readout.dataset.ksd = String(r.ksd);
      if (r.mmd !== undefined) readout.dataset.mmd = String(r.mmd);
      if (r.stepsPerSecond !== undefined)
        readout.dataset.stepsPerSecond = r.stepsPerSecond.toFixed(1);
      $('svgd-out-step').textContent = String(r.step);
      $('svgd-out-ksd').textContent = fmt(r.ksd);
      $('svgd-out-mmd').textContent = fmt(r.mmd);
      $('svgd-out-rate').textContent = r.stepsPerSecond?.toFixed(0) ?? '–';
    },
    asyncReads,
    fail,
  );
  await svgd.run(() => undefined); // the target's contours, the first particles and metrics
  performance.mark('playground:svgd');
  controls.target.addEventListener('change', () =>
    svgd.setTarget(controls.target.value as TargetName),
  );
  $('svgd-clear-means').addEventListener('click', () => svgd.resetMeans());
  controls.n.addEventListener('change', () => {
    const n = Math.round(Number(controls.n.value));
    if (!(n >= 2 && n <= 2000)) {
      controls.n.value = String(svgd.settings.n);
      return;
    }
    svgd.settings.n = n;
    svgd.reset();
  });
  controls.stepSize.addEventListener('change', () => {
    const v = Number(controls.stepSize.value);
    if (v > 0 && Number.isFinite(v)) svgd.settings.stepSize = v;
    else controls.stepSize.value = String(svgd.settings.stepSize);
  });
  controls.kernel.addEventListener('change', () => {
    svgd.settings.kernel = controls.kernel.value === 'imq' ? 'imq' : 'rbf';
  });
  controls.bandwidth.addEventListener('change', () => {
    svgd.settings.bandwidth = controls.bandwidth.value;
  });
  controls.seed.addEventListener('change', () => {
    svgd.settings.seed = Math.max(0, Math.round(Number(controls.seed.value)) || 0);
    svgd.reset();
  });
  const pause = $<HTMLButtonElement>('svgd-pause');
  const setRunning = (on: boolean) => {
    svgd.running = on;
    pause.textContent = on ? 'pause' : 'resume';
  };
  pause.addEventListener('click', () => setRunning(!svgd.running));
  $('svgd-step').addEventListener('click', () => {
    setRunning(false);
    svgd.step();
    svgd.measure().catch(() => undefined); // reported by the panel
  });
  $('svgd-reset').addEventListener('click', () => svgd.reset());

  // ---- goodness of fit
  let lastGof: GofResult | undefined;
  const gofSettings = (): GofSettings => ({
    shift: Number(($('gof-shift') as HTMLInputElement).value) || 0,
    n: Math.max(4, Math.round(Number(($('gof-n') as HTMLInputElement).value)) || 200),
    seed: Math.max(0, Math.round(Number(($('gof-seed') as HTMLInputElement).value)) || 0),
    bootstraps: 500,
  });
  const showGof = (r: GofResult) => {
    lastGof = r;
    const verdict = (p: number) =>
      `<span class="${p <= r.alpha ? 'reject' : 'accept'}">${p.toFixed(3)} (${p <= r.alpha ? 'reject' : 'accept'} H₀ at ${r.alpha})</span>`;
    $('gof-ksd-stat').textContent = r.ksd.statistic.toPrecision(4);
    $('gof-ksd-p').innerHTML = verdict(r.ksd.pValue);
    $('gof-sliced-stat').textContent = r.sliced.statistic.toPrecision(4);
    $('gof-sliced-p').innerHTML = verdict(r.sliced.pValue);
    const g = $('gof-readout');
    g.dataset.ksdP = String(r.ksd.pValue);
    g.dataset.ksdReject = String(r.ksd.reject);
    g.dataset.slicedP = String(r.sliced.pValue);
    drawHistogram($<HTMLCanvasElement>('gof-canvas'), r.ksd.bootstrap, r.ksd.statistic);
  };
  const doGof = (o: GofSettings) => {
    const r = runGof(svgd.target, o);
    showGof(r);
    return r;
  };
  $('gof-run').addEventListener('click', () => doGof(gofSettings()));

  // ---- amortized SVGD
  const amortized = new AmortizedPanel(s.seed);
  const aCanvas = $<HTMLCanvasElement>('amortized-canvas');
  const aView = view(aCanvas.width);
  const aCtx = aCanvas.getContext('2d') as CanvasRenderingContext2D;
  let aLastMetric = 0;
  let aDrawing = false;
  const drawAmortized = async () => {
    if (aDrawing) return;
    aDrawing = true;
    try {
      const samples = await amortized.samples(300, asyncReads);
      drawScene(aCtx, aView, svgd.paths, [
        { points: svgd.points, color: 'rgba(26, 86, 219, 0.55)' },
        { points: samples, color: '#e8710a' },
      ]);
      $('amortized-iter').textContent = String(amortized.state.iteration);
      if (performance.now() - aLastMetric > 500) {
        aLastMetric = performance.now();
        const exact = svgd.target.sample(300, 99);
        const x = tf.tensor2d(samples, [300, 2]);
        try {
          $('amortized-mmd').textContent = (await mmd2Value(x, exact, asyncReads)).toPrecision(4);
        } finally {
          tf.dispose([x, exact]);
        }
      }
    } finally {
      aDrawing = false;
    }
  };
  const trainBtn = $<HTMLButtonElement>('amortized-train');
  trainBtn.addEventListener('click', () => {
    amortized.running = !amortized.running;
    trainBtn.textContent = amortized.running ? 'stop' : 'train';
  });
  $('amortized-reset').addEventListener('click', () => {
    amortized.reset();
    aLastMetric = 0;
    drawAmortized().catch(fail);
  });

  // ---- SteinGAN digits
  const cls = $<HTMLSelectElement>('steingan-class');
  const theta = $<HTMLInputElement>('steingan-theta');
  const gSeed = $<HTMLInputElement>('steingan-seed');
  const gCanvas = $<HTMLCanvasElement>('steingan-canvas');
  let generator: WebGenerator | undefined;
  const grid = (label: number, seed: number, th: number): Promise<Float32Array> => {
    if (!generator) throw new Error('the SteinGAN generator has not loaded');
    const z = noiseAt(generator, 16, seed, th);
    const x = generate(generator, z, label);
    z.dispose();
    return readAndDispose(x, asyncReads);
  };
  let digitsBusy = false;
  const drawDigits = async () => {
    if (!generator || digitsBusy) return;
    digitsBusy = true;
    try {
      const px = await grid(Number(cls.value), Number(gSeed.value) || 0, Number(theta.value));
      drawGrid(gCanvas, px, 4, 4);
    } finally {
      digitsBusy = false;
    }
  };
  let walking = false;
  $('steingan-walk').addEventListener('click', () => {
    walking = !walking;
  });
  for (const el of [cls, theta, gSeed])
    el.addEventListener('input', () => {
      drawDigits().catch(fail);
    });
  let pageReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    pageReady = r;
  });
  const generatorLoaded = loadGenerator(new URL('steingan/', location.href).href).then(
    (g) => {
      generator = g;
      for (let c = 0; c < g.manifest.numClasses; c++) cls.add(new Option(String(c), String(c)));
      cls.value = '3';
      $('steingan-info').textContent =
        `lean generator from apps/steingan (${g.manifest.objective}, iteration ${g.manifest.iteration}, ξ ~ ${g.manifest.noise === 'uniform' ? 'U[−1, 1]' : 'N(0, 1)'}^${g.manifest.noiseDim}); θ moves ξ along a great circle through two seeded draws.`;
      return ready.then(drawDigits).catch(fail);
    },
    (e: unknown) => {
      $('steingan-info').textContent =
        `generator not available: ${e instanceof Error ? e.message : e}`;
    },
  );

  // ---- the loop
  // webgpu: each step waits for one read back (the bandwidth), drawing for another — several steps a frame
  const budget = asyncReads ? 200 : 14;
  const loop = () => {
    if (!svgd.busy) svgd.frame(amortized.running ? budget / 2 : budget);
    if (amortized.running) {
      const t0 = performance.now();
      do amortized.step(svgd.target);
      while (performance.now() - t0 < 8);
      drawAmortized().catch(fail);
    }
    if (walking && generator) {
      theta.value = String((Number(theta.value) + 0.02) % (2 * Math.PI));
      drawDigits().catch(fail);
    }
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);

  // ---- hooks for tests and scripts
  Object.assign(window, {
    playground: {
      backend: active,
      pause: () => setRunning(false),
      resume: () => setRunning(true),
      /** Steps taken, KSD² and MMD² measured now (after the frame in flight); #readout is refreshed. */
      measure: () => svgd.measure(),
      /** Particles after one SVGD step from the seeded start (n, seed), current settings; flat [x0, y0, …]. */
      firstStep: async (n: number, seed: number): Promise<number[]> => {
        const init = initialParticles(n, seed);
        const s0 = svgdInit(init);
        init.dispose();
        const settings = { ...svgd.settings, n, seed };
        const state = asyncReads
          ? await stepOnceAsync(s0, svgd.target, settings)
          : stepOnce(s0, svgd.target, settings);
        const out = Array.from(await readAndDispose(tf.clone(state.particles), asyncReads));
        svgdDispose(state);
        return out;
      },
      /** Milliseconds per step over `k` steps of the SVGD panel (the last one read back). */
      timeSteps: (k: number) => svgd.timeSteps(k),
      /** Milliseconds from navigation to each startup mark (backend, svgd, amortized, ready). */
      startup: () =>
        Object.fromEntries(
          performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)]),
        ),
      runGof: (o: GofSettings) => {
        ($('gof-shift') as HTMLInputElement).value = String(o.shift);
        ($('gof-n') as HTMLInputElement).value = String(o.n);
        ($('gof-seed') as HTMLInputElement).value = String(o.seed);
        const r = doGof(o);
        return { ksd: { ...r.ksd, bootstrap: undefined }, sliced: r.sliced };
      },
      lastGof: () => lastGof,
      steinganReady: () => generatorLoaded.then(() => Boolean(generator)),
      /** 16 images [16·784] in [0, 1] of class `label`; also drawn on the panel. */
      steinganGrid: async (label: number, seed: number, th = 0): Promise<number[]> => {
        cls.value = String(label);
        gSeed.value = String(seed);
        theta.value = String(th);
        const px = await grid(label, seed, th);
        drawGrid(gCanvas, px, 4, 4);
        return Array.from(px);
      },
      trainAmortized: async (iterations: number) => {
        for (let i = 0; i < iterations; i++) amortized.step(svgd.target);
        aLastMetric = 0;
        await drawAmortized();
        return amortized.state.iteration;
      },
    },
  });
  performance.mark('playground:ready');
  readout.dataset.ready = 'true';
  // the other panels draw after the SVGD panel is ready (on webgpu their first ops compile shaders)
  pageReady();
  await drawAmortized();
  performance.mark('playground:amortized');
}

main().catch(fail);
