/**
 * Tile for the wasm backend, by block copies: the stock kernel takes ~120 ms to broadcast
 * a [1, 1, 1, 128] batch-norm parameter to [64, 7, 7, 128] here (batch norm's gradient in
 * tfjs-core tiles its parameters to the input's shape). Axes are tiled from the last to
 * the first; tiling one axis repeats contiguous blocks, so every copy is a memcpy.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelArguments, TensorInfo } from './wasm-kernel-calls';

type Elements = Float32Array | Int32Array | Uint8Array;

export function tile(args: KernelArguments): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs['x'] as TensorInfo;
  const reps = attrs['reps'] as number[];
  const shape = [...x.shape];
  // typedArrayFromHeap gives the array type of the dtype, so int32 and bool copy bit for bit.
  let data: Elements = (backend.typedArrayFromHeap(x) as Elements).slice();
  for (let axis = shape.length - 1; axis >= 0; axis -= 1) {
    const times = reps[axis] ?? 1;
    if (times === 1) continue;
    const block = tf.util.sizeFromShape(shape.slice(axis));
    const outer = tf.util.sizeFromShape(shape.slice(0, axis));
    const tiled = new (data.constructor as new (length: number) => Elements)(outer * block * times);
    for (let index = 0; index < outer; index += 1) {
      const source = data.subarray(index * block, (index + 1) * block);
      for (let copy = 0; copy < times; copy += 1) tiled.set(source, (index * times + copy) * block);
    }
    shape[axis] = (shape[axis] as number) * times;
    data = tiled;
  }
  const out = backend.makeOutput(shape, x.dtype);
  (backend.typedArrayFromHeap(out) as Elements).set(data);
  return out;
}
