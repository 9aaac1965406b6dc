/**
 * Panel 1: SVGD (eq. 7 of the SteinGAN paper, the svgdInit/svgdStep stepper of
 * @steinkit/stein-estimators) on a 2-D target, animated over its density
 * contours, with live KSD (U-statistic) and MMD² to exact target samples.
 */

import { createRng, type Kernel } from '@steinkit/core';
import type { Target } from '@steinkit/energy-models';
import {
  type Bandwidth,
  imq,
  rbf,
  resolveBandwidthAsync,
  STEINGAN_MEDIAN,
  SVGD_MEDIAN,
} from '@steinkit/kernels';
import { mmd2 } from '@steinkit/metrics';
import { ksd, type SvgdState, svgdDispose, svgdInit, svgdStep } from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';
import {
  contourPaths,
  DEFAULT_MEANS,
  drawScene,
  MAX_MEANS,
  makeTarget,
  TARGETS,
  type TargetName,
  view,
} from './targets';

export const BANDWIDTHS: Record<string, { label: string; value: Bandwidth }> = {
  svgd: { label: 'SVGD: h² = med(r²)/log(n+1)', value: SVGD_MEDIAN },
  median: { label: 'median: h = med(r)', value: { kind: 'median' } },
  steingan: { label: 'SteinGAN: h = 0.5·med(r)', value: STEINGAN_MEDIAN },
  fixed: { label: 'fixed h = 1', value: 1 },
};

export interface SvgdSettings {
  target: TargetName;
  n: number;
  stepSize: number;
  kernel: 'rbf' | 'imq';
  bandwidth: keyof typeof BANDWIDTHS;
  seed: number;
}

/** The panel's kernel; `h`: its bandwidth already resolved (by {@link resolveBandwidthAsync}). */
export function kernelOf(s: Pick<SvgdSettings, 'kernel' | 'bandwidth'>, h?: number): Kernel {
  const b = h ?? BANDWIDTHS[s.bandwidth].value;
  return s.kernel === 'imq' ? imq({ c: b }) : rbf({ bandwidth: b });
}

/**
 * The panel's kernel with its bandwidth resolved on `x` without a synchronous
 * read: the h the kernel would resolve itself inside svgdStep/ksd (same
 * median), so one step equals {@link stepOnce}'s. For webgpu, whose
 * synchronous reads go through a canvas (slow; broken in headless Chromium on
 * SwiftShader). `x` is cloned for the read, so the caller may dispose it meanwhile.
 */
export async function kernelResolved(
  s: Pick<SvgdSettings, 'kernel' | 'bandwidth'>,
  x: tf.Tensor2D,
): Promise<Kernel> {
  const b = BANDWIDTHS[s.bandwidth].value;
  if (typeof b === 'number') return kernelOf(s);
  const xc = tf.clone(x);
  try {
    return kernelOf(s, await resolveBandwidthAsync(b, xc));
  } finally {
    xc.dispose();
  }
}

/** Reads a tensor's values: `dataSync` where synchronous reads are cheap, `await data()` otherwise; disposes it. */
export async function readAndDispose(t: tf.Tensor, asyncReads: boolean): Promise<Float32Array> {
  try {
    return (asyncReads ? await t.data() : t.dataSync()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/**
 * MMD² (unbiased; RBF with the median bandwidth on x ∪ y, `mmd2`'s default) as
 * a number. With `asyncReads` the bandwidth is resolved by
 * `resolveBandwidthAsync` (the same h) and handed to `mmd2` as a fixed kernel.
 */
export async function mmd2Value(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  asyncReads: boolean,
): Promise<number> {
  if (!asyncReads) return (await readAndDispose(mmd2(x, y), false))[0];
  const xy = tf.concat([x, y], 0) as tf.Tensor2D;
  let h: number;
  try {
    h = await resolveBandwidthAsync({ kind: 'median' }, xy);
  } finally {
    xy.dispose();
  }
  return (await readAndDispose(mmd2(x, y, { kernel: rbf({ bandwidth: h }) }), true))[0];
}

/**
 * Initial particles: N((0, 0), 2.5² I), seeded — wide enough to cover the
 * modes (from a narrow start SVGD with the median bandwidth settles on wrong
 * mode weights: MMD² 0.021 vs ≈ 0 at n = 100 on the default mixture).
 */
export function initialParticles(n: number, seed: number): tf.Tensor2D {
  return createRng(seed).normal([n, 2], 0, 2.5) as tf.Tensor2D;
}

/** svgdStep returns the next state (or `{ state, info }` in the stepper convention); the state either way. */
function nextState(r: unknown): SvgdState {
  const o = r as { state?: SvgdState };
  return o.state && 'particles' in o.state ? o.state : (r as SvgdState);
}

export function stepOnce(
  state: SvgdState,
  target: Target,
  s: SvgdSettings,
  kernel: Kernel = kernelOf(s),
): SvgdState {
  return nextState(svgdStep(state, { score: target.score, kernel, stepSize: s.stepSize }));
}

/** {@link stepOnce} with the bandwidth resolved by an asynchronous read (webgpu). */
export async function stepOnceAsync(
  state: SvgdState,
  target: Target,
  s: SvgdSettings,
): Promise<SvgdState> {
  return stepOnce(state, target, s, await kernelResolved(s, state.particles));
}

export interface SvgdReadout {
  step: number;
  ksd?: number;
  mmd?: number;
  stepsPerSecond?: number;
}

/**
 * The SVGD panel. Everything that touches its state (steps, metrics, reset,
 * target) runs in order through one queue, so an asynchronous read (webgpu)
 * never sees particles that a reset disposed meanwhile. With `asyncReads`
 * (webgpu) no synchronous read happens: the bandwidth is resolved by
 * `resolveBandwidthAsync` before each step and values come back by `await data()`.
 */
export class SvgdPanel {
  settings: SvgdSettings;
  means = DEFAULT_MEANS.map((m) => [...m]);
  target!: Target;
  running = true;
  private state?: SvgdState;
  private exact?: tf.Tensor2D;
  /** The target's density contours on the canvas. */
  paths: Path2D[] = [];
  private readonly v;
  private readonly ctx: CanvasRenderingContext2D;
  private lastMetrics = 0;
  private rate: { t: number; step: number }[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  /** Set when queued work threw (reported once through onError); frames stop until a reset. */
  failed = false;
  /** Particles as last drawn, flat [x0, y0, …]. */
  points: Float32Array = new Float32Array(0);
  private drawnStep = -1;
  readout: SvgdReadout = { step: 0 };

  constructor(
    private readonly canvas: HTMLCanvasElement,
    settings: SvgdSettings,
    private readonly onReadout: (r: SvgdReadout) => void,
    readonly asyncReads = false,
    private readonly onError: (e: unknown) => void = (e) => console.error(e),
  ) {
    this.settings = settings;
    this.v = view(canvas.width);
    this.ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    canvas.addEventListener('click', (e) => this.place(e));
    this.setTarget(settings.target);
  }

  get particles(): tf.Tensor2D | undefined {
    return this.state?.particles;
  }

  /** True while queued work (a frame, a reset, a measurement) has not finished. */
  get busy(): boolean {
    return this.pending > 0;
  }

  /**
   * Runs `f` after everything queued before it. An error is reported once
   * through onError, pauses the panel and stops its frames until a reset; the
   * returned promise rejects with it.
   */
  run<T>(f: () => T | Promise<T>): Promise<T> {
    this.pending++;
    const r = this.queue.then(f).finally(() => {
      this.pending--;
    });
    this.queue = r.catch((e: unknown) => {
      this.failed = true;
      this.running = false;
      this.onError(e);
    });
    return r;
  }

  /** {@link run} for the UI: the error (already reported) is not rethrown. */
  private fire(f: () => void | Promise<void>): Promise<void> {
    return this.run(f).catch(() => undefined);
  }

  /** A click adds a mixture mean there (the oldest beyond MAX_MEANS goes). */
  private place(e: MouseEvent): void {
    if (this.settings.target !== 'mixture') return;
    const r = this.canvas.getBoundingClientRect();
    const scale = this.canvas.width / r.width;
    const [x, y] = this.v.toWorld((e.clientX - r.left) * scale, (e.clientY - r.top) * scale);
    this.means.push([Number(x.toFixed(2)), Number(y.toFixed(2))]);
    if (this.means.length > MAX_MEANS) this.means.shift();
    this.setTarget('mixture');
  }

  setTarget(name: TargetName): Promise<void> {
    if (!(TARGETS as readonly string[]).includes(name))
      throw new TypeError(`target: expected one of ${TARGETS.join(', ')}, got '${name}'`);
    return this.fire(async () => {
      this.settings.target = name;
      this.target = makeTarget(name, this.means);
      this.exact?.dispose();
      this.exact = this.target.sample(this.settings.n, this.settings.seed + 1_000_003);
      this.lastMetrics = 0;
      this.paths = await contourPaths(this.target, this.v, this.asyncReads);
      this.drawnStep = -1;
      if (!this.state) await this.resetNow();
      else await this.draw();
    });
  }

  resetMeans(): Promise<void> {
    this.means = DEFAULT_MEANS.map((m) => [...m]);
    return this.setTarget(this.settings.target);
  }

  reset(): Promise<void> {
    return this.fire(() => {
      this.failed = false;
      return this.resetNow();
    });
  }

  private async resetNow(): Promise<void> {
    if (this.state) svgdDispose(this.state);
    const init = initialParticles(this.settings.n, this.settings.seed);
    this.state = svgdInit(init);
    init.dispose();
    if (this.exact?.shape[0] !== this.settings.n) {
      this.exact?.dispose();
      this.exact = this.target.sample(this.settings.n, this.settings.seed + 1_000_003);
    }
    this.rate = [];
    this.readout = { step: 0 };
    this.drawnStep = -1;
    await this.measureNow();
    this.lastMetrics = performance.now();
    await this.draw();
    this.onReadout(this.readout);
  }

  private async stepNow(): Promise<void> {
    if (!this.state) return;
    this.state = this.asyncReads
      ? await stepOnceAsync(this.state, this.target, this.settings)
      : stepOnce(this.state, this.target, this.settings);
    this.readout.step = this.state.step;
  }

  /** One step (queued). */
  step(): Promise<void> {
    return this.fire(() => this.stepNow());
  }

  /** Milliseconds per step over `k` steps (queued; the last one read back, so GPU work is counted). */
  timeSteps(k: number): Promise<number> {
    return this.run(async () => {
      const t0 = performance.now();
      for (let i = 0; i < k; i++) await this.stepNow();
      if (this.state) await readAndDispose(tf.clone(this.state.particles), this.asyncReads);
      return (performance.now() - t0) / k;
    });
  }

  /** KSD² (U) with the panel's kernel and MMD² (unbiased, median RBF) to n exact samples (queued). */
  measure(): Promise<SvgdReadout> {
    return this.run(async () => {
      await this.measureNow();
      this.lastMetrics = performance.now();
      await this.draw();
      this.onReadout(this.readout);
      return { ...this.readout };
    });
  }

  private async measureNow(): Promise<void> {
    if (!this.state || !this.exact) return;
    const x = this.state.particles;
    const kernel = this.asyncReads
      ? await kernelResolved(this.settings, x)
      : kernelOf(this.settings);
    const k = tf.tidy(() => ksd(x, this.target.score, kernel));
    this.readout.ksd = (await readAndDispose(k, this.asyncReads))[0];
    this.readout.mmd = await mmd2Value(x, this.exact, this.asyncReads);
  }

  /** Redraws when the particles moved since the last draw. */
  private async draw(): Promise<void> {
    if (this.state && this.drawnStep !== this.state.step) {
      this.points = await readAndDispose(tf.clone(this.state.particles), this.asyncReads);
      this.drawnStep = this.state.step;
    }
    const marks = this.settings.target === 'mixture' ? this.means : [];
    drawScene(this.ctx, this.v, this.paths, [{ points: this.points, color: '#1a56db' }], marks);
  }

  /**
   * One animation frame (queued): steps for ~`budgetMs` while running, metrics
   * every second, then a redraw.
   */
  frame(budgetMs = 14): Promise<void> {
    if (this.failed) return Promise.resolve();
    return this.fire(async () => {
      if (this.running && this.state) {
        const t0 = performance.now();
        do await this.stepNow();
        while (performance.now() - t0 < budgetMs);
      }
      const now = performance.now();
      this.rate.push({ t: now, step: this.readout.step });
      while (this.rate.length > 2 && now - this.rate[0].t > 2000) this.rate.shift();
      const first = this.rate[0];
      if (this.running && now - first.t > 400)
        this.readout.stepsPerSecond = ((this.readout.step - first.step) * 1000) / (now - first.t);
      if (now - this.lastMetrics > 1000) {
        await this.measureNow();
        this.lastMetrics = performance.now();
      }
      await this.draw();
      this.onReadout(this.readout);
    });
  }
}
