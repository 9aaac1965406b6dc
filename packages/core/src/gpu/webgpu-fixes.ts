/**
 * steinkit's webgpu kernel fixes: tfjs-backend-webgpu 4.22 kernels that give
 * wrong results, found by running the backend-parity tests on webgpu against
 * cpu (`packages/core/test/wasm-kernels.test.ts`, which runs every case on each
 * available backend).
 *
 * - `UnsortedSegmentSum`: segment ids outside [0, numSegments) are not dropped
 *   (tfjs's contract, and what cpu/wasm do) but scattered into other segments.
 *   Fix: out-of-range ids are sent to one extra segment, which is cut off.
 * - `DepthwiseConv2dNativeBackpropFilter`, `DepthwiseConv2dNativeBackpropInput`:
 *   ignore dilations (the filter tap offset is `p` instead of `p·d`). Fix: WGSL
 *   programs with the dilation in the tap offset, used when a dilation is > 1.
 *
 * Installed by `initBackend` when it selects webgpu; `setWebgpuKernelFixes(false)`
 * restores the shipped kernels (for tests).
 */
import * as tf from '@tensorflow/tfjs-core';

/** The webgpu kernels steinkit replaces. */
export const WEBGPU_KERNEL_FIXES = [
  'UnsortedSegmentSum',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;
export type WebgpuKernelFixName = (typeof WEBGPU_KERNEL_FIXES)[number];

type Info = tf.TensorInfo;
interface WebGpuBackend {
  runWebGPUProgram(
    program: object,
    inputs: Info[],
    dtype: tf.DataType,
    uniforms?: { type: string; data: number[] }[],
    output?: Info,
  ): Info;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): Info;
  disposeData(dataId: object): boolean;
}
type KernelArgs = {
  inputs: Record<string, Info>;
  backend: WebGpuBackend;
  attrs: Record<string, unknown>;
};
type Kernel = (args: KernelArgs) => Info;

interface WebgpuUtil {
  flatDispatchLayout(shape: number[]): { x: number[] };
  computeDispatch(
    layout: { x: number[] },
    outputShape: number[],
    workgroupSize: [number, number, number],
  ): [number, number, number];
}

const shipped = new Map<WebgpuKernelFixName, tf.KernelConfig>();
const fixes = new Map<WebgpuKernelFixName, tf.KernelConfig>();
const active = new Set<WebgpuKernelFixName>();

function first(out: Info | Info[]): Info {
  return Array.isArray(out) ? out[0] : out;
}

/** Runs the kernel registered for `name` on webgpu. */
function call(name: string, args: KernelArgs): Info {
  const k = tf.getKernel(name, 'webgpu')?.kernelFunc as unknown as Kernel | undefined;
  if (!k) throw new Error(`webgpu kernel fixes: the webgpu backend has no '${name}' kernel`);
  return first(k(args));
}

function segmentSumFix(orig: Kernel): Kernel {
  return ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs;
    const numSegments = attrs.numSegments as number;
    const free: Info[] = [];
    const k = (name: string, inp: Record<string, Info>, at: Record<string, unknown> = {}) => {
      const o = call(name, { inputs: inp, backend, attrs: at });
      free.push(o);
      return o;
    };
    const zero = backend.makeTensorInfo([], 'int32', new Int32Array([0]));
    const limit = backend.makeTensorInfo([], 'int32', new Int32Array([numSegments]));
    free.push(zero, limit);
    // ids outside [0, S) → S: one extra segment, dropped below.
    const valid = k('LogicalAnd', {
      a: k('GreaterEqual', { a: segmentIds, b: zero }),
      b: k('Less', { a: segmentIds, b: limit }),
    });
    const limits = k('Fill', {}, { shape: segmentIds.shape, value: numSegments, dtype: 'int32' });
    const ids = k('Select', { condition: valid, t: segmentIds, e: limits });
    const summed = first(
      orig({ inputs: { x, segmentIds: ids }, backend, attrs: { numSegments: numSegments + 1 } }),
    );
    free.push(summed);
    const size = summed.shape.slice();
    size[0] = numSegments;
    const out = call('Slice', {
      inputs: { x: summed },
      backend,
      attrs: { begin: summed.shape.map(() => 0), size },
    });
    for (const t of free) backend.disposeData(t.dataId);
    return out;
  };
}

/** The shipped program's WGSL with the dilation in the tap offset. */
class DepthwiseFilterGradDilated {
  variableNames = ['x', 'dy'];
  uniforms = `strides : vec2<i32>, pads : vec2<i32>, dilations : vec2<i32>, outHeight : i32,
      outWidth : i32, inHeight : i32, inWidth : i32, batchSize : i32, channelMul : i32,`;
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey = 'steinkit_depthwise_conv2d_backprop_filter_dilated';
  constructor(filterShape: number[], util: WebgpuUtil) {
    this.outputShape = filterShape;
    this.dispatchLayout = util.flatDispatchLayout(filterShape);
    this.dispatch = util.computeDispatch(this.dispatchLayout, filterShape, this.workgroupSize);
  }
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          let wR = coords[0];
          let wC = coords[1];
          let d1 = coords[2];
          let dm = coords[3];
          let d2 = d1 * uniforms.channelMul + dm;
          var dotProd = 0.0;
          for (var b = 0; b < uniforms.batchSize; b++) {
            for (var yR = 0; yR < uniforms.outHeight; yR++) {
              let xR = wR * uniforms.dilations[0] + yR * uniforms.strides[0] - uniforms.pads[0];
              if (xR < 0 || xR >= uniforms.inHeight) {
                continue;
              }
              for (var yC = 0; yC < uniforms.outWidth; yC++) {
                let xC = wC * uniforms.dilations[1] + yC * uniforms.strides[1] - uniforms.pads[1];
                if (xC < 0 || xC >= uniforms.inWidth) {
                  continue;
                }
                dotProd += getX(b, xR, xC, d1) * getDy(b, yR, yC, d2);
              }
            }
          }
          setOutputAtIndex(index, dotProd);
        }
      }
    `;
  }
}

function depthwiseFilterFix(orig: Kernel, util: WebgpuUtil): Kernel {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x, dy } = inputs;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape as [number, number, number, number],
      attrs.strides as number | [number, number],
      (attrs.dilations as number | [number, number]) ?? 1,
      attrs.pad as 'same' | 'valid' | number,
      attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
      true,
    );
    if (info.dilationHeight === 1 && info.dilationWidth === 1) return orig(args);
    const program = new DepthwiseFilterGradDilated(info.filterShape, util);
    const i32 = (...data: number[]) => ({ type: 'int32', data });
    return backend.runWebGPUProgram(program, [x, dy], 'float32', [
      i32(info.strideHeight, info.strideWidth),
      i32(info.padInfo.top, info.padInfo.left),
      i32(info.dilationHeight, info.dilationWidth),
      i32(info.outHeight),
      i32(info.outWidth),
      i32(info.inHeight),
      i32(info.inWidth),
      i32(info.batchSize),
      i32(info.outChannels / info.inChannels),
    ]);
  };
}

/**
 * dx[b, r, c, k] = Σ_{p, q, m} dy[b, i, j, k·M + m] · w[p, q, k, m] over the taps with
 * r = i·s_h + p·d_h − top and c = j·s_w + q·d_w − left (integer i, j in range).
 */
class DepthwiseInputGradDilated {
  variableNames = ['dy', 'W'];
  uniforms = `strides : vec2<i32>, pads : vec2<i32>, dilations : vec2<i32>, filterDims : vec2<i32>,
      outHeight : i32, outWidth : i32, channelMul : i32,`;
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey = 'steinkit_depthwise_conv2d_backprop_input_dilated';
  constructor(inShape: number[], util: WebgpuUtil) {
    this.outputShape = inShape;
    this.dispatchLayout = util.flatDispatchLayout(inShape);
    this.dispatch = util.computeDispatch(this.dispatchLayout, inShape, this.workgroupSize);
  }
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          let batch = coords[0];
          let r = coords[1];
          let c = coords[2];
          let d1 = coords[3];
          var dotProd = 0.0;
          for (var wR = 0; wR < uniforms.filterDims[0]; wR++) {
            let tR = r + uniforms.pads[0] - wR * uniforms.dilations[0];
            if (tR < 0 || tR % uniforms.strides[0] != 0) {
              continue;
            }
            let iR = tR / uniforms.strides[0];
            if (iR >= uniforms.outHeight) {
              continue;
            }
            for (var wC = 0; wC < uniforms.filterDims[1]; wC++) {
              let tC = c + uniforms.pads[1] - wC * uniforms.dilations[1];
              if (tC < 0 || tC % uniforms.strides[1] != 0) {
                continue;
              }
              let iC = tC / uniforms.strides[1];
              if (iC >= uniforms.outWidth) {
                continue;
              }
              for (var dm = 0; dm < uniforms.channelMul; dm++) {
                let d2 = d1 * uniforms.channelMul + dm;
                dotProd += getDy(batch, iR, iC, d2) * getW(wR, wC, d1, dm);
              }
            }
          }
          setOutputAtIndex(index, dotProd);
        }
      }
    `;
  }
}

function depthwiseInputFix(orig: Kernel, util: WebgpuUtil): Kernel {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs;
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides as number | [number, number],
      (attrs.dilations as number | [number, number]) ?? 1,
      attrs.pad as 'same' | 'valid' | number,
      attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
      true,
    );
    if (info.dilationHeight === 1 && info.dilationWidth === 1) return orig(args);
    const program = new DepthwiseInputGradDilated(info.inShape, util);
    const i32 = (...data: number[]) => ({ type: 'int32', data });
    return backend.runWebGPUProgram(program, [dy, filter], 'float32', [
      i32(info.strideHeight, info.strideWidth),
      i32(info.padInfo.top, info.padInfo.left),
      i32(info.dilationHeight, info.dilationWidth),
      i32(info.filterHeight, info.filterWidth),
      i32(info.outHeight),
      i32(info.outWidth),
      i32(info.outChannels / info.inChannels),
    ]);
  };
}

/** Registers the fixes for `webgpu` (idempotent); `util` is tfjs-backend-webgpu's `webgpu_util`. */
export function registerWebgpuKernelFixes(util: WebgpuUtil): void {
  if (fixes.size) {
    setWebgpuKernelFixes(true);
    return;
  }
  for (const name of WEBGPU_KERNEL_FIXES) {
    const k = tf.getKernel(name, 'webgpu');
    if (!k) continue; // an older/newer tfjs-backend-webgpu without it: nothing to fix
    shipped.set(name, k);
  }
  const orig = (name: WebgpuKernelFixName) =>
    shipped.get(name)?.kernelFunc as unknown as Kernel | undefined;
  const seg = orig('UnsortedSegmentSum');
  const dw = orig('DepthwiseConv2dNativeBackpropFilter');
  const dx = orig('DepthwiseConv2dNativeBackpropInput');
  const cfg = (kernelName: WebgpuKernelFixName, fn: Kernel): tf.KernelConfig => ({
    kernelName,
    backendName: 'webgpu',
    kernelFunc: fn as unknown as tf.KernelFunc,
  });
  if (seg) fixes.set('UnsortedSegmentSum', cfg('UnsortedSegmentSum', segmentSumFix(seg)));
  if (dw)
    fixes.set(
      'DepthwiseConv2dNativeBackpropFilter',
      cfg('DepthwiseConv2dNativeBackpropFilter', depthwiseFilterFix(dw, util)),
    );
  if (dx)
    fixes.set(
      'DepthwiseConv2dNativeBackpropInput',
      cfg('DepthwiseConv2dNativeBackpropInput', depthwiseInputFix(dx, util)),
    );
  setWebgpuKernelFixes(true);
}

function swap(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, 'webgpu');
  tf.registerKernel(config);
}

/** Turns the webgpu fixes on (all, or `only` these) or off (the shipped kernels). */
export function setWebgpuKernelFixes(on: boolean, only?: readonly WebgpuKernelFixName[]): void {
  for (const [name, fix] of fixes) {
    const want = on && (!only || only.includes(name));
    if (want && !active.has(name)) {
      swap(fix);
      active.add(name);
    } else if (!want && active.has(name)) {
      const s = shipped.get(name);
      if (s) swap(s);
      active.delete(name);
    }
  }
}

/** The webgpu fixes now registered. */
export function activeWebgpuKernelFixes(): WebgpuKernelFixName[] {
  return WEBGPU_KERNEL_FIXES.filter((n) => active.has(n));
}
