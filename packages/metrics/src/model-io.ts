import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';

type Artifacts = tf.io.ModelArtifacts;

function toBuffer(w: Artifacts['weightData']): Uint8Array {
  if (w === undefined) return new Uint8Array(0);
  const parts = Array.isArray(w) ? w : [w];
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return out;
}

let tmpCounter = 0;

/**
 * Writes a file atomically (steinkit's one atomic writer): the bytes go to a
 * temp file in the same folder (created if missing), which is then renamed
 * over the target (rename is atomic on POSIX), so a reader never sees a
 * half-written file and a crash loses at most this write.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${tmpCounter++}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * A tfjs IOHandler that saves a model as `model.json` + `weights.bin` in `dir`
 * with node:fs (tfjs's own file:// handler lives in tfjs-node). Writes are
 * atomic (temp file + rename), weights first, so a present `model.json` always
 * has its weights. `metadata` is stored as `userDefinedMetadata` and read back.
 */
export function fileSystemIO(dir: string, metadata?: Record<string, unknown>): tf.io.IOHandler {
  const modelPath = join(dir, 'model.json');
  const weightsPath = join(dir, 'weights.bin');
  return {
    async save(artifacts: Artifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new TypeError('fileSystemIO: binary model topologies are not supported');
      }
      mkdirSync(dir, { recursive: true });
      const weights = toBuffer(artifacts.weightData);
      writeFileAtomic(weightsPath, weights);
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        trainingConfig: artifacts.trainingConfig,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: { ...(artifacts.userDefinedMetadata ?? {}), ...(metadata ?? {}) },
      };
      const text = JSON.stringify(json);
      writeFileAtomic(modelPath, text);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<Artifacts> {
      let json: {
        modelTopology: object;
        format?: string;
        generatedBy?: string;
        convertedBy?: string | null;
        trainingConfig?: tf.io.TrainingConfig;
        weightsManifest: tf.io.WeightsManifestConfig;
        userDefinedMetadata?: Record<string, unknown>;
      };
      try {
        json = JSON.parse(readFileSync(modelPath, 'utf8'));
      } catch (e) {
        throw new Error(`${modelPath}: cannot read model (${(e as Error).message})`);
      }
      if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new Error(
          `${modelPath}: not a tfjs layers model.json (no modelTopology/weightsManifest)`,
        );
      }
      const specs = json.weightsManifest.flatMap((g) => g.weights);
      const bytes = readFileSync(weightsPath);
      const expected = specs.reduce(
        (s, w) =>
          s +
          w.shape.reduce((a, b) => a * b, 1) *
            (w.dtype === 'float32' || w.dtype === 'int32' ? 4 : 1),
        0,
      );
      if (bytes.byteLength !== expected) {
        throw new Error(
          `${weightsPath}: ${bytes.byteLength} bytes, the manifest needs ${expected} (truncated or stale)`,
        );
      }
      const weightData = bytes.buffer.slice(
        bytes.byteOffset,
        bytes.byteOffset + bytes.byteLength,
      ) as ArrayBuffer;
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        trainingConfig: json.trainingConfig,
        weightSpecs: specs,
        weightData,
        userDefinedMetadata: json.userDefinedMetadata as Artifacts['userDefinedMetadata'],
      };
    },
  };
}

/** Reads the `userDefinedMetadata` of a saved model, or undefined when absent/unreadable. */
export function readModelMetadata(dir: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).userDefinedMetadata;
  } catch {
    return undefined;
  }
}
