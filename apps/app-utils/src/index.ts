// @steinkit/app-utils: helpers the apps share (private workspace module).

// Command-line argument parsers (commander)
export {
  backendOption,
  choiceList,
  intAtLeast,
  integer,
  NODE_BACKENDS,
  nonNegativeList,
  positiveInt,
  positiveIntList,
  seedList,
} from './args';

// Grids of grayscale images as PNG (pngjs)
export type { GridOptions } from './png-grid';
export { encodeGridPng, writeGridPng } from './png-grid';
