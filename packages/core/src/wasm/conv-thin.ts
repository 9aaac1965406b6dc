/**
 * The two conv gradients for inputs with few channels as one XNNPACK GEMM
 * each (NHWC, any stride, dilation and padding), with the patch matrix
 * cols[n·oh·ow, kh·kw·cin] of x:
 *
 * - input gradient: cols = dy · wᵀ, dx = col2im(cols) (scatter-add);
 * - filter gradient: dw = im2col(x)ᵀ · dy.
 *
 * The compositions of `conv2d-backprop.ts` turn a 1-channel x (images in,
 * images out of a generator) into XNNPACK convolutions with one output
 * channel (dx) or into a wide packed "filter" for one tiny output (dw), both
 * far below the GEMM rate; the patch matrix has only kh·kw·cin columns there.
 * For wider inputs the compositions are as fast or faster (measured, issue 18
 * profile), see `useThin`. XNNPACK's forward `Conv2D` is already fine at
 * cin = 1 and is not replaced.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { free, runKernel, view, type WasmBackend } from './util';

/**
 * Input channels at or below which the im2col / col2im route is taken. CPU ms
 * for 64×28×28×cin, 5×5 stride 2 → 64 channels (composition → GEMM route):
 * dx 12.8 → 4.6 (cin 1), 12.9 → 6.8 (2), 13.6 → 12.1 (4); dw 8.9 → 4.3 (1),
 * 10.7 → 7.0 (2), 16.3 → 16.8 (4).
 */
export const THIN_CHANNELS = 2;

export function useThin(cin: number): boolean {
  return cin <= THIN_CHANNELS;
}

interface Geo {
  n: number;
  h: number;
  w: number;
  cin: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  cout: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
}

export function geoOf(info: tf.backend_util.Conv2DInfo): Geo {
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    cin: info.inChannels,
    oh: info.outHeight,
    ow: info.outWidth,
    kh: info.filterHeight,
    kw: info.filterWidth,
    cout: info.outChannels,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** The patch matrix [n·oh·ow, kh·kw·cin] of x (zeros where a tap falls in the padding). */
function im2col(backend: WasmBackend, x: tf.TensorInfo, g: Geo): tf.TensorInfo {
  const { n, h, w, cin, oh, ow, kh, kw, sh, sw, dh, dw, top, left } = g;
  const K = kh * kw * cin;
  const cols = backend.makeOutput([n * oh * ow, K], 'float32');
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(cols) as Float32Array;
  let o = 0;
  for (let b = 0; b < n; b++) {
    const xb = b * h * w * cin;
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        for (let p = 0; p < kh; p++) {
          const r = i * sh + p * dh - top;
          const rowOk = r >= 0 && r < h;
          for (let q = 0; q < kw; q++) {
            const c = j * sw + q * dw - left;
            if (rowOk && c >= 0 && c < w) {
              const s = xb + (r * w + c) * cin;
              for (let t = 0; t < cin; t++) dst[o + t] = src[s + t];
            } else for (let t = 0; t < cin; t++) dst[o + t] = 0;
            o += cin;
          }
        }
      }
  }
  return cols;
}

/** dx [n, h, w, cin] = the scatter-add of the patch matrix `cols` [n·oh·ow, kh·kw·cin]. */
function col2im(backend: WasmBackend, cols: tf.TensorInfo, g: Geo): tf.TensorInfo {
  const { n, h, w, cin, oh, ow, kh, kw, sh, sw, dh, dw, top, left } = g;
  const dx = backend.makeOutput([n, h, w, cin], 'float32');
  const src = backend.typedArrayFromHeap(cols) as Float32Array;
  const dst = backend.typedArrayFromHeap(dx) as Float32Array;
  dst.fill(0);
  let o = 0;
  for (let b = 0; b < n; b++) {
    const xb = b * h * w * cin;
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        for (let p = 0; p < kh; p++) {
          const r = i * sh + p * dh - top;
          const rowOk = r >= 0 && r < h;
          for (let q = 0; q < kw; q++) {
            const c = j * sw + q * dw - left;
            if (rowOk && c >= 0 && c < w) {
              const d = xb + (r * w + c) * cin;
              for (let t = 0; t < cin; t++) dst[d + t] += src[o + t];
            }
            o += cin;
          }
        }
      }
  }
  return dx;
}

function matMul(
  backend: WasmBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): tf.TensorInfo {
  return runKernel('BatchMatMul', backend, { a, b }, { transposeA, transposeB });
}

/** dx for thin x: col2im(dy · wᵀ). */
export function backpropInputThin(
  backend: WasmBackend,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: Geo,
): tf.TensorInfo {
  const K = g.kh * g.kw * g.cin;
  const rows = g.n * g.oh * g.ow;
  const cols = matMul(
    backend,
    view(dy, [1, rows, g.cout]),
    view(filter, [1, K, g.cout]),
    false,
    true,
  );
  const dx = col2im(backend, cols, g);
  free(backend, cols);
  return dx;
}

/** dw for thin x: im2col(x)ᵀ · dy. */
export function backpropFilterThin(
  backend: WasmBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: Geo,
): tf.TensorInfo {
  const K = g.kh * g.kw * g.cin;
  const rows = g.n * g.oh * g.ow;
  const cols = im2col(backend, x, g);
  const dw = matMul(backend, view(cols, [1, rows, K]), view(dy, [1, rows, g.cout]), true, false);
  free(backend, cols);
  return { dataId: dw.dataId, shape: [g.kh, g.kw, g.cin, g.cout], dtype: 'float32' };
}
