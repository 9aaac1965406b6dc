/**
 * Kernels tfjs-backend-wasm 4.22 lacks entirely: `UnsortedSegmentSum` (the
 * gradient of `gather`), `DepthwiseConv2dNativeBackpropFilter/Input` (the
 * gradients of `depthwiseConv2d`) and `Einsum`. Correct first; fast where a
 * composition of wasm's kernels is natural.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  dilateAndPad,
  free,
  type KernelCall,
  runKernel,
  sizeOf,
  transpose,
  type WasmBackend,
  zeros,
} from './util';

/** out[s, …] = Σ_{i : ids[i] = s} x[i, …]; ids outside [0, numSegments) are dropped (TF semantics). */
export const unsortedSegmentSum: KernelCall = ({ inputs, backend, attrs }) => {
  const x = inputs.x as tf.TensorInfo;
  const ids = inputs.segmentIds as tf.TensorInfo;
  const numSegments = attrs.numSegments as number;
  if (ids.shape.length !== 1 || ids.shape[0] !== x.shape[0])
    throw new RangeError(
      `UnsortedSegmentSum: segmentIds must have shape [${x.shape[0]}] (x's first axis), got [${ids.shape}]`,
    );
  const rows = x.shape[0];
  const width = sizeOf(x.shape.slice(1));
  const out = zeros(backend, [numSegments, ...x.shape.slice(1)], x.dtype);
  const src = backend.typedArrayFromHeap(x);
  const seg = backend.typedArrayFromHeap(ids);
  const dst = backend.typedArrayFromHeap(out);
  for (let i = 0; i < rows; i++) {
    const s = seg[i];
    if (s < 0 || s >= numSegments) continue;
    const o = s * width;
    const from = i * width;
    for (let j = 0; j < width; j++) dst[o + j] += src[from + j];
  }
  return out;
};

function depthwiseInfo(
  xShape: number[],
  filterShape: number[],
  attrs: Record<string, unknown>,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (attrs.dilations as number | [number, number]) ?? 1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    true,
  );
}

/**
 * dw[p, q, c, m] = Σ_{n,i,j} x[n, i·s_h + p·d_h − t, j·s_w + q·d_w − l, c] · dy[n, i, j, c·M + m],
 * accumulated in JS (float64) — the rare one; O(N·OH·OW·KH·KW·C·M).
 */
export const depthwiseBackpropFilter: KernelCall = ({ inputs, backend, attrs }) => {
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const filterShape = attrs.filterShape as number[];
  const info = depthwiseInfo(x.shape, filterShape, attrs);
  const [n, h, w, c] = x.shape;
  const [kh, kw, , mult] = filterShape;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const xv = backend.typedArrayFromHeap(x);
  const dv = backend.typedArrayFromHeap(dy);
  const acc = new Float64Array(kh * kw * c * mult);
  const cm = c * mult;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let p = 0; p < kh; p++) {
        const r = i * sh + p * dh - top;
        if (r < 0 || r >= h) continue;
        for (let j = 0; j < ow; j++) {
          const dyOff = ((b * oh + i) * ow + j) * cm;
          for (let q = 0; q < kw; q++) {
            const col = j * sw + q * dw - left;
            if (col < 0 || col >= w) continue;
            const xOff = ((b * h + r) * w + col) * c;
            const accOff = (p * kw + q) * cm;
            for (let ch = 0; ch < c; ch++) {
              const xval = xv[xOff + ch];
              for (let m = 0; m < mult; m++)
                acc[accOff + ch * mult + m] += xval * dv[dyOff + ch * mult + m];
            }
          }
        }
      }
  const out = backend.makeOutput([...filterShape], 'float32');
  backend.typedArrayFromHeap(out).set(acc);
  return out;
};

/**
 * dx = Σ_m (dy with zeros inserted, padded) ⋆ flip(w[·, ·, c, m]): one wasm
 * `DepthwiseConv2dNative` over the C·M channels of dy (multiplier 1, dilation d),
 * then the M channels of each input channel summed.
 */
export const depthwiseBackpropInput: KernelCall = ({ inputs, backend, attrs }) => {
  const dy = inputs.dy as tf.TensorInfo;
  const filter = inputs.filter as tf.TensorInfo;
  const inputShape = attrs.inputShape as number[];
  const info = depthwiseInfo(inputShape, filter.shape, attrs);
  const [n, h, w, c] = inputShape;
  const [kh, kw, , mult] = filter.shape;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const effH = (kh - 1) * dh + 1;
  const effW = (kw - 1) * dw + 1;
  const cm = dy.shape[3];
  const hp = h + effH - 1;
  const wp = w + effW - 1;
  const offH = effH - 1 - info.padInfo.top;
  const offW = effW - 1 - info.padInfo.left;
  // Zero-inserted, padded dy: [n, hp, wp, c·M].
  const dyp = dilateAndPad(backend, dy, sh, sw, offH, offW, hp, wp);
  const flipped = runKernel('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const f = { dataId: flipped.dataId, shape: [kh, kw, cm, 1], dtype: flipped.dtype };
  const conv = runKernel(
    'DepthwiseConv2dNative',
    backend,
    { x: dyp, filter: f },
    { strides: [1, 1], pad: 'valid', dilations: [dh, dw], dimRoundingMode: undefined },
  ); // [n, h, w, c·M]
  free(backend, dyp, flipped);
  if (mult === 1) return conv;
  const grouped = { dataId: conv.dataId, shape: [n, h, w, c, mult], dtype: conv.dtype };
  const out = runKernel('Sum', backend, { x: grouped }, { axis: [4], keepDims: false });
  free(backend, conv);
  return out;
};

/**
 * Einsum as tfjs's cpu kernel does it (the same backend_util planning):
 * transpose/expand each operand to the full index order, multiply, and sum
 * contracted axes as soon as no later operand needs them — with wasm kernels.
 */
export const einsum: KernelCall = ({ inputs, backend, attrs }) => {
  const equation = attrs.equation as string;
  const tensors = Object.keys(inputs)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => inputs[k] as tf.TensorInfo);
  const bu = tf.backend_util;
  const { allDims, summedDims, idDims } = bu.decodeEinsumEquation(equation, tensors.length);
  bu.checkEinsumDimSizes(allDims.length, idDims, tensors as unknown as tf.Tensor[]);
  const { path, steps } = bu.getEinsumComputePath(summedDims, idDims);
  let out: tf.TensorInfo | null = null;
  let remaining = allDims.length;
  const owned: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo) => {
    owned.push(t);
    return t;
  };
  for (let i = 0; i < steps.length; i++) {
    for (const term of steps[i]) {
      const { permutationIndices: perm, expandDims } = bu.getEinsumPermutation(
        remaining,
        idDims[term],
      );
      let x = tensors[term];
      if (!bu.isIdentityPermutation(perm)) x = keep(transpose(backend, x, perm));
      const shape = x.shape.slice();
      for (const d of expandDims) shape.splice(d, 0, 1);
      if (shape.length !== x.shape.length)
        x = keep(runKernel('Reshape', backend, { x }, { shape }));
      out = out === null ? x : keep(runKernel('Multiply', backend, { a: x, b: out }));
    }
    if (i < steps.length - 1) {
      if (path[i] >= 0 && out) {
        const axis = path[i] - (allDims.length - remaining);
        out = keep(runKernel('Sum', backend, { x: out }, { axis, keepDims: false }));
      }
      remaining--;
    }
  }
  if (out === null) throw new Error(`Einsum: nothing to compute for '${equation}'`);
  const result = owned.includes(out) ? out : runKernel('Identity', backend, { x: out });
  free(backend, ...owned.filter((t) => t !== result));
  return result;
};

export type { WasmBackend };
