import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { buildProgram, encodeGridPng, gridLabels, parseArgs } from '../src/index';

const argv = (...a: string[]) => ['node', 'steingan', ...a];

describe('steingan CLI', () => {
  it('defaults to the joint SteinGAN on MNIST with the lean arch', () => {
    const o = parseArgs(argv());
    expect(o.config).toMatchObject({
      dataset: 'mnist',
      objective: 'steingan',
      preset: 'lean',
      batch: 64,
      seed: 1,
    });
    expect(o.config).not.toHaveProperty('arch'); // the preset's
    expect(o.out).toBe('runs/steingan-mnist');
    expect(o.resume).toBe(false);
    expect(o.gridEvery).toBe(500);
    expect(o.iterations).toBe(5000); // the lean preset's
    expect(o.evaluator).toBeTypeOf('function');
  });

  it('maps every flag', () => {
    const o = parseArgs(
      argv(
        '--dataset',
        'fashion-mnist',
        '--objective',
        'mle-gan',
        '--arch',
        'paper',
        '--iterations',
        '7',
        '--batch',
        '16',
        '--seed',
        '9',
        '--backend',
        'cpu',
        '--out',
        '/tmp/x',
        '--resume',
        '--grid-every',
        '3',
        '--no-metrics',
      ),
    );
    expect(o.config).toMatchObject({
      dataset: 'fashion-mnist',
      objective: 'mle-gan',
      arch: 'paper',
      batch: 16,
      seed: 9,
    });
    expect(o).toMatchObject({
      iterations: 7,
      backend: 'cpu',
      out: '/tmp/x',
      resume: true,
      gridEvery: 3,
    });
    expect(o.evaluator).toBeUndefined();
    expect(parseArgs(argv('--dataset', 'fashion-mnist')).out).toBe('runs/steingan-fashion-mnist');
  });

  it('rejects bad values with a clear message', () => {
    const parse = (...a: string[]) => {
      const p = buildProgram()
        .exitOverride()
        .configureOutput({ writeErr: () => {} });
      return () => parseArgs(argv(...a), p);
    };
    expect(parse('--objective', 'wgan')).toThrow(/Allowed choices are steingan, dcgan, mle-gan/);
    expect(parse('--iterations', '0')).toThrow(/--iterations must be an integer ≥ 1, got '0'/);
    expect(parse('--batch', '2.5')).toThrow(/--batch must be an integer/);
  });
});

describe('grid PNG', () => {
  it('puts class r in row r, 10×10 with 2-pixel borders', () => {
    const labels = gridLabels(10, 10);
    expect(Array.from(labels.slice(0, 12))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    // image i is filled with its row's brightness r/9
    const px = new Float32Array(100 * 4);
    for (let i = 0; i < 100; i++) px.fill(labels[i] / 9, i * 4, i * 4 + 4);
    const png = PNG.sync.read(
      encodeGridPng(px, { rows: 10, cols: 10, height: 2, width: 2, pad: 1 }),
    );
    expect([png.width, png.height]).toEqual([31, 31]);
    const at = (x: number, y: number) => png.data[(y * png.width + x) * 4];
    expect(at(0, 0)).toBe(0); // border
    expect(at(1, 1)).toBe(0); // row 0
    expect(at(1 + 3 * 4, 1 + 3 * 9)).toBe(255); // row 9, column 4
    expect(at(2, 1 + 3 * 3)).toBe(Math.round((3 / 9) * 255));
    expect(() =>
      encodeGridPng(new Float32Array(5), { rows: 10, cols: 10, height: 2, width: 2 }),
    ).toThrow(/images: expected 10·10·2·2 = 400 values, got 5/);
  });
});
