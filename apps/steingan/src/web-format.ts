/**
 * The web export format of the lean conditional generator, in one place: the
 * writer (`--export-web`, src/export-web.ts) and the reader (apps/playground's
 * SteinGAN panel, through the `@steinkit/steingan/web-format` subpath) both
 * use this module. Browser-safe: no Node imports, no tensors.
 *
 * `generator.json` is a {@link WebGeneratorManifest}; `generator.bin` holds the
 * dense layers' weights as IEEE 754 float16, little-endian, each W then b at
 * the byte offsets the manifest names.
 */

export const WEB_FORMAT = 'steinkit-generator-1';

/** Where one tensor lies in `generator.bin`: its shape and byte offset. */
export interface WebTensorEntry {
  shape: number[];
  offset: number;
}

export interface WebGeneratorManifest {
  format: typeof WEB_FORMAT;
  dtype: 'float16';
  weights: string;
  /** Bytes of `weights`. */
  byteLength: number;
  iteration: number;
  dataset: string;
  objective: string;
  noise: 'uniform' | 'normal';
  noiseDim: number;
  numClasses: number;
  outputShape: number[];
  /** Dense layers in order: input [ξ, onehot(y)]; relu between layers, sigmoid at the end. */
  layers: { W: WebTensorEntry; b: WebTensorEntry }[];
}

/** One dense layer's weights as float32: W `[in, out]`, b `[out]`. */
export interface WebDenseLayer {
  W: { shape: number[]; values: Float32Array };
  b: { shape: number[]; values: Float32Array };
}

/** float32 → IEEE 754 half (round to nearest even; overflow → ±inf). */
export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let h = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && h & 1)) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
    if (h >= 0x7c00) h = 0x7c00;
    out[i] = sign | h;
  }
  return out;
}

/** IEEE 754 half (its 16 bits) → number. */
export function fromFloat16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Packs dense layers into the bytes of `generator.bin` and their manifest entries. */
export function packWebLayers(layers: WebDenseLayer[]): {
  entries: WebGeneratorManifest['layers'];
  bytes: Uint8Array;
} {
  const parts: Uint16Array[] = [];
  const entries: WebGeneratorManifest['layers'] = [];
  let offset = 0;
  const put = (t: { shape: number[]; values: Float32Array }): WebTensorEntry => {
    if (t.values.length !== size(t.shape)) {
      throw new RangeError(
        `layers: shape [${t.shape.join(', ')}] does not hold ${t.values.length} values`,
      );
    }
    const at = { shape: [...t.shape], offset };
    parts.push(toFloat16(t.values));
    offset += t.values.length * 2;
    return at;
  };
  for (const l of layers) entries.push({ W: put(l.W), b: put(l.b) });
  const bytes = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  return { entries, bytes };
}

/**
 * Reads `generator.json` (parsed) and the bytes of `generator.bin` back into
 * float32 layers; an Error names the file and what is wrong (unknown format,
 * size mismatch, a tensor outside the file).
 */
export function unpackWebGenerator(
  manifest: unknown,
  bin: ArrayBuffer,
): { manifest: WebGeneratorManifest; layers: WebDenseLayer[] } {
  const m = manifest as WebGeneratorManifest;
  if (m == null || typeof m !== 'object' || m.format !== WEB_FORMAT) {
    throw new Error(
      `generator.json: unknown format '${String((m as { format?: unknown } | null)?.format)}', expected '${WEB_FORMAT}'`,
    );
  }
  if (!Array.isArray(m.layers) || m.layers.length === 0) {
    throw new Error('generator.json: no layers');
  }
  if (typeof m.byteLength === 'number' && m.byteLength !== bin.byteLength) {
    throw new Error(`generator.bin: ${bin.byteLength} bytes, generator.json says ${m.byteLength}`);
  }
  const halves = new Uint16Array(bin, 0, Math.floor(bin.byteLength / 2));
  const read = (t: WebTensorEntry, what: string) => {
    const n = size(t.shape);
    const start = t.offset / 2;
    if (!Number.isInteger(start) || start < 0 || start + n > halves.length) {
      throw new Error(
        `generator.json: ${what} [${t.shape.join(', ')}] at byte ${t.offset} lies outside generator.bin (${bin.byteLength} bytes)`,
      );
    }
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = fromFloat16(halves[start + i]);
    return { shape: [...t.shape], values };
  };
  const layers = m.layers.map((l, i) => ({
    W: read(l.W, `layers[${i}].W`),
    b: read(l.b, `layers[${i}].b`),
  }));
  return { manifest: m, layers };
}
