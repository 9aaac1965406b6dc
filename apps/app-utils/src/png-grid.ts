import { writeFileAtomic } from '@steinkit/metrics/reference';
import { PNG } from 'pngjs';

export interface GridOptions {
  rows: number;
  cols: number;
  /** Image height and width in pixels (28 for MNIST). */
  height: number;
  width: number;
  /** Pixels of border between images. Default 2. */
  pad?: number;
  /** Gray level 0–255 of the border. Default 0 (black). */
  background?: number;
}

/**
 * Encodes rows·cols grayscale images (row-major, values in [0, 1], each
 * height·width) as one 8-bit grayscale PNG; image r·cols + c goes to row r,
 * column c (SteinGAN puts class r in row r). Non-finite values are drawn black.
 */
export function encodeGridPng(images: ArrayLike<number>, opts: GridOptions): Buffer {
  const { rows, cols, height, width, pad = 2, background = 0 } = opts;
  const per = height * width;
  if (images.length !== rows * cols * per)
    throw new RangeError(
      `images: expected ${rows}·${cols}·${height}·${width} = ${rows * cols * per} values, got ${images.length}`,
    );
  const W = cols * (width + pad) + pad;
  const H = rows * (height + pad) + pad;
  const png = new PNG({
    width: W,
    height: H,
    colorType: 0,
    inputColorType: 0,
    inputHasAlpha: false,
  });
  const data = Buffer.alloc(W * H, background);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const base = (r * cols + c) * per;
      for (let i = 0; i < height; i++)
        for (let j = 0; j < width; j++) {
          const v = images[base + i * width + j];
          const y = pad + r * (height + pad) + i;
          const x = pad + c * (width + pad) + j;
          data[y * W + x] = Math.max(
            0,
            Math.min(255, Math.round((Number.isFinite(v) ? v : 0) * 255)),
          );
        }
    }
  png.data = data;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/** Encodes and writes the grid atomically. */
export function writeGridPng(path: string, images: ArrayLike<number>, opts: GridOptions): void {
  writeFileAtomic(path, encodeGridPng(images, opts));
}
