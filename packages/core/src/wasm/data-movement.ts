/**
 * Two data-movement kernels without the data movement.
 *
 * `Identity` (tf.clone, every identity in a gradient: ≈ 300 calls per SteinGAN
 * iteration) shares the buffer with a reference count, as the cpu backend
 * does, instead of copying it; tfjs tensors are immutable, so nothing can
 * tell the two apart but the time and the memory.
 *
 * `Tile` for wasm as block copies. The shipped kernel walks the output one
 * element at a time with index arithmetic (≈ 40 ns per element: 35 ms to tile
 * 64 per-channel values over a 64×14×14 map, which batch norm's gradient
 * does); here each source row is written once and every repetition is one
 * `copyWithin` of the finished block.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { kernelTuning } from './tuning';
import { type KernelCall, sizeOf } from './util';

export function makeTile(shipped: KernelCall): KernelCall {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const reps = args.attrs.reps as number[];
    if (!kernelTuning() || x.dtype === 'string' || reps.length !== x.shape.length)
      return shipped(args);
    const { backend } = args;
    const s = x.shape;
    const r = s.length;
    const outShape = s.map((d, i) => d * reps[i]);
    const out = backend.makeOutput(outShape, x.dtype);
    if (sizeOf(outShape) === 0) return out;
    if (r === 0) {
      backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x));
      return out;
    }
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    // Row-major strides of x and of the output.
    const srcStride = new Array<number>(r).fill(1);
    const dstStride = new Array<number>(r).fill(1);
    for (let i = r - 2; i >= 0; i--) {
      srcStride[i] = srcStride[i + 1] * s[i + 1];
      dstStride[i] = dstStride[i + 1] * outShape[i + 1];
    }
    const L = s[r - 1];
    const R = reps[r - 1];
    const fill = (axis: number, so: number, doff: number): void => {
      if (axis === r - 1) {
        if (L === 1) dst.fill(src[so], doff, doff + R);
        else {
          dst.set(src.subarray(so, so + L), doff);
          for (let k = 1; k < R; k++) dst.copyWithin(doff + k * L, doff, doff + L);
        }
        return;
      }
      for (let j = 0; j < s[axis]; j++)
        fill(axis + 1, so + j * srcStride[axis], doff + j * dstStride[axis]);
      const block = s[axis] * dstStride[axis];
      for (let k = 1; k < reps[axis]; k++) dst.copyWithin(doff + k * block, doff, doff + block);
    };
    fill(0, 0, 0);
    return out;
  };
}

export function makeIdentity(shipped: KernelCall): KernelCall {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (!kernelTuning() || x.dtype === 'string') return shipped(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
