/**
 * `--export-web DIR`: the trained conditional generator (lean MLP) as two small
 * files a web page loads — `generator.json` (architecture, shapes, offsets)
 * and `generator.bin` (weights as IEEE float16, little-endian, half the size
 * of float32; the generator's outputs move by < 1e-3). apps/playground ships them
 * and reads them with the same format module (src/web-format.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@steinkit/metrics/reference';
import { type Checkpoint, CheckpointError } from './checkpoint';
import {
  packWebLayers,
  WEB_FORMAT,
  type WebDenseLayer,
  type WebGeneratorManifest,
} from './web-format';

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
  const dense: WebDenseLayer[] = [];
  for (let i = 0; byName.has(`generator/fc${i}/W`); i++) {
    const W = byName.get(`generator/fc${i}/W`);
    const b = byName.get(`generator/fc${i}/b`);
    if (!W || !b) throw new CheckpointError(`--export-web: generator/fc${i}/b is missing`);
    dense.push({ W, b });
  }
  if (!dense.length)
    throw new CheckpointError('--export-web: the checkpoint has no generator/fc0/W');
  const { entries: layers, bytes } = packWebLayers(dense);
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
