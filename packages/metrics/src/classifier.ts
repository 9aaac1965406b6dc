import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { assertInt } from '@steinkit/core';
import {
  batches,
  type ImageDataset,
  imageTensor,
  loadFashionMnist,
  loadMnist,
} from '@steinkit/datasets';
import * as tfl from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import cliProgress from 'cli-progress';
import type { ClassifierInfo, ImageClassifier } from './image-classifier';
import { fileSystemIO, readModelMetadata } from './model-io';

/**
 * Bump when the architecture or training recipe changes: cached weights are
 * keyed by it. 2: the cosine-decayed Adam recipe of 568227a (version 1 caches
 * were trained with constant-rate Adam and are not reused).
 */
export const CLASSIFIER_VERSION = 2;

export interface ClassifierArchitecture {
  /** Filters of the two 5×5 conv layers (default [16, 32]). */
  filters?: [number, number];
  /** Units of the penultimate dense layer — the feature size (default 128). */
  units?: number;
  numClasses?: number;
  /** `[h, w, c]`, default `[28, 28, 1]`. */
  inputShape?: [number, number, number];
  /** Seed of the weight initializers (default 0). */
  seed?: number;
}

/**
 * The small CNN: conv 5×5×16 (relu) → max-pool 2 → conv 5×5×32 (relu) →
 * max-pool 2 → flatten → dense 128 (relu, layer `features`) → dense softmax.
 */
export function buildClassifierModel(arch: ClassifierArchitecture = {}): tfl.Sequential {
  const [f1, f2] = arch.filters ?? [16, 32];
  const units = arch.units ?? 128;
  const numClasses = arch.numClasses ?? 10;
  const inputShape = arch.inputShape ?? [28, 28, 1];
  const seed = arch.seed ?? 0;
  for (const [v, n] of [
    [f1, 'filters[0]'],
    [f2, 'filters[1]'],
    [units, 'units'],
    [numClasses, 'numClasses'],
  ] as const)
    assertInt(v, n, 1);
  const init = (k: number) => tfl.initializers.heNormal({ seed: seed * 16 + k });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape,
        filters: f1,
        kernelSize: 5,
        activation: 'relu',
        kernelInitializer: init(1),
        name: 'conv1',
      }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tfl.layers.conv2d({
        filters: f2,
        kernelSize: 5,
        activation: 'relu',
        kernelInitializer: init(2),
        name: 'conv2',
      }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ units, activation: 'relu', kernelInitializer: init(3), name: 'features' }),
      tfl.layers.dense({
        units: numClasses,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 16 + 4 }),
        name: 'probs',
      }),
    ],
  });
}

function wrap(model: tfl.LayersModel, info: ClassifierInfo): ImageClassifier {
  const inShape = model.inputs[0].shape.slice(1) as [number, number, number];
  const numClasses = model.outputs[0].shape[1] as number;
  const featureModel = tfl.model({
    inputs: model.inputs,
    outputs: model.getLayer('features').output as tfl.SymbolicTensor,
  });
  const per = inShape[0] * inShape[1] * inShape[2];
  const asInput = (x: tf.Tensor, name = 'x'): tf.Tensor4D => {
    if (x.rank === 4 && x.shape.slice(1).every((v, i) => v === inShape[i])) return x as tf.Tensor4D;
    if (x.rank === 2 && x.shape[1] === per) return tf.reshape(x, [x.shape[0], ...inShape]);
    throw new RangeError(
      `${name}: expected images [n, ${inShape.join(', ')}] or [n, ${per}], got [${x.shape.join(', ')}]`,
    );
  };
  const run = (m: tfl.LayersModel, x: tf.Tensor, batchSize = 256) =>
    tf.tidy(() => m.predict(asInput(x), { batchSize }) as tf.Tensor2D);
  return {
    model,
    featureModel,
    inputShape: inShape,
    numClasses,
    info,
    probabilities: (x, bs) => run(model, x, bs),
    features: (x, bs) => run(featureModel, x, bs),
    predictLabels: (x, bs) => tf.tidy(() => tf.argMax(run(model, x, bs), 1) as tf.Tensor1D),
    dispose: () => {
      // a caller-built optimizer (trainClassifier's Adam) is not owned by the model, so
      // model.dispose() would leave its moment variables behind
      const opt = model.optimizer;
      model.dispose();
      opt?.dispose();
    },
  };
}

export interface TrainProgress {
  epoch: number;
  batch: number;
  batchesPerEpoch: number;
  loss: number;
  accuracy: number;
}

export interface TrainClassifierOptions extends ClassifierArchitecture {
  epochs?: number;
  batchSize?: number;
  /** Adam's initial step size, cosine-decayed to 0 over the run (default 1.5e-3). */
  learningRate?: number;
  /** Shuffle seed (also the init seed unless `seed` is set) — default 0. */
  shuffleSeed?: number;
  /** A cli-progress bar on stderr (`true`), a callback, or nothing (default). */
  progress?: boolean | ((p: TrainProgress) => void);
  /** Name recorded in `info.dataset`. */
  name?: string;
}

/**
 * Trains the small CNN with Adam (step size cosine-decayed to 0) on a labelled
 * image set, with seeded shuffling and init. Returns the classifier; `info.testAccuracy` is unset (see
 * `evaluateClassifier`).
 */
export async function trainClassifier(
  train: ImageDataset,
  opts: TrainClassifierOptions = {},
): Promise<ImageClassifier> {
  const epochs = opts.epochs ?? 1;
  const batchSize = opts.batchSize ?? 64;
  assertInt(epochs, 'epochs', 1);
  assertInt(batchSize, 'batchSize', 1);
  const lr = opts.learningRate ?? 1.5e-3;
  const model = buildClassifierModel({
    ...opts,
    numClasses: opts.numClasses ?? train.numClasses,
    inputShape: [train.height, train.width, train.channels],
  });
  const optimizer = tfl.train.adam(lr);
  model.compile({
    optimizer,
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const perEpoch = Math.ceil(train.size / batchSize);
  const total = perEpoch * epochs;
  const bar =
    opts.progress === true
      ? new cliProgress.SingleBar(
          {
            format: `train ${opts.name ?? train.name} |{bar}| {percentage}% | epoch {epoch}/${epochs} | loss {loss} | acc {acc} | ETA {eta_formatted}`,
            stream: process.stderr,
            noTTYOutput: true,
            notTTYSchedule: 15000,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(total, 0, { epoch: 1, loss: '-', acc: '-' });
  const start = Date.now();
  const cpu0 = process.cpuUsage();
  let step = 0;
  let emaLoss = Number.NaN;
  let emaAcc = Number.NaN;
  try {
    for (const b of batches(train, { batchSize, seed: opts.shuffleSeed ?? 0, epochs })) {
      // cosine decay of Adam's step size from lr to 0 over the run (Adam reads it each step)
      (optimizer as unknown as { learningRate: number }).learningRate =
        0.5 * lr * (1 + Math.cos((Math.PI * step) / total));
      const [loss, acc] = (await model.trainOnBatch(b.x, b.oneHot!)) as number[];
      tf.dispose([b.x, b.labels, b.oneHot!]);
      emaLoss = Number.isNaN(emaLoss) ? loss : 0.95 * emaLoss + 0.05 * loss;
      emaAcc = Number.isNaN(emaAcc) ? acc : 0.95 * emaAcc + 0.05 * acc;
      step++;
      const info = {
        epoch: b.epoch + 1,
        batch: ((step - 1) % perEpoch) + 1,
        batchesPerEpoch: perEpoch,
        loss: emaLoss,
        accuracy: emaAcc,
      };
      if (typeof opts.progress === 'function') opts.progress(info);
      bar?.update(step, { epoch: info.epoch, loss: emaLoss.toFixed(4), acc: emaAcc.toFixed(4) });
      // wasm work resolves in microtasks only; yield a macrotask so timers (the bar's
      // redraw) and I/O (e.g. a test runner's RPC) are not starved during training
      await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    bar?.stop();
  }
  return wrap(model, {
    dataset: opts.name ?? train.name,
    version: CLASSIFIER_VERSION,
    trainSize: train.size,
    epochs,
    trainSeconds: (Date.now() - start) / 1000,
    trainCpuSeconds: (() => {
      const c = process.cpuUsage(cpu0);
      return (c.user + c.system) / 1e6;
    })(),
    backend: tf.getBackend(),
    trainedAt: new Date().toISOString(),
  });
}

/** Fraction of `ds` whose arg-max prediction equals its label (in chunks of `batchSize`). */
export function evaluateClassifier(
  clf: ImageClassifier,
  ds: ImageDataset,
  batchSize = 1000,
): number {
  let correct = 0;
  for (let s = 0; s < ds.size; s += batchSize) {
    const e = Math.min(ds.size, s + batchSize);
    const pred = tf.tidy(() => clf.predictLabels(imageTensor(ds, { start: s, end: e }), batchSize));
    const p = pred.dataSync();
    pred.dispose();
    for (let i = 0; i < p.length; i++) if (p[i] === ds.labels[s + i]) correct++;
  }
  return correct / ds.size;
}

/** Saves a classifier's model and info to `dir` (model.json + weights.bin, atomic). */
export async function saveClassifier(clf: ImageClassifier, dir: string): Promise<void> {
  await clf.model.save(fileSystemIO(dir, { steinkit: clf.info }));
}

/** Loads a classifier saved by `saveClassifier`. */
export async function loadClassifier(dir: string): Promise<ImageClassifier> {
  const model = await tfl.loadLayersModel(fileSystemIO(dir));
  const info = (readModelMetadata(dir)?.steinkit ?? {}) as ClassifierInfo;
  return wrap(model, info);
}

/** `STEINKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/steinkit`, else `~/.cache/steinkit`. */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.STEINKIT_CACHE_DIR) return env.STEINKIT_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'steinkit');
  return join(homedir(), '.cache', 'steinkit');
}

export type ClassifierDataset = 'mnist' | 'fashion-mnist';

export interface GetClassifierOptions {
  /** Cache root (default `defaultCacheDir()`); weights live in `<root>/classifiers/<dataset>-v<version>[-n<trainLimit>]`. */
  cacheDir?: string;
  /** Train even when cached weights exist (and overwrite them). */
  retrain?: boolean;
  /** Train on the first `trainLimit` training images only (tests); cached separately. */
  trainLimit?: number;
  /** Evaluate on the first `testLimit` test images (default all 10 000). */
  testLimit?: number;
  /** Data directory passed to the loader (default: the npm data package). */
  dataDir?: string;
  /** Default 2 for MNIST, 3 for Fashion-MNIST. */
  epochs?: number;
  batchSize?: number;
  /** Progress bar on stderr while training (default true) or a callback. */
  progress?: TrainClassifierOptions['progress'];
  /** Logs a line when training starts / weights are loaded (default `console.error`). */
  log?: (line: string) => void;
}

const DEFAULT_EPOCHS: Record<ClassifierDataset, number> = { mnist: 2, 'fashion-mnist': 3 };

/**
 * The reference classifier for MNIST or Fashion-MNIST: loaded from the cache
 * directory when trained before, otherwise trained here (a few minutes on
 * wasm), evaluated on the test split, and cached. The info carries the test
 * accuracy, training time and backend.
 */
export async function getClassifier(
  dataset: ClassifierDataset,
  opts: GetClassifierOptions = {},
): Promise<ImageClassifier> {
  if (dataset !== 'mnist' && dataset !== 'fashion-mnist') {
    throw new TypeError(`dataset: expected 'mnist' or 'fashion-mnist', got '${dataset}'`);
  }
  const log = opts.log ?? ((l: string) => console.error(l));
  const suffix = opts.trainLimit !== undefined ? `-n${opts.trainLimit}` : '';
  const dir = join(
    opts.cacheDir ?? defaultCacheDir(),
    'classifiers',
    `${dataset}-v${CLASSIFIER_VERSION}${suffix}`,
  );
  if (!opts.retrain && existsSync(join(dir, 'model.json'))) {
    try {
      const clf = await loadClassifier(dir);
      log(`[steinkit] ${dataset} classifier loaded from ${dir}`);
      return clf;
    } catch (e) {
      log(
        `[steinkit] cached ${dataset} classifier in ${dir} is unreadable (${(e as Error).message}); retraining`,
      );
    }
  }
  const load = dataset === 'mnist' ? loadMnist : loadFashionMnist;
  const train = load({ split: 'train', dir: opts.dataDir, limit: opts.trainLimit });
  const test = load({ split: 'test', dir: opts.dataDir, limit: opts.testLimit });
  log(
    `[steinkit] training the ${dataset} classifier on ${train.size} images (${tf.getBackend()}); cached in ${dir}`,
  );
  const clf = await trainClassifier(train, {
    epochs: opts.epochs ?? DEFAULT_EPOCHS[dataset],
    batchSize: opts.batchSize ?? 64,
    progress: opts.progress ?? true,
    name: dataset,
  });
  const acc = evaluateClassifier(clf, test);
  const info = clf.info as ClassifierInfo;
  info.testAccuracy = acc;
  info.testSize = test.size;
  log(
    `[steinkit] ${dataset} classifier: test accuracy ${(100 * acc).toFixed(2)}% in ${info.trainSeconds?.toFixed(0)} s`,
  );
  await saveClassifier(clf, dir);
  return clf;
}
