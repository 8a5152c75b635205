/**
 * Calling the wasm backend's own kernels from inside our kernels, and freeing what they
 * return. A kernel runs outside tfjs's tape and tidy scopes, so every intermediate it makes
 * must be disposed by hand (the wasm backend's kernels do the same, e.g. BatchMatMul.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;

export interface KernelArguments {
  readonly inputs: Record<string, TensorInfo>;
  readonly backend: BackendWasm;
  readonly attrs: Record<string, unknown>;
}

/** Runs the wasm kernel `name` as it is registered now. */
export function callWasmKernel(name: string, args: KernelArguments): TensorInfo {
  const result = tf.getKernel(name, 'wasm').kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]);
  if (Array.isArray(result)) throw new Error(`[convlens] wasm kernel ${name} returned several outputs`);
  return result;
}

export function transposeOn(backend: BackendWasm, x: TensorInfo, perm: readonly number[]): TensorInfo {
  return callWasmKernel('Transpose', { inputs: { x }, backend, attrs: { perm: [...perm] } });
}

/** Frees intermediates; tensors the caller still needs must not be passed. */
export function disposeOn(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A Float32Array view of a tensor's memory on the wasm heap (valid until the next allocation). */
export function heapView(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}
