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

export type Padding4D = [[number, number], [number, number], [number, number], [number, number]];

/** The wasm backend's XNNPACK convolution (channels last), with explicit padding. */
export function convolveOn(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  strides: readonly [number, number],
  dilations: readonly [number, number],
  padding: Padding4D,
): TensorInfo {
  return callWasmKernel('Conv2D', {
    inputs: { x, filter },
    backend,
    attrs: { strides: [...strides], dilations: [...dilations], pad: padding, dataFormat: 'NHWC', dimRoundingMode: undefined },
  });
}

export function sliceOn(backend: BackendWasm, x: TensorInfo, begin: readonly number[], size: readonly number[]): TensorInfo {
  return callWasmKernel('Slice', { inputs: { x }, backend, attrs: { begin: [...begin], size: [...size] } });
}

export function reverseOn(backend: BackendWasm, x: TensorInfo, dims: readonly number[]): TensorInfo {
  return callWasmKernel('Reverse', { inputs: { x }, backend, attrs: { dims: [...dims] } });
}

/** Frees intermediates; tensors the caller still needs must not be passed. */
export function disposeOn(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A Float32Array view of a tensor's memory on the wasm heap (valid until the next allocation). */
export function heapView(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}
