import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../src/checkpoint';
import { exportWeb, toFloat16 } from '../src/export-web';

/** IEEE half → number (the reference decoder, as the page's). */
function fromHalf(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

describe('--export-web', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steingan-web-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('float16 encoding: exact values, round to nearest even, subnormals, overflow', () => {
    const h = toFloat16(
      new Float32Array([1, -2, 0.5, 65504, 65520, 1e6, 2 ** -24, 2 ** -26, 0.1, 1 + 2 ** -11, 0]),
    );
    expect(Array.from(h)).toEqual([
      0x3c00, 0xc000, 0x3800, 0x7bff, 0x7c00, 0x7c00, 0x0001, 0x0000, 0x2e66, 0x3c00, 0,
    ]);
    // random values round-trip within half a unit in the last place (2^-11 relative)
    const x = new Float32Array(1000).map((_, i) => Math.sin(i * 12.9898) * 3);
    const back = Array.from(toFloat16(x), fromHalf);
    back.forEach((v, i) => {
      expect(Math.abs(v - x[i])).toBeLessThanOrEqual(Math.abs(x[i]) * 2 ** -11 + 2 ** -25);
    });
  });

  it('writes generator.json + generator.bin that decode to the checkpoint weights', () => {
    const W0 = new Float32Array(12 * 4).map((_, i) => Math.cos(i) * 0.3);
    const b0 = new Float32Array(4).map((_, i) => i / 10);
    const W1 = new Float32Array(4 * 784).map((_, i) => Math.sin(i) * 0.2);
    const b1 = new Float32Array(784).fill(-0.25);
    const ckpt: Checkpoint = {
      iteration: 7,
      rng: { seed: 1, iteration: 7 },
      config: {
        arch: 'lean',
        dataset: 'mnist',
        objective: 'steingan',
        noiseDim: 2,
        numClasses: 10,
      },
      scalars: {},
      tensors: [
        { name: 'energy/x', shape: [1], values: new Float32Array(1) },
        { name: 'generator/fc0/W', shape: [12, 4], values: W0 },
        { name: 'generator/fc0/b', shape: [4], values: b0 },
        { name: 'generator/fc1/W', shape: [4, 784], values: W1 },
        { name: 'generator/fc1/b', shape: [784], values: b1 },
      ],
    };
    const { manifest } = exportWeb(ckpt, dir);
    const json = JSON.parse(readFileSync(join(dir, 'generator.json'), 'utf8'));
    expect(json).toEqual(manifest);
    expect(json).toMatchObject({ noiseDim: 2, numClasses: 10, iteration: 7, dtype: 'float16' });
    const bin = readFileSync(join(dir, 'generator.bin'));
    expect(bin.length).toBe(2 * (48 + 4 + 3136 + 784));
    const halves = new Uint16Array(bin.buffer, bin.byteOffset, bin.length / 2);
    const read = (at: { offset: number; shape: number[] }) =>
      Array.from(
        halves.subarray(at.offset / 2, at.offset / 2 + at.shape.reduce((a, b) => a * b, 1)),
        fromHalf,
      );
    const decoded = [
      read(json.layers[0].W),
      read(json.layers[0].b),
      read(json.layers[1].W),
      read(json.layers[1].b),
    ];
    [W0, b0, W1, b1].forEach((ref, k) => {
      expect(decoded[k].length).toBe(ref.length);
      const worst = Math.max(...Array.from(ref, (v, i) => Math.abs(decoded[k][i] - v)));
      expect(worst).toBeLessThan(2e-4);
    });
  });

  it('refuses a paper-arch checkpoint and a first layer that does not match noiseDim + numClasses', () => {
    const base = { iteration: 1, rng: { seed: 1, iteration: 1 }, scalars: {} };
    expect(() => exportWeb({ ...base, config: { arch: 'paper' }, tensors: [] }, dir)).toThrow(
      /only the lean \(MLP\) generator/,
    );
    const t = (name: string, shape: number[]) => ({
      name,
      shape,
      values: new Float32Array(shape.reduce((a, b) => a * b, 1)),
    });
    expect(() =>
      exportWeb(
        {
          ...base,
          config: { arch: 'lean', noiseDim: 100, numClasses: 10 },
          tensors: [t('generator/fc0/W', [5, 3]), t('generator/fc0/b', [3])],
        },
        dir,
      ),
    ).toThrow(/takes 5 inputs, expected noiseDim \+ numClasses = 110/);
  });
});
