/**
 * What every ConvLens kernel for the wasm backend receives, and helpers for its temporary
 * tensors. A kernel runs outside tfjs's tape and tidy scopes, so every intermediate it
 * makes must be disposed by hand (the wasm backend's kernels do the same, e.g. BatchMatMul.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;

export interface KernelArguments {
  readonly inputs: Record<string, TensorInfo>;
  readonly backend: BackendWasm;
  readonly attrs: Record<string, unknown>;
}

/** Frees intermediates; tensors the caller still needs must not be passed. */
export function disposeOn(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A Float32Array view of a tensor's memory on the wasm heap (valid until the next allocation). */
export function heapView(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}
