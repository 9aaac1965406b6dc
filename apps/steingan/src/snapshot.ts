/** TrainerState ↔ Checkpoint: networks, optimizer state, iteration, RNG state. */
import * as tf from '@tensorflow/tfjs-core';
import { type Checkpoint, CheckpointError, type SavedTensor } from './checkpoint';
import { RESUME_KEYS } from './config';
import { resumeAt, type TrainerState } from './train';

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

function namedVariables(s: TrainerState): { name: string; variable: tf.Variable }[] {
  const energy = s.energy.save().weights.map((w, i) => ({
    name: `energy/${w.name}`,
    variable: s.energy.trainableVariables[i],
  }));
  return [
    ...s.net.named.map((n) => ({ name: `generator/${n.name}`, variable: n.variable })),
    ...energy,
  ];
}

async function optimizerTensors(
  opt: tf.AdamOptimizer,
  prefix: string,
  scalars: Record<string, number>,
): Promise<SavedTensor[]> {
  const weights = await opt.getWeights();
  const out: SavedTensor[] = [];
  for (const [i, w] of weights.entries()) {
    if (i === 0) scalars[`${prefix}/iterations`] = (await w.tensor.data())[0];
    else
      out.push({
        name: `${prefix}/slot${i - 1}`,
        shape: [...w.tensor.shape],
        values: Float32Array.from(await w.tensor.data()),
      });
  }
  // getWeights returns the live accumulators (and a fresh 'iter' scalar): free only the scalar.
  weights[0]?.tensor.dispose();
  const adam = opt as unknown as AdamInternals;
  scalars[`${prefix}/accBeta1`] = adam.accBeta1.dataSync()[0];
  scalars[`${prefix}/accBeta2`] = adam.accBeta2.dataSync()[0];
  return out;
}

/** A checkpoint of everything `--resume` needs. */
export async function snapshot(s: TrainerState): Promise<Checkpoint> {
  const scalars: Record<string, number> = {};
  const tensors: SavedTensor[] = namedVariables(s).map(({ name, variable }) => ({
    name,
    shape: [...variable.shape],
    values: Float32Array.from(variable.dataSync()),
  }));
  tensors.push(...(await optimizerTensors(s.optG, 'optG', scalars)));
  tensors.push(...(await optimizerTensors(s.optE, 'optE', scalars)));
  return {
    iteration: s.iteration,
    rng: { seed: s.config.seed, iteration: s.iteration },
    config: s.config as unknown as Record<string, unknown>,
    scalars,
    tensors,
  };
}

async function restoreOptimizer(
  opt: tf.AdamOptimizer,
  prefix: string,
  ckpt: Checkpoint,
  byName: Map<string, SavedTensor>,
): Promise<void> {
  const slots = ckpt.tensors.filter((t) => t.name.startsWith(`${prefix}/slot`));
  const iterations = ckpt.scalars[`${prefix}/iterations`] ?? 0;
  const weights: { name: string; tensor: tf.Tensor }[] = [
    { name: 'iter', tensor: tf.scalar(iterations, 'int32') },
  ];
  slots.forEach((t, i) => {
    const saved = byName.get(`${prefix}/slot${i}`);
    if (!saved) throw new CheckpointError(`checkpoint lacks ${prefix}/slot${i}`);
    weights.push({ name: t.name, tensor: tf.tensor(saved.values, saved.shape) });
  });
  await opt.setWeights(weights);
  tf.dispose(weights.map((w) => w.tensor));
  const adam = opt as unknown as AdamInternals;
  // setWeights recomputes β^(t+1) with pow; restore the exact running products.
  for (const k of ['accBeta1', 'accBeta2'] as const) {
    const v = ckpt.scalars[`${prefix}/${k}`];
    if (v !== undefined) {
      const t = tf.scalar(v);
      adam[k].assign(t);
      t.dispose();
    }
  }
}

/** Loads a checkpoint into freshly built state; a mismatch or missing tensor is a CheckpointError. */
export async function restore(
  s: TrainerState,
  ckpt: Checkpoint,
  path = 'checkpoint',
): Promise<void> {
  for (const k of RESUME_KEYS) {
    const a = JSON.stringify(ckpt.config[k]);
    const b = JSON.stringify(s.config[k]);
    if (a !== b)
      throw new CheckpointError(
        `${path} was written with ${k}=${a} but this run has ${k}=${b}; use the same settings (or another --out) to resume`,
      );
  }
  const byName = new Map(ckpt.tensors.map((t) => [t.name, t]));
  for (const { name, variable } of namedVariables(s)) {
    const t = byName.get(name);
    if (!t) throw new CheckpointError(`${path} lacks tensor ${name}`);
    if (t.shape.join(',') !== variable.shape.join(','))
      throw new CheckpointError(
        `${path}: tensor ${name} has shape [${t.shape}], the model expects [${variable.shape}]`,
      );
    if (!t.values.every(Number.isFinite))
      throw new CheckpointError(`${path}: tensor ${name} holds non-finite values`);
  }
  for (const { name, variable } of namedVariables(s)) {
    const t = byName.get(name)!;
    const v = tf.tensor(t.values, t.shape);
    variable.assign(v);
    v.dispose();
  }
  await restoreOptimizer(s.optG, 'optG', ckpt, byName);
  await restoreOptimizer(s.optE, 'optE', ckpt, byName);
  resumeAt(s, ckpt.iteration);
}
