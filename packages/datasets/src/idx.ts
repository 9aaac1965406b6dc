import { readFileSync } from 'node:fs';

/** A parsed IDX array: `dims` (e.g. `[60000, 28, 28]`) and its unsigned bytes in row-major order. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX file (the MNIST format: `0x00 0x00 <type> <rank>`, `rank`
 * big-endian uint32 sizes, then the data). Only the unsigned-byte type (0x08)
 * is accepted. A bad magic number, zero rank, or a body whose length does not
 * match the header is an Error naming `source`.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes.length < 4) {
    throw new Error(
      `${source}: not an IDX file (${bytes.length} bytes, the header needs at least 4)`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
    throw new Error(
      `${source}: bad IDX magic number 0x${magic} (expected 0x0000080N; is the file gzipped or corrupt?)`,
    );
  }
  if (bytes[2] !== 0x08) {
    throw new Error(
      `${source}: unsupported IDX element type 0x${bytes[2].toString(16)} (only unsigned bytes, 0x08)`,
    );
  }
  const rank = bytes[3];
  if (rank < 1 || rank > 4) {
    throw new Error(`${source}: unsupported IDX rank ${rank} (expected 1 to 4)`);
  }
  const header = 4 + 4 * rank;
  if (bytes.length < header) {
    throw new Error(`${source}: truncated IDX header (${bytes.length} bytes, need ${header})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) throw new Error(`${source}: IDX dimension ${i} is 0`);
    dims.push(d);
    size *= d;
  }
  const body = bytes.length - header;
  if (body !== size) {
    const what = body < size ? 'truncated' : 'has trailing bytes';
    throw new Error(
      `${source}: IDX file ${what}: header says [${dims.join(', ')}] = ${size} bytes, found ${body}`,
    );
  }
  return { dims, data: bytes.subarray(header) };
}

/** Reads and parses an IDX file; errors name the file. */
export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read IDX file (${(e as Error).message})`);
  }
  return parseIdx(bytes, path);
}
