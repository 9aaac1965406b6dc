/**
 * Panel 1: SVGD (eq. 7 of the SteinGAN paper, the svgdInit/svgdStep stepper of
 * @steinkit/stein-estimators) on a 2-D target, animated over its density
 * contours, with live KSD (U-statistic) and MMD² to exact target samples.
 */

import { createRng, type Kernel } from '@steinkit/core';
import type { Target } from '@steinkit/energy-models';
import { type Bandwidth, imq, rbf, STEINGAN_MEDIAN, SVGD_MEDIAN } from '@steinkit/kernels';
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

export function kernelOf(s: Pick<SvgdSettings, 'kernel' | 'bandwidth'>): Kernel {
  const b = BANDWIDTHS[s.bandwidth].value;
  return s.kernel === 'imq' ? imq({ c: b }) : rbf({ bandwidth: b });
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

export function stepOnce(state: SvgdState, target: Target, s: SvgdSettings): SvgdState {
  return nextState(
    svgdStep(state, { score: target.score, kernel: kernelOf(s), stepSize: s.stepSize }),
  );
}

export interface SvgdReadout {
  step: number;
  ksd?: number;
  mmd?: number;
  stepsPerSecond?: number;
}

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
  readout: SvgdReadout = { step: 0 };

  constructor(
    private readonly canvas: HTMLCanvasElement,
    settings: SvgdSettings,
    private readonly onReadout: (r: SvgdReadout) => void,
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

  setTarget(name: TargetName): void {
    if (!(TARGETS as readonly string[]).includes(name))
      throw new TypeError(`target: expected one of ${TARGETS.join(', ')}, got '${name}'`);
    this.settings.target = name;
    this.target = makeTarget(name, this.means);
    this.paths = contourPaths(this.target, this.v);
    this.exact?.dispose();
    this.exact = this.target.sample(this.settings.n, this.settings.seed + 1_000_003);
    this.lastMetrics = 0;
    if (!this.state) this.reset();
    else this.draw();
  }

  resetMeans(): void {
    this.means = DEFAULT_MEANS.map((m) => [...m]);
    this.setTarget(this.settings.target);
  }

  reset(): void {
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
    this.lastMetrics = 0;
    this.measure();
    this.draw();
  }

  step(): void {
    if (!this.state) return;
    this.state = stepOnce(this.state, this.target, this.settings);
    this.readout.step = this.state.step;
  }

  /** KSD² (U) with the panel's kernel and MMD² (unbiased, median RBF) to n exact samples. */
  measure(): void {
    if (!this.state || !this.exact) return;
    const x = this.state.particles;
    const k = tf.tidy(() => ksd(x, this.target.score, kernelOf(this.settings)));
    const m = mmd2(x, this.exact);
    this.readout.ksd = k.dataSync()[0];
    this.readout.mmd = m.dataSync()[0];
    tf.dispose([k, m]);
  }

  draw(): void {
    const pts = this.state ? this.state.particles.dataSync() : [];
    const marks = this.settings.target === 'mixture' ? this.means : [];
    drawScene(this.ctx, this.v, this.paths, [{ points: pts, color: '#1a56db' }], marks);
  }

  /** One animation frame: steps for ~`budgetMs`, metrics every second, then a redraw. */
  frame(budgetMs = 14): void {
    if (this.running && this.state) {
      const t0 = performance.now();
      do this.step();
      while (performance.now() - t0 < budgetMs);
      this.readout.step = this.state.step;
    }
    const now = performance.now();
    this.rate.push({ t: now, step: this.readout.step });
    while (this.rate.length > 2 && now - this.rate[0].t > 2000) this.rate.shift();
    const first = this.rate[0];
    if (this.running && now - first.t > 400)
      this.readout.stepsPerSecond = ((this.readout.step - first.step) * 1000) / (now - first.t);
    if (now - this.lastMetrics > 1000) {
      this.measure();
      this.lastMetrics = performance.now();
    }
    this.draw();
    this.onReadout(this.readout);
  }
}
