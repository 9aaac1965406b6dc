import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { encodeGridPng } from '../src/png-grid';

describe('encodeGridPng', () => {
  it('places image r·cols + c at row r, column c, on the border colour; clamps to [0, 1]', () => {
    // 2 × 3 images of 2 × 2 pixels; image k has every pixel k/5 (the last one 1.4 → clamped)
    const images = Array.from(
      { length: 6 * 4 },
      (_, i) => Math.floor(i / 4) / 5 + (i >= 20 ? 0.4 : 0),
    );
    const png = PNG.sync.read(
      encodeGridPng(images, { rows: 2, cols: 3, height: 2, width: 2, pad: 1, background: 64 }),
    );
    expect([png.width, png.height]).toEqual([3 * 3 + 1, 2 * 3 + 1]);
    const px = (x: number, y: number) => png.data[4 * (y * png.width + x)]; // RGBA after decoding
    expect(px(0, 0)).toBe(64); // border
    expect(px(1, 1)).toBe(0); // image 0
    expect(px(4, 2)).toBe(Math.round(255 / 5)); // image 1: row 0, column 1
    expect(px(2, 5)).toBe(Math.round((3 * 255) / 5)); // image 3: row 1, column 0
    expect(px(8, 5)).toBe(255); // image 5: 1.4 clamped
    expect(() => encodeGridPng([0, 1], { rows: 1, cols: 1, height: 2, width: 2 })).toThrow(
      /images: expected 1·1·2·2 = 4 values, got 2/,
    );
  });
});
