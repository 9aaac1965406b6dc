import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../src/checkpoint';
import { exportWeb } from '../src/export-web';
import { fromFloat16, toFloat16, unpackWebGenerator } from '../src/web-format';

/** IEEE half → number: an independent reference decoder, written from the IEEE 754 layout. */
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

  it("the format module's reader (the playground's) decodes what --export-web wrote, and names what is wrong", () => {
    // every half value: the module's decoder = the reference decoder
    for (let h = 0; h < 0x10000; h++) {
      const a = fromFloat16(h);
      const b = fromHalf(h);
      if (Number.isNaN(b)) expect(a).toBeNaN();
      else expect(a).toBe(b);
    }
    const W0 = new Float32Array(12 * 3).map((_, i) => Math.cos(i) * 0.3);
    const b0 = new Float32Array(3).map((_, i) => i / 10 - 0.1);
    const ckpt: Checkpoint = {
      iteration: 3,
      rng: { seed: 1, iteration: 3 },
      config: { arch: 'lean', noiseDim: 2, numClasses: 10, noise: 'normal' },
      scalars: {},
      tensors: [
        { name: 'generator/fc0/W', shape: [12, 3], values: W0 },
        { name: 'generator/fc0/b', shape: [3], values: b0 },
      ],
    };
    const sub = join(dir, 'reader');
    exportWeb(ckpt, sub);
    const json = JSON.parse(readFileSync(join(sub, 'generator.json'), 'utf8'));
    const raw = readFileSync(join(sub, 'generator.bin'));
    const bin = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length) as ArrayBuffer;
    const { manifest, layers } = unpackWebGenerator(json, bin);
    expect(manifest).toMatchObject({ noise: 'normal', noiseDim: 2, iteration: 3 });
    expect(layers).toHaveLength(1);
    expect(layers[0].W.shape).toEqual([12, 3]);
    for (const [ref, got] of [
      [W0, layers[0].W.values],
      [b0, layers[0].b.values],
    ] as const)
      for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i] - ref[i])).toBeLessThan(2e-4);
    expect(() => unpackWebGenerator({ ...json, format: 'v0' }, bin)).toThrow(
      /generator.json: unknown format 'v0', expected 'steinkit-generator-1'/,
    );
    expect(() => unpackWebGenerator(json, bin.slice(0, 10))).toThrow(
      /generator.bin: 10 bytes, generator.json says 78/,
    );
    const shifted = {
      ...json,
      byteLength: undefined,
      layers: [{ ...json.layers[0], b: { shape: [3], offset: 76 } }],
    };
    expect(() => unpackWebGenerator(shifted, bin)).toThrow(
      /layers\[0\].b \[3\] at byte 76 lies outside/,
    );
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
