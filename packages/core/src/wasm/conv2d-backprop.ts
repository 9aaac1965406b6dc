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
 * with the spatially flipped filter transposed to [p, q, o, c]. For stride > 1
 * the same sum is split by output phase (h + t) mod s into s_h·s_w stride-1
 * convs with sub-filters w[r::s] (sub-pixel split), so no work is spent on the
 * inserted zeros; zero insertion remains the fallback.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backpropFilterThin, backpropInputThin, geoOf, useThin } from './conv-thin';
import { kernelTuning } from './tuning';
import {
  type Attrs,
  copyRun,
  crop4d,
  dilateAndPad,
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
  if (kernelTuning() && useThin(info.inChannels))
    return backpropFilterThin(backend, x, dy, geoOf(info));
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

/** One axis of the sub-pixel split of a strided transposed conv (see `phaseSplit`). */
interface Phase {
  r: number; // filter taps r, r + s, r + 2s, …
  taps: number; // how many
  first: number; // first output position u (dx index u·s + r − pad)
  count: number; // outputs in this phase
  padBefore: number;
  padAfter: number;
}

/**
 * dx[h] = Σ_{i·s + p − t = h} dy[i]·w[p] splits by the phase r = (h + t) mod s into
 * s stride-1 correlations of dy with the taps w[r], w[r + s], … (flipped), whose
 * outputs interleave into dx. Returns null when a phase would need negative padding.
 */
function phaseSplit(
  size: number,
  k: number,
  s: number,
  t: number,
  outSize: number,
): Phase[] | null {
  const phases: Phase[] = [];
  for (let r = 0; r < s; r++) {
    const taps = r < k ? Math.ceil((k - r) / s) : 0;
    const first = Math.ceil((t - r) / s);
    const last = Math.floor((size - 1 + t - r) / s);
    const count = last - first + 1;
    const padBefore = taps - 1 - first;
    const padAfter = count + taps - 1 - outSize - padBefore;
    if (taps > 0 && count > 0 && (padBefore < 0 || padAfter < 0)) return null;
    phases.push({ r, taps, first, count, padBefore, padAfter });
  }
  return phases;
}

/** Strided dx as s_h·s_w stride-1 XNNPACK convs on dy (no multiplications by inserted zeros). */
function backpropInputByPhases(
  backend: WasmBackend,
  dy: tf.TensorInfo,
  wT: tf.TensorInfo, // unflipped filter as [kh, kw, cout, cin]
  inputShape: number[],
  rowsP: Phase[],
  colsP: Phase[],
  s: [number, number],
  pad: [number, number],
): tf.TensorInfo {
  const [n, h, w, cin] = inputShape;
  const [, kw, cout] = wT.shape;
  const block = cout * cin;
  const dx = zeros(backend, [n, h, w, cin]);
  for (const ph of rowsP)
    for (const pw of colsP) {
      if (ph.taps === 0 || pw.taps === 0 || ph.count <= 0 || pw.count <= 0) continue;
      // Flipped sub-filter: f[a, b] = w[ph.r + s_h·(taps_h − 1 − a), pw.r + s_w·(taps_w − 1 − b)].
      const f = backend.makeOutput([ph.taps, pw.taps, cout, cin], 'float32');
      {
        const src = backend.typedArrayFromHeap(wT);
        const dst = backend.typedArrayFromHeap(f);
        for (let a = 0; a < ph.taps; a++)
          for (let b = 0; b < pw.taps; b++) {
            const p = ph.r + s[0] * (ph.taps - 1 - a);
            const q = pw.r + s[1] * (pw.taps - 1 - b);
            const from = (p * kw + q) * block;
            dst.set(src.subarray(from, from + block), (a * pw.taps + b) * block);
          }
      }
      const part = conv2d(
        backend,
        dy,
        f,
        [1, 1],
        [
          [ph.padBefore, ph.padAfter],
          [pw.padBefore, pw.padAfter],
        ],
      ); // [n, ph.count, pw.count, cin]
      free(backend, f);
      const src = backend.typedArrayFromHeap(part);
      const dst = backend.typedArrayFromHeap(dx);
      for (let b = 0; b < n; b++)
        for (let i = 0; i < ph.count; i++) {
          const row = (ph.first + i) * s[0] + ph.r - pad[0];
          for (let j = 0; j < pw.count; j++) {
            const col = (pw.first + j) * s[1] + pw.r - pad[1];
            const from = ((b * ph.count + i) * pw.count + j) * cin;
            copyRun(dst, ((b * h + row) * w + col) * cin, src, from, cin);
          }
        }
      free(backend, part);
    }
  return dx;
}

/** dx for `conv2d(x, w)` (and the forward of `conv2dTranspose`): inputs `{dy, filter}`, attrs `{strides, pad, dataFormat, dimRoundingMode, inputShape}`. */
export const conv2DBackpropInput: KernelCall = ({ inputs, backend, attrs }) => {
  const dy = inputs.dy as tf.TensorInfo;
  const filter = inputs.filter as tf.TensorInfo;
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, attrs, 'Conv2DBackpropInput');
  if (kernelTuning() && useThin(info.inChannels))
    return backpropInputThin(backend, dy, filter, geoOf(info));
  const { inHeight: h, inWidth: w, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const [, oh, ow] = dy.shape;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  if (sh > 1 || sw > 1) {
    const rowsP = phaseSplit(h, kh, sh, top, oh);
    const colsP = phaseSplit(w, kw, sw, left, ow);
    if (rowsP && colsP) {
      const wT = transpose(backend, filter, [0, 1, 3, 2]);
      const dx = backpropInputByPhases(
        backend,
        dy,
        wT,
        inputShape,
        rowsP,
        colsP,
        [sh, sw],
        [top, left],
      );
      free(backend, wT);
      return dx;
    }
  }
  const offH = kh - 1 - top;
  const offW = kw - 1 - left;
  // Flipped filter, in/out channels swapped: [kh, kw, cout, cin].
  const flipped = runKernel('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const wT = transpose(backend, flipped, [0, 1, 3, 2]);
  free(backend, flipped);
  let out: tf.TensorInfo;
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
    // Zero insertion (s − 1 zeros between rows/columns of dy), then a stride-1 conv.
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
