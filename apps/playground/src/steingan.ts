/**
 * Panel 4: SteinGAN digits. The conditional generator trained by apps/steingan
 * (lean preset) and exported with `--export-web` (generator.json + float16
 * generator.bin) is rebuilt from its weights: x = f(η; [ξ, onehot(y)]), relu
 * MLP with a sigmoid output. Pick a class, see a grid, move through noise space
 * (ξ on the great circle through two seeded draws).
 */
import { createRng } from '@steinkit/core';
import { unpackWebGenerator, type WebGeneratorManifest } from '@steinkit/steingan/web-format';
import * as tf from '@tensorflow/tfjs-core';

export interface WebGenerator {
  manifest: WebGeneratorManifest;
  weights: { W: tf.Tensor2D; b: tf.Tensor1D }[];
}

/** Fetches `generator.json` + `generator.bin` and decodes them with apps/steingan's format module. */
export async function loadGenerator(base: string): Promise<WebGenerator> {
  const res = await fetch(`${base}generator.json`);
  if (!res.ok) throw new Error(`${base}generator.json: HTTP ${res.status}`);
  const json: unknown = await res.json();
  const bin = await fetch(`${base}generator.bin`);
  if (!bin.ok) throw new Error(`${base}generator.bin: HTTP ${bin.status}`);
  const { manifest, layers } = unpackWebGenerator(json, await bin.arrayBuffer());
  const weights = layers.map((l) => ({
    W: tf.tensor2d(l.W.values, l.W.shape as [number, number]),
    b: tf.tensor1d(l.b.values),
  }));
  return { manifest, weights };
}

/** ξ for `count` cells at angle θ on the great circle through two seeded draws. */
export function noiseAt(g: WebGenerator, count: number, seed: number, theta: number): tf.Tensor2D {
  return tf.tidy(() => {
    const rng = createRng(seed);
    const d = g.manifest.noiseDim;
    const draw = () =>
      g.manifest.noise === 'normal' ? rng.normal([count, d]) : rng.uniform([count, d], -1, 1);
    const a = draw();
    const b = draw();
    // cos θ·a + sin θ·b keeps the norm of uniform/normal draws roughly constant
    const z = tf.add(tf.mul(Math.cos(theta), a), tf.mul(Math.sin(theta), b));
    return (g.manifest.noise === 'uniform' ? tf.clipByValue(z, -1, 1) : z) as tf.Tensor2D;
  });
}

/** Images `[count, 784]` in [0, 1] of class `label`. */
export function generate(g: WebGenerator, noise: tf.Tensor2D, label: number): tf.Tensor2D {
  return tf.tidy(() => {
    const n = noise.shape[0];
    const y = tf.oneHot(tf.fill([n], label, 'int32') as tf.Tensor1D, g.manifest.numClasses);
    let h = tf.concat([noise, tf.cast(y, 'float32')], 1) as tf.Tensor2D;
    g.weights.forEach((l, i) => {
      h = tf.add(tf.matMul(h, l.W), l.b) as tf.Tensor2D;
      h = (i < g.weights.length - 1 ? tf.relu(h) : tf.sigmoid(h)) as tf.Tensor2D;
    });
    return h;
  });
}

/** Draws `cols`×`rows` 28×28 images at `scale` px per pixel. */
export function drawGrid(
  canvas: HTMLCanvasElement,
  pixels: ArrayLike<number>,
  cols: number,
  rows: number,
): void {
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const img = ctx.createImageData(cols * 28, rows * 28);
  for (let k = 0; k < cols * rows; k++) {
    const ox = (k % cols) * 28;
    const oy = Math.floor(k / cols) * 28;
    for (let i = 0; i < 28; i++)
      for (let j = 0; j < 28; j++) {
        const v = 255 - Math.round(255 * pixels[k * 784 + i * 28 + j]);
        const at = 4 * ((oy + i) * cols * 28 + ox + j);
        img.data[at] = img.data[at + 1] = img.data[at + 2] = v;
        img.data[at + 3] = 255;
      }
  }
  const off = new OffscreenCanvas(cols * 28, rows * 28);
  (off.getContext('2d') as OffscreenCanvasRenderingContext2D).putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}
