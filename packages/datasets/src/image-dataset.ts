import * as tf from '@tensorflow/tfjs-core';

/**
 * An in-memory labelled image set: float32 pixels in [0, 1], NHWC row-major,
 * and int32 labels. Tensors are made from it per request (`imageTensors`,
 * `batches`), so holding a dataset costs no tensor memory.
 */
export interface ImageDataset {
  /** A short name, e.g. `mnist/train`. */
  readonly name: string;
  /** Number of images. */
  readonly size: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses: number;
  /** `size · height · width · channels` floats in [0, 1], NHWC order. */
  readonly images: Float32Array;
  /** `size` labels in [0, numClasses). */
  readonly labels: Int32Array;
  /** Class names, when known. */
  readonly classNames?: readonly string[];
}

/** `nhwc` → `[n, h, w, c]`; `flat` → `[n, h·w·c]`. */
export type ImageLayout = 'nhwc' | 'flat';

export interface ImageTensorOptions {
  /** Default `nhwc`. */
  layout?: ImageLayout;
  /** First row (default 0). */
  start?: number;
  /** One past the last row (default `size`). */
  end?: number;
}

/** Shape of `n` images of `ds` in `layout`. */
export function imageShape(ds: ImageDataset, n: number, layout: ImageLayout = 'nhwc'): number[] {
  return layout === 'flat'
    ? [n, ds.height * ds.width * ds.channels]
    : [n, ds.height, ds.width, ds.channels];
}

function checkLayout(layout: string): void {
  if (layout !== 'nhwc' && layout !== 'flat') {
    throw new TypeError(`layout: expected 'nhwc' or 'flat', got '${layout}'`);
  }
}

function range(ds: ImageDataset, opts: ImageTensorOptions): [number, number] {
  const start = opts.start ?? 0;
  const end = opts.end ?? ds.size;
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    start < 0 ||
    end > ds.size ||
    start >= end
  ) {
    throw new RangeError(
      `start/end: expected integers with 0 ≤ start < end ≤ ${ds.size}, got start=${start}, end=${end}`,
    );
  }
  return [start, end];
}

/** The images in rows [start, end) as a float32 tensor (caller owns it). */
export function imageTensor(ds: ImageDataset, opts: ImageTensorOptions = {}): tf.Tensor {
  const layout = opts.layout ?? 'nhwc';
  checkLayout(layout);
  const [start, end] = range(ds, opts);
  const per = ds.height * ds.width * ds.channels;
  return tf.tensor(
    ds.images.subarray(start * per, end * per),
    imageShape(ds, end - start, layout),
    'float32',
  );
}

/** The labels in rows [start, end) as an int32 `[n]` tensor. */
export function labelTensor(
  ds: ImageDataset,
  opts: Omit<ImageTensorOptions, 'layout'> = {},
): tf.Tensor1D {
  const [start, end] = range(ds, opts);
  return tf.tensor1d(ds.labels.subarray(start, end), 'int32');
}

/** The labels in rows [start, end) one-hot encoded, float32 `[n, numClasses]`. */
export function oneHotLabels(
  ds: ImageDataset,
  opts: Omit<ImageTensorOptions, 'layout'> = {},
): tf.Tensor2D {
  return tf.tidy(() =>
    tf.cast(tf.oneHot(labelTensor(ds, opts), ds.numClasses), 'float32'),
  ) as tf.Tensor2D;
}

/** Images, int labels and one-hot labels of rows [start, end) in one call. */
export function imageTensors(
  ds: ImageDataset,
  opts: ImageTensorOptions = {},
): { x: tf.Tensor; labels: tf.Tensor1D; oneHot: tf.Tensor2D } {
  return {
    x: imageTensor(ds, opts),
    labels: labelTensor(ds, opts),
    oneHot: oneHotLabels(ds, opts),
  };
}

/** A new dataset holding the rows `indices` of `ds` (copies). */
export function subsetDataset(
  ds: ImageDataset,
  indices: ArrayLike<number>,
  name?: string,
): ImageDataset {
  const per = ds.height * ds.width * ds.channels;
  const images = new Float32Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= ds.size) {
      throw new RangeError(`indices: expected integers in [0, ${ds.size}), got ${i} at ${k}`);
    }
    images.set(ds.images.subarray(i * per, (i + 1) * per), k * per);
    labels[k] = ds.labels[i];
  }
  return { ...ds, name: name ?? `${ds.name}[subset]`, size: indices.length, images, labels };
}

/**
 * Checks an ImageDataset's arrays against its declared sizes, and that every
 * label is an integer in [0, numClasses) (a short image array would be
 * zero-padded and an out-of-range label one-hot to all zeros otherwise).
 */
export function validateImageDataset(ds: ImageDataset, name = 'dataset'): void {
  if (ds == null || typeof ds !== 'object' || !ds.images || !ds.labels) {
    throw new TypeError(
      `${name}: expected an ImageDataset { images, labels, size, … }, got ${String(ds)}`,
    );
  }
  for (const key of ['size', 'height', 'width', 'channels', 'numClasses'] as const) {
    const v = ds[key];
    if (!Number.isInteger(v) || v < (key === 'size' ? 0 : 1)) {
      throw new RangeError(`${name}.${key}: expected a positive integer, got ${String(v)}`);
    }
  }
  const per = ds.height * ds.width * ds.channels;
  if (ds.images.length !== ds.size * per) {
    throw new RangeError(
      `${name}.images: expected ${ds.size}·${ds.height}·${ds.width}·${ds.channels} = ${ds.size * per} floats, got ${ds.images.length}`,
    );
  }
  if (ds.labels.length !== ds.size) {
    throw new RangeError(`${name}.labels: expected ${ds.size} labels, got ${ds.labels.length}`);
  }
  for (let i = 0; i < ds.labels.length; i++) {
    const l = ds.labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= ds.numClasses) {
      throw new RangeError(
        `${name}.labels: label ${l} at ${i} is not an integer in [0, ${ds.numClasses})`,
      );
    }
  }
}

/**
 * An ImageDataset from tensors: images NHWC `[n, h, w, c]` (or flat `[n, h·w·c]`
 * with `shape` given) and int labels `[n]` (a tensor or array). Reads the data
 * back to JS (sync); the tensors stay the caller's.
 */
export function datasetFromTensors(
  images: tf.Tensor,
  labels: tf.Tensor1D | ArrayLike<number>,
  opts: { numClasses: number; name?: string; shape?: [number, number, number] },
): ImageDataset {
  let h: number;
  let w: number;
  let c: number;
  if (images.rank === 4) [, h, w, c] = images.shape as number[];
  else if (images.rank === 2 && opts.shape) {
    [h, w, c] = opts.shape;
    if (h * w * c !== images.shape[1]) {
      throw new RangeError(
        `images: expected [n, ${h * w * c}] for shape [${opts.shape.join(', ')}], got [${images.shape.join(', ')}]`,
      );
    }
  } else {
    throw new RangeError(
      `images: expected [n, h, w, c] (or [n, h·w·c] with opts.shape), got [${images.shape.join(', ')}]`,
    );
  }
  const n = images.shape[0];
  const lab = Int32Array.from(labels instanceof tf.Tensor ? labels.dataSync() : labels);
  if (lab.length !== n) throw new RangeError(`labels: expected ${n} labels, got ${lab.length}`);
  for (let i = 0; i < n; i++) {
    if (!(lab[i] >= 0 && lab[i] < opts.numClasses)) {
      throw new RangeError(`labels: label ${lab[i]} at ${i} is not in [0, ${opts.numClasses})`);
    }
  }
  return {
    name: opts.name ?? 'tensors',
    size: n,
    height: h,
    width: w,
    channels: c,
    numClasses: opts.numClasses,
    images: Float32Array.from(images.dataSync()),
    labels: lab,
  };
}
