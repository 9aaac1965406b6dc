/**
 * `Conv2DBackpropFilter` and `Conv2DBackpropInput` for wasm, composed from
 * wasm's XNNPACK `Conv2D` (NHWC, dilations 1 in the forward conv).
 *
 * Forward: y[n, i, j, o] = Σ_{p,q,c} x[n, i·s_h + p − t, j·s_w + q − l, c] · w[p, q, c, o].
 *
 * Filter gradient: dw[p, q, c, o] = Σ_{n,i,j} x[n, p + i·s_h − t, …, c] · dy[n, i, j, o],
 * which is itself a convolution over (i, j) with dilation s: treat c as the
 * batch and n as the channel, i.e. Conv2D(xᵀ = x[c, h, w, n],
 * dyᵀ = dy[i, j, n, o], stride 1, dilation s, pads (t, ·), (l, ·)) → [c, p, q, o],
 * cropped to the filter size and transposed back to [p, q, c, o].
 *
 * Input gradient: dx = the stride-1 correlation of dy with zeros inserted
 * between its rows/columns (s − 1 of them), padded by (k − 1 − t) in front,
 * with the spatially flipped filter transposed to [p, q, o, c].
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type Attrs,
  crop4d,
  free,
  type KernelCall,
  runKernel,
  transpose,
  type WasmBackend,
  zeros,
} from './util';

function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: Attrs,
  kernel: string,
): tf.backend_util.Conv2DInfo {
  const format = tf.backend_util.convertConv2DDataFormat(
    (attrs.dataFormat as 'NHWC' | 'NCHW') ?? 'NHWC',
  );
  if (format !== 'channelsLast')
    throw new Error(`wasm ${kernel}: dataFormat must be 'NHWC' (got '${attrs.dataFormat}')`);
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    format,
  );
}

function conv2d(
  backend: WasmBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  dilations: [number, number],
  pads: [[number, number], [number, number]],
): tf.TensorInfo {
  return runKernel(
    'Conv2D',
    backend,
    { x, filter },
    {
      strides: [1, 1],
      dilations,
      pad: [[0, 0], pads[0], pads[1], [0, 0]],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    },
  );
}

/** dw for `conv2d(x, w)`: inputs `{x, dy}`, attrs `{strides, pad, dataFormat, dimRoundingMode, filterShape}`. */
export const conv2DBackpropFilter: KernelCall = ({ inputs, backend, attrs }) => {
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const filterShape = attrs.filterShape as number[];
  const info = convInfo(x.shape, filterShape, attrs, 'Conv2DBackpropFilter');
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const [, , cin, cout] = filterShape;
  // The conv below yields h + top + bottom − (oh − 1)·sh rows; pick bottom so that this is kh
  // when possible, else take bottom = 0 and crop (rows never reached by the forward conv).
  const bottom = Math.max(0, kh + (oh - 1) * sh - h - top);
  const right = Math.max(0, kw + (ow - 1) * sw - w - left);
  const xT = transpose(backend, x, [3, 1, 2, 0]); // [cin, h, w, n]
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [oh, ow, n, cout]
  const r = conv2d(
    backend,
    xT,
    dyT,
    [sh, sw],
    [
      [top, bottom],
      [left, right],
    ],
  ); // [cin, ≥kh, ≥kw, cout]
  free(backend, xT, dyT);
  let rk = r;
  if (r.shape[1] !== kh || r.shape[2] !== kw) {
    rk = crop4d(backend, r, [0, 0, 0, 0], [cin, kh, kw, cout]);
    free(backend, r);
  }
  const out = transpose(backend, rk, [1, 2, 0, 3]);
  free(backend, rk);
  return out;
};

/**
 * dy scattered into a zero [n, hp, wp, c] buffer at (offH + i·sh, offW + j·sw);
 * positions outside the buffer are dropped (they meet no filter tap).
 */
function dilateAndPad(
  backend: WasmBackend,
  dy: tf.TensorInfo,
  sh: number,
  sw: number,
  offH: number,
  offW: number,
  hp: number,
  wp: number,
): tf.TensorInfo {
  const [n, oh, ow, c] = dy.shape;
  const out = zeros(backend, [n, hp, wp, c]);
  const src = backend.typedArrayFromHeap(dy);
  const dst = backend.typedArrayFromHeap(out);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++) {
      const r = offH + i * sh;
      if (r < 0 || r >= hp) continue;
      for (let j = 0; j < ow; j++) {
        const q = offW + j * sw;
        if (q < 0 || q >= wp) continue;
        const from = ((b * oh + i) * ow + j) * c;
        dst.set(src.subarray(from, from + c), ((b * hp + r) * wp + q) * c);
      }
    }
  return out;
}

/** dx for `conv2d(x, w)` (and the forward of `conv2dTranspose`): inputs `{dy, filter}`, attrs `{strides, pad, dataFormat, dimRoundingMode, inputShape}`. */
export const conv2DBackpropInput: KernelCall = ({ inputs, backend, attrs }) => {
  const dy = inputs.dy as tf.TensorInfo;
  const filter = inputs.filter as tf.TensorInfo;
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, attrs, 'Conv2DBackpropInput');
  const { inHeight: h, inWidth: w, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const offH = kh - 1 - info.padInfo.top;
  const offW = kw - 1 - info.padInfo.left;
  // Flipped filter, in/out channels swapped: [kh, kw, cout, cin].
  const flipped = runKernel('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const wT = transpose(backend, flipped, [0, 1, 3, 2]);
  free(backend, flipped);
  let out: tf.TensorInfo;
  const [, oh, ow] = dy.shape;
  const bottom = h + kh - 1 - offH - ((oh - 1) * sh + 1);
  const right = w + kw - 1 - offW - ((ow - 1) * sw + 1);
  if (sh === 1 && sw === 1 && offH >= 0 && offW >= 0 && bottom >= 0 && right >= 0) {
    // Stride 1: the padding alone does it, inside XNNPACK.
    out = conv2d(
      backend,
      dy,
      wT,
      [1, 1],
      [
        [offH, bottom],
        [offW, right],
      ],
    );
  } else {
    const dyp = dilateAndPad(backend, dy, sh, sw, offH, offW, h + kh - 1, w + kw - 1);
    out = conv2d(
      backend,
      dyp,
      wT,
      [1, 1],
      [
        [0, 0],
        [0, 0],
      ],
    );
    free(backend, dyp);
  }
  free(backend, wT);
  return out;
};
