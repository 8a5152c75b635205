/**
 * The IDX format of MNIST and Fashion-MNIST (LeCun et al., http://yann.lecun.com/exdb/mnist/):
 * a magic number 0x0000TTNN (TT = 0x08 for unsigned bytes, NN = number of dimensions),
 * the dimensions as big-endian 32-bit integers, then the data row-major. Files may be
 * gzipped, as distributed.
 */
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Parses IDX bytes (gzipped or not); `what` names the file in messages. */
export function parseIdx(raw: Uint8Array, what: string): IdxArray {
  const bytes = isGzip(raw) ? new Uint8Array(gunzipSync(raw)) : raw;
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${what} is not an IDX file (bad magic number)`);
  if (bytes[2] !== UNSIGNED_BYTE) throw new Error(`${what}: IDX data type 0x${(bytes[2] ?? 0).toString(16)} is not unsigned bytes`);
  const rank = bytes[3] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, axis) => view.getUint32(4 + 4 * axis, false));
  const offset = 4 + 4 * rank;
  const size = dims.reduce((product, dim) => product * dim, 1);
  if (bytes.length < offset + size) throw new Error(`${what} is truncated: ${bytes.length - offset} of ${size} data bytes`);
  return { dims, data: bytes.subarray(offset, offset + size) };
}

/** Images and labels from a pair of IDX files. */
export function toImageSetFromIdx(images: IdxArray, labels: IdxArray, what: string): { images: Uint8Array; labels: Int32Array; count: number; height: number; width: number } {
  const [count, height, width] = images.dims as [number, number, number];
  if (images.dims.length !== 3) throw new Error(`${what}: image file has ${images.dims.length} dimensions, expected 3`);
  if (labels.dims.length !== 1 || labels.dims[0] !== count) throw new Error(`${what}: ${labels.dims[0]} labels for ${count} images`);
  return { images: images.data, labels: Int32Array.from(labels.data), count, height, width };
}
