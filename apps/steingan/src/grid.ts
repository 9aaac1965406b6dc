// The image grids live in @steinkit/app-utils (shared with apps/stein-vae).
export type { GridOptions } from '@steinkit/app-utils';
export { encodeGridPng, writeGridPng } from '@steinkit/app-utils';
