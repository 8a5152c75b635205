/**
 * Transpose for the wasm backend where it moves the channels of images: [B, H, W, C] ↔
 * [B, C, H, W] (perm [0, 3, 1, 2] and [0, 2, 3, 1]) — the flatten of a channels-first
 * model (layers/channels-first-reshape-layer.ts) and its gradient — as one matrix
 * transpose per image in ConvLens's SIMD module (`transpose`, in 4 × 4 blocks): LeNet-5's
 * [64, 5, 5, 16], each way every step, took the stock kernel 33 µs (fastest) and 48 µs
 * (median) of 1,000 calls here, 61 µs inside a training step; an element-by-element
 * transpose 19.5–31 µs and this one 12.4–13.4 µs (medians, three alternating rounds).
 * Other permutations and dtypes go to the stock kernel.
 */
import type { KernelArguments, TensorInfo } from './wasm-kernel-calls';
import { addressOf, simdKernels } from './wasm-simd-module';

export function toImageTranspose(stock: (args: KernelArguments) => TensorInfo): (args: KernelArguments) => TensorInfo {
  return (args) => imageTranspose(args) ?? stock(args);
}

function imageTranspose({ inputs, backend, attrs }: KernelArguments): TensorInfo | null {
  const x = inputs['x'] as TensorInfo;
  const perm = attrs['perm'] as number[];
  if (x.dtype !== 'float32' || x.shape.length !== 4 || perm.length !== 4) return null;
  const [batch, first, second, third] = x.shape as [number, number, number, number];
  // Each image is a rows × columns matrix whose transpose is the image permuted.
  let rows: number;
  let columns: number;
  if (perm.join() === '0,3,1,2') [rows, columns] = [first * second, third];
  else if (perm.join() === '0,2,3,1') [rows, columns] = [first, second * third];
  else return null;
  const out = backend.makeOutput(perm.map((axis) => x.shape[axis] as number), 'float32');
  const size = rows * columns;
  if (size === 0 || batch === 0) return out;
  const kernels = simdKernels(backend);
  const from = addressOf(backend, x);
  const to = addressOf(backend, out);
  for (let image = 0; image < batch; image += 1) kernels.transpose(from + image * size * 4, to + image * size * 4, rows, columns);
  return out;
}
