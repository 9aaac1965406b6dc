// @steinkit/datasets: public surface.

// Seeded mini-batches and splits
export type { Batch, BatchOptions, TensorBatch } from './batching';
export { batches, splitIndices, splitTensor, tensorBatches, trainTestSplit } from './batching';
export type { Cifar10Options } from './cifar10';
export { CIFAR10_CLASSES, loadCifar10, parseCifar10 } from './cifar10';
export type { FashionMnistOptions } from './fashion-mnist';
export { FASHION_MNIST_CLASSES, loadFashionMnist } from './fashion-mnist';
// The ICA data protocol: a well-conditioned random mixing matrix, heavy-tailed sources
export type {
  IcaData,
  IcaDataOptions,
  IcaSource,
  IcaSourceOptions,
  MixingMatrixOptions,
} from './ica-data';
export { icaData, randomMixingMatrix, sampleIca, sampleIcaSources } from './ica-data';
// IDX files (the MNIST format)
export type { IdxArray } from './idx';
export { parseIdx, readIdxFile } from './idx';
// In-memory labelled images and their tensors
export type { ImageDataset, ImageLayout, ImageTensorOptions } from './image-dataset';
export {
  datasetFromTensors,
  imageShape,
  imageTensor,
  imageTensors,
  labelTensor,
  oneHotLabels,
  subsetDataset,
  validateImageDataset,
} from './image-dataset';
// MNIST, Fashion-MNIST (optional peer packages), CIFAR-10 (user path)
export type { MnistOptions, Split } from './mnist';
export { clearDatasetCache, limitDataset, loadIdxImageSet, loadMnist } from './mnist';
