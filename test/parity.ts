/**
 * Which backends the parity tests compare with `cpu`: `wasm` always, and
 * `webgpu` where it loads (in CI on SwiftShader: `.ci/run` installs libvulkan1
 * and chromium and exports VK_ICD_FILENAMES; without it, the probe falls back
 * to chromium's SwiftShader ICD when the file exists). Where webgpu cannot load, its
 * tests are registered as skipped with the reason in their name, and the
 * reason is printed once.
 *
 * `STEINKIT_PARITY=wasm` (or `webgpu`) restricts the list.
 */
import { existsSync } from 'node:fs';
import { initBackend, SWIFTSHADER_ICD } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';

export type ParityBackend = 'wasm' | 'webgpu';

let webgpuProbe: Promise<string | undefined> | undefined;

/** undefined when webgpu loads here (the reason otherwise); probes once per test file. */
export function webgpuUnavailable(): Promise<string | undefined> {
  webgpuProbe ??= (async () => {
    const before = tf.getBackend();
    try {
      try {
        await initBackend({ backend: 'webgpu' });
      } catch (e) {
        // No adapter, but Debian's chromium SwiftShader ICD is here: point the Vulkan loader at it.
        if (process.env.VK_ICD_FILENAMES || !existsSync(SWIFTSHADER_ICD)) throw e;
        process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
        await initBackend({ backend: 'webgpu' });
        console.warn(`[parity] webgpu on SwiftShader (VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`);
      }
      return undefined;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      console.warn(`[parity] webgpu tests skipped: ${why}`);
      return why;
    } finally {
      if (before) await tf.setBackend(before);
    }
  })();
  return webgpuProbe;
}

export interface ParityTarget {
  backend: ParityBackend;
  /** Why this backend's tests are skipped (undefined: they run). */
  skip?: string;
}

/** The backends to compare with cpu, each with a skip reason when it cannot run here. */
export async function parityTargets(): Promise<ParityTarget[]> {
  const only = process.env.STEINKIT_PARITY;
  const all: ParityBackend[] = ['wasm', 'webgpu'];
  const chosen = only ? all.filter((b) => only.split(',').includes(b)) : all;
  const out: ParityTarget[] = [];
  for (const backend of chosen)
    out.push({ backend, skip: backend === 'webgpu' ? await webgpuUnavailable() : undefined });
  return out;
}

/**
 * Switches tfjs to `name`. On webgpu, small tensors would otherwise run on the
 * CPU (`WEBGPU_CPU_FORWARD`), which would make a parity check vacuous: off.
 * Silences the cpu backend's one-time "install tfjs-node" banner.
 */
export async function useBackend(name: ParityBackend | 'cpu'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialize`);
  if (name === 'webgpu') {
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    await yieldToLoop();
  }
  if (name === 'cpu') (tf.backend() as { firstUse?: boolean }).firstUse = false;
}

/**
 * Lets the event loop run. Synchronous GPU reads block it, and a test that
 * computes for a minute without yielding makes vitest's worker RPC time out
 * ("Timeout calling onTaskUpdate"); long webgpu tests yield between steps.
 */
export function yieldToLoop(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

/** Data buffers `name` holds (catches leaks of kernel intermediates, which tf.memory() cannot see). */
export function backendBuffers(name: string): number {
  return tf.findBackend(name)?.numDataIds() ?? 0;
}

/**
 * The cases a backend runs: all on wasm; on webgpu (SwiftShader compiles
 * every shader variant on the CPU) every `stride`-th one, offset so that
 * consecutive picks differ in more than one parameter.
 */
export function casesFor<T>(backend: ParityBackend, cases: readonly T[], stride = 3): T[] {
  return backend === 'webgpu' ? cases.filter((_, i) => i % stride === 0) : [...cases];
}

/** A name for a skipped test that carries the reason. */
export function skipName(t: ParityTarget, what: string): string {
  return `${what} [${t.backend} skipped: ${t.skip}]`;
}
