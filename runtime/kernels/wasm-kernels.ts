/**
 * Registers ConvLens's kernels for tfjs's wasm backend (tfjs-core `registerKernel`, keyed
 * by kernel name and backend name): the convolution gradients it lacks or runs slowly, a
 * fast max-pool gradient and fast transposed matrix products. Idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
// Registers the backend and its stock kernels first, so that ours replace them.
import '@tensorflow/tfjs-backend-wasm';
import { backpropFilter, backpropInput } from './wasm-conv-gradients';
import type { KernelArguments, TensorInfo } from './wasm-kernel-calls';
import { toTransposingMatMul } from './wasm-matmul';
import { toExplicitSamePadding } from './wasm-same-padding';
import { toLeadingAxesSum } from './wasm-sum';
import { tile } from './wasm-tile';
import { avgPoolGradient, maxPoolGradient } from './wasm-pool-gradients';

type KernelFunction = (args: KernelArguments) => TensorInfo;

let registered = false;

/** The kernels replaced or added, by name: what `--backend wasm` reports. */
export const WASM_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'AvgPoolGrad', 'BatchMatMul', 'Conv2D', 'FusedConv2D', 'Tile', 'Sum'] as const;

export function registerWasmKernels(): void {
  if (registered) return;
  const stock = (name: string): KernelFunction => tf.getKernel(name, 'wasm').kernelFunc as unknown as KernelFunction;
  const kernels: Record<(typeof WASM_KERNELS)[number], KernelFunction> = {
    Conv2DBackpropFilter: backpropFilter,
    Conv2DBackpropInput: backpropInput,
    MaxPoolGrad: maxPoolGradient,
    AvgPoolGrad: avgPoolGradient,
    BatchMatMul: toTransposingMatMul(stock('BatchMatMul')),
    Conv2D: toExplicitSamePadding(stock('Conv2D')),
    FusedConv2D: toExplicitSamePadding(stock('FusedConv2D')),
    Tile: tile,
    Sum: toLeadingAxesSum(stock('Sum')),
  };
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    const previous = tf.getKernel(kernelName, 'wasm');
    if (previous !== undefined) tf.unregisterKernel(kernelName, 'wasm');
    // A wrapped stock kernel binds its wasm function in its setup, which must still run.
    const setupFunc = previous?.setupFunc;
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc, ...(setupFunc === undefined ? {} : { setupFunc }) });
  }
  registered = true;
}
