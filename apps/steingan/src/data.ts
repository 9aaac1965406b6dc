import { type ImageDataset, loadFashionMnist, loadMnist } from '@steinkit/datasets';
import type { DatasetName } from './config';
import type { TrainData } from './train';

/** Loads a split of MNIST / Fashion-MNIST through @steinkit/datasets. */
export function loadDataset(
  name: DatasetName,
  split: 'train' | 'test',
  limit?: number,
): ImageDataset {
  if (name === 'mnist') return loadMnist({ split, limit });
  if (name === 'fashion-mnist') return loadFashionMnist({ split, limit });
  throw new TypeError(`dataset: expected 'mnist' or 'fashion-mnist', got '${String(name)}'`);
}

export function toTrainData(ds: ImageDataset): TrainData {
  return {
    images: ds.images,
    labels: ds.labels,
    size: ds.size,
    imageShape: [ds.height, ds.width, ds.channels],
  };
}
