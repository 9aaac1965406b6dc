import * as tf from '@tensorflow/tfjs-core';

/** One named weight tensor as plain JSON: row-major values. */
export interface WeightEntry {
  name: string;
  shape: number[];
  values: number[];
}

/**
 * A JSON-able snapshot of a model: which model, the config that rebuilds its
 * architecture, and every weight. Write it with `JSON.stringify` (atomically:
 * temp file + rename) and restore it with the model's `load`.
 */
export interface WeightsRecord {
  format: 'steinkit.weights.v1';
  model: string;
  config: Record<string, unknown>;
  weights: WeightEntry[];
}

/** Reads variables into a {@link WeightsRecord} (syncs). */
export function toWeightsRecord(
  model: string,
  config: Record<string, unknown>,
  named: ReadonlyArray<{ name: string; variable: tf.Variable }>,
): WeightsRecord {
  return {
    format: 'steinkit.weights.v1',
    model,
    config: JSON.parse(JSON.stringify(config)),
    weights: named.map(({ name, variable }) => ({
      name,
      shape: [...variable.shape],
      values: Array.from(variable.dataSync()),
    })),
  };
}

/**
 * Assigns a {@link WeightsRecord} to variables, checking the model name, every
 * name and shape, and that all values are finite — a corrupt or mismatched
 * record throws a TypeError/RangeError and leaves the variables untouched.
 */
export function assignWeightsRecord(
  record: unknown,
  model: string,
  named: ReadonlyArray<{ name: string; variable: tf.Variable }>,
): void {
  const r = record as WeightsRecord;
  if (r == null || typeof r !== 'object' || r.format !== 'steinkit.weights.v1') {
    throw new TypeError(`record: expected a steinkit.weights.v1 record, got ${describe(record)}`);
  }
  if (r.model !== model) {
    throw new TypeError(`record: expected weights of model '${model}', got '${String(r.model)}'`);
  }
  if (!Array.isArray(r.weights) || r.weights.length !== named.length) {
    throw new RangeError(
      `record.weights: expected ${named.length} entries, got ${Array.isArray(r.weights) ? r.weights.length : describe(r.weights)}`,
    );
  }
  const byName = new Map(r.weights.map((w) => [w?.name, w]));
  const checked = named.map(({ name, variable }) => {
    const w = byName.get(name);
    if (!w) throw new RangeError(`record.weights: missing weight '${name}'`);
    const shape = variable.shape;
    const size = shape.reduce((a, b) => a * b, 1);
    if (
      !Array.isArray(w.shape) ||
      w.shape.length !== shape.length ||
      w.shape.some((s, i) => s !== shape[i])
    ) {
      throw new RangeError(
        `record.weights['${name}']: expected shape [${shape.join(', ')}], got ${JSON.stringify(w.shape)}`,
      );
    }
    if (!Array.isArray(w.values) || w.values.length !== size) {
      throw new RangeError(
        `record.weights['${name}']: expected ${size} values, got ${Array.isArray(w.values) ? w.values.length : describe(w.values)}`,
      );
    }
    for (let i = 0; i < w.values.length; i++) {
      if (typeof w.values[i] !== 'number' || !Number.isFinite(w.values[i])) {
        throw new RangeError(
          `record.weights['${name}']: expected finite values, found ${String(w.values[i])} at index ${i}`,
        );
      }
    }
    return { variable, w };
  });
  for (const { variable, w } of checked) {
    tf.tidy(() => variable.assign(tf.tensor(w.values, variable.shape, 'float32')));
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}
