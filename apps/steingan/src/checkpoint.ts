import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '@steinkit/metrics/reference';

/** A named float32 array with its shape. */
export interface SavedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Everything `--resume` needs to continue exactly: both networks, the
 * optimizers' state, the iteration (randomness is derived from seed +
 * iteration, so the RNG state is the pair) and the run's configuration.
 */
export interface Checkpoint {
  iteration: number;
  /** The RNG state: draws of iteration t come from `createRng(mix(seed, t))`. */
  rng: { seed: number; iteration: number };
  /** Settings that must match on resume (dataset, objective, arch, batch …). */
  config: Record<string, unknown>;
  /** Small numbers that are state too (e.g. the optimizers' iteration counts). */
  scalars: Record<string, number>;
  tensors: SavedTensor[];
}

/** A checkpoint that cannot be used; the message says which file and why. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

const MAGIC = 'STEINGAN-CKPT-1\n';

interface Header {
  iteration: number;
  rng: { seed: number; iteration: number };
  config: Record<string, unknown>;
  scalars: Record<string, number>;
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
  payloadBytes: number;
  sha256: string;
}

/**
 * One file: magic line, 4-byte header length, JSON header (with the SHA-256
 * of the payload), float32 payload. Written atomically (temp + rename).
 */
export function encodeCheckpoint(ckpt: Checkpoint): Buffer {
  let offset = 0;
  const metas = ckpt.tensors.map((t) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.values.length)
      throw new RangeError(
        `tensor ${t.name}: shape [${t.shape}] needs ${size} values, got ${t.values.length}`,
      );
    const m = { name: t.name, shape: t.shape, offset, length: t.values.length };
    offset += t.values.length;
    return m;
  });
  const payload = Buffer.alloc(offset * 4);
  const view = new Float32Array(payload.buffer, payload.byteOffset, offset);
  for (let i = 0; i < metas.length; i++) view.set(ckpt.tensors[i].values, metas[i].offset);
  const header: Header = {
    iteration: ckpt.iteration,
    rng: ckpt.rng,
    config: ckpt.config,
    scalars: ckpt.scalars,
    tensors: metas,
    payloadBytes: payload.length,
    sha256: createHash('sha256').update(payload).digest('hex'),
  };
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(h.length, 0);
  return Buffer.concat([Buffer.from(MAGIC, 'utf8'), len, h, payload]);
}

export function saveCheckpoint(path: string, ckpt: Checkpoint): void {
  writeFileAtomic(path, encodeCheckpoint(ckpt));
}

/** Parses and verifies a checkpoint; any damage is a CheckpointError naming the file. */
export function decodeCheckpoint(buf: Buffer, path = '<buffer>'): Checkpoint {
  const bad = (why: string) =>
    new CheckpointError(
      `checkpoint ${path} is corrupt (${why}); refusing to resume from it — delete it (or pass another --out) to start over`,
    );
  const magic = Buffer.from(MAGIC, 'utf8');
  if (buf.length < magic.length + 4 || !buf.subarray(0, magic.length).equals(magic))
    throw bad('not a SteinGAN checkpoint: bad magic bytes');
  const hlen = buf.readUInt32LE(magic.length);
  const hstart = magic.length + 4;
  if (hstart + hlen > buf.length) throw bad('truncated header');
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(hstart, hstart + hlen).toString('utf8'));
  } catch {
    throw bad('unreadable header');
  }
  const payload = buf.subarray(hstart + hlen);
  if (payload.length !== header.payloadBytes)
    throw bad(`payload is ${payload.length} bytes, header says ${header.payloadBytes}`);
  const sha = createHash('sha256').update(payload).digest('hex');
  if (sha !== header.sha256) throw bad('checksum mismatch');
  if (!Number.isInteger(header.iteration) || header.iteration < 0) throw bad('bad iteration');
  const aligned = new Float32Array(payload.length / 4);
  new Uint8Array(aligned.buffer).set(payload);
  return {
    iteration: header.iteration,
    rng: header.rng,
    config: header.config,
    scalars: header.scalars,
    tensors: header.tensors.map((m) => ({
      name: m.name,
      shape: m.shape,
      values: aligned.slice(m.offset, m.offset + m.length),
    })),
  };
}

export function loadCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new CheckpointError(`no checkpoint at ${path} to resume from`);
  return decodeCheckpoint(readFileSync(path), path);
}
