/**
 * `--export-web DIR`: the trained conditional generator (lean MLP) as two small
 * files a web page loads — `generator.json` (architecture, shapes, offsets)
 * and `generator.bin` (weights as IEEE float16, little-endian, half the size
 * of float32; the generator's outputs move by < 1e-3). apps/playground ships them.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import { type Checkpoint, CheckpointError } from './checkpoint';

export const WEB_FORMAT = 'steinkit-generator-1';

export interface WebGeneratorManifest {
  format: typeof WEB_FORMAT;
  dtype: 'float16';
  weights: string;
  /** Bytes of `weights`. */
  byteLength: number;
  iteration: number;
  dataset: string;
  objective: string;
  noise: 'uniform' | 'normal';
  noiseDim: number;
  numClasses: number;
  outputShape: number[];
  /** Dense layers in order: input [ξ, onehot(y)]; relu between layers, sigmoid at the end. */
  layers: { W: { shape: number[]; offset: number }; b: { shape: number[]; offset: number } }[];
}

/** float32 → IEEE 754 half (round to nearest even; overflow → ±inf). */
export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let h = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && h & 1)) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
    if (h >= 0x7c00) h = 0x7c00;
    out[i] = sign | h;
  }
  return out;
}

/** Writes DIR/generator.json and DIR/generator.bin from a lean (MLP) SteinGAN checkpoint. */
export function exportWeb(
  ckpt: Checkpoint,
  dir: string,
): { manifest: WebGeneratorManifest; files: string[] } {
  const cfg = ckpt.config as Record<string, unknown>;
  if (cfg.arch !== 'lean')
    throw new CheckpointError(
      `--export-web: only the lean (MLP) generator can be exported, this checkpoint is arch '${String(cfg.arch)}'`,
    );
  const byName = new Map(ckpt.tensors.map((t) => [t.name, t]));
  const layers: WebGeneratorManifest['layers'] = [];
  const parts: Uint16Array[] = [];
  let offset = 0;
  for (let i = 0; byName.has(`generator/fc${i}/W`); i++) {
    const W = byName.get(`generator/fc${i}/W`);
    const b = byName.get(`generator/fc${i}/b`);
    if (!W || !b) throw new CheckpointError(`--export-web: generator/fc${i}/b is missing`);
    const entry = { W: { shape: W.shape, offset }, b: { shape: b.shape, offset: 0 } };
    parts.push(toFloat16(W.values));
    offset += W.values.length * 2;
    entry.b.offset = offset;
    parts.push(toFloat16(b.values));
    offset += b.values.length * 2;
    layers.push(entry);
  }
  if (!layers.length)
    throw new CheckpointError('--export-web: the checkpoint has no generator/fc0/W');
  const bytes = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  const noiseDim = Number(cfg.noiseDim ?? 100);
  const numClasses = Number(cfg.numClasses ?? 10);
  const manifest: WebGeneratorManifest = {
    format: WEB_FORMAT,
    dtype: 'float16',
    weights: 'generator.bin',
    byteLength: bytes.length,
    iteration: ckpt.iteration,
    dataset: String(cfg.dataset ?? 'mnist'),
    objective: String(cfg.objective ?? 'steingan'),
    noise: cfg.noise === 'normal' ? 'normal' : 'uniform',
    noiseDim,
    numClasses,
    outputShape: [28, 28, 1],
    layers,
  };
  if (layers[0].W.shape[0] !== noiseDim + numClasses)
    throw new CheckpointError(
      `--export-web: the first layer takes ${layers[0].W.shape[0]} inputs, expected noiseDim + numClasses = ${noiseDim + numClasses}`,
    );
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, 'generator.bin'), join(dir, 'generator.json')];
  writeFileAtomic(files[0], bytes);
  writeFileAtomic(files[1], `${JSON.stringify(manifest, null, 1)}\n`);
  return { manifest, files };
}
