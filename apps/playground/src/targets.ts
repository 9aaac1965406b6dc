/** The 2-D targets (from @steinkit/energy-models: exact samples, log-densities and scores) and their density contours on a canvas. */
import { banana, gaussianMixture, gaussianRing, type Target } from '@steinkit/energy-models';
import * as tf from '@tensorflow/tfjs-core';
import { contours } from 'd3-contour';

export const TARGETS = ['mixture', 'banana', 'ring'] as const;
export type TargetName = (typeof TARGETS)[number];

/** The mixture's default means; a click on the SVGD canvas adds one. */
export const DEFAULT_MEANS: number[][] = [
  [-2, -1],
  [2, -1],
  [0, 2],
];
export const MAX_MEANS = 8;

export function makeTarget(name: TargetName, means: number[][] = DEFAULT_MEANS): Target {
  if (name === 'banana') return banana({ a: 1.2, b: 0.5 });
  if (name === 'ring') return gaussianRing({ modes: 6, radius: 2.5, std: 0.4 });
  return gaussianMixture({ means, std: 0.6 });
}

/** World box shown on every canvas: [-L, L]². */
export const VIEW = 4.5;

export interface View {
  size: number;
  toPx(x: number, y: number): [number, number];
  toWorld(px: number, py: number): [number, number];
}

export function view(size: number): View {
  const s = size / (2 * VIEW);
  return {
    size,
    toPx: (x, y) => [(x + VIEW) * s, (VIEW - y) * s],
    toWorld: (px, py) => [px / s - VIEW, VIEW - py / s],
  };
}

const GRID = 90;

/** Density contours of `target` as canvas paths (computed once per target); `asyncReads`: read the grid by `await data()` (webgpu). */
export async function contourPaths(target: Target, v: View, asyncReads = false): Promise<Path2D[]> {
  const density = tf.tidy(() => {
    const c = tf.linspace(-VIEW, VIEW, GRID);
    const xs = tf.tile(tf.reshape(c, [1, GRID]), [GRID, 1]); // row i: y index, col j: x
    const ys = tf.tile(tf.reshape(tf.reverse(c), [GRID, 1]), [1, GRID]);
    const pts = tf.stack([tf.reshape(xs, [-1]), tf.reshape(ys, [-1])], 1) as tf.Tensor2D;
    return tf.exp(target.logProb(pts));
  });
  let values: number[];
  try {
    values = Array.from(asyncReads ? await density.data() : density.dataSync());
  } finally {
    density.dispose();
  }
  const max = Math.max(...values);
  const levels = [0.03, 0.1, 0.25, 0.45, 0.7, 0.9].map((f) => f * max);
  const cell = v.size / (GRID - 1);
  return contours()
    .size([GRID, GRID])
    .thresholds(levels)(values)
    .map((mp) => {
      const path = new Path2D();
      for (const polygon of mp.coordinates)
        for (const ring of polygon) {
          ring.forEach(([gx, gy], i) => {
            const [px, py] = [(gx - 0.5) * cell, (gy - 0.5) * cell];
            if (i === 0) path.moveTo(px, py);
            else path.lineTo(px, py);
          });
          path.closePath();
        }
      return path;
    });
}

/** Contours, then points (flat [x0, y0, x1, y1, …]) in `color`. */
export function drawScene(
  ctx: CanvasRenderingContext2D,
  v: View,
  paths: Path2D[],
  layers: { points: ArrayLike<number>; color: string }[],
  marks: number[][] = [],
): void {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, v.size, v.size);
  paths.forEach((p, i) => {
    ctx.fillStyle = `rgba(70, 110, 200, ${0.06 + 0.03 * i})`;
    ctx.fill(p);
    ctx.strokeStyle = 'rgba(50, 80, 160, 0.55)';
    ctx.lineWidth = 1;
    ctx.stroke(p);
  });
  for (const { points, color } of layers) {
    ctx.fillStyle = color;
    for (let i = 0; i + 1 < points.length; i += 2) {
      const [px, py] = v.toPx(points[i], points[i + 1]);
      ctx.beginPath();
      ctx.arc(px, py, 2.2, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  ctx.strokeStyle = '#c33';
  ctx.lineWidth = 2;
  for (const [x, y] of marks) {
    const [px, py] = v.toPx(x, y);
    ctx.beginPath();
    ctx.moveTo(px - 5, py - 5);
    ctx.lineTo(px + 5, py + 5);
    ctx.moveTo(px + 5, py - 5);
    ctx.lineTo(px - 5, py + 5);
    ctx.stroke();
  }
}
