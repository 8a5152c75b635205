/**
 * Registers ConvLens's kernels for tfjs's wasm backend (tfjs-core `registerKernel`, keyed
 * by kernel name and backend name): convolutions and their gradients from ConvLens's own
 * WebAssembly SIMD module (stock tfjs-backend-wasm has no filter gradient and a naive
 * input gradient), a fast max-pool gradient and fast transposed matrix products. Idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
// Registers the backend and its stock kernels first, so that ours replace them.
import '@tensorflow/tfjs-backend-wasm';
import { registerOver, stockKernel } from './kernel-registry';
import type { KernelArguments, TensorInfo } from './wasm-kernel-calls';
import { toSimdMatMul } from './wasm-matmul';
import { toExplicitSamePadding } from './wasm-same-padding';
import { POOLED_CONVOLUTION_KERNEL, simdConvolve, simdFilterGradient, simdInputGradient, simdPooledConvolve } from './wasm-simd-convolution';
import { toLeadingAxesSum } from './wasm-sum';
import { toBiasAdd } from './wasm-bias-add';
import { registerReluGradient, reluGradient, RELU_GRADIENT_KERNEL, toThreadedRelu } from './relu-gradient';
import { tile } from './wasm-tile';
import { toImageTranspose } from './wasm-transpose';
import { avgPoolGradient, maxPoolGradient } from './wasm-pool-gradients';
import { BATCH_NORM_TRAINING_GRADIENT_KERNEL, BATCH_NORM_TRAINING_KERNEL, batchNormTraining, batchNormTrainingGradient, registerBatchNormGradient } from './wasm-batch-norm';
import { shareWasmHeap } from './shared-heap';

type KernelFunction = (args: KernelArguments) => TensorInfo;

let registered = false;

/** The kernels replaced or added, by name: what `--backend wasm` reports. */
export const WASM_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'AvgPoolGrad', 'BatchMatMul', '_FusedMatMul', 'Conv2D', 'FusedConv2D', 'Tile', 'Sum', 'Add', 'Relu', 'Identity', 'Cast', 'Transpose', RELU_GRADIENT_KERNEL, POOLED_CONVOLUTION_KERNEL, BATCH_NORM_TRAINING_KERNEL, BATCH_NORM_TRAINING_GRADIENT_KERNEL] as const;

/**
 * Identity (tf.clone) shares the input's memory, as tfjs's cpu backend does, instead of
 * copying it: tfjs-core clones every tensor it saves for a gradient, ~0.5 ms of copies per
 * LeNet training step at batch 64 here. Sharing is safe because no kernel writes into its
 * inputs (the optimizer kernels write new tensors too).
 */
function sharedIdentity(args: KernelArguments): TensorInfo {
  const x = args.inputs['x'] as TensorInfo;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Cast to the tensor's own dtype shares its memory as Identity does (tfjs's cpu backend
 * does the same); the stock wasm kernel copies. The gradient of every Identity on the
 * tape is such a cast (tfjs-layers: `cast(dy, 'float32')`): 4.5 ms of copies per ResNet-18
 * training step at batch 64 here. A cast to bool is x ≠ 0 (as on the cpu backend; the
 * stock kernel stores the low byte, so −2 became 254); other casts stay with it.
 */
function toSharedCast(stock: KernelFunction): KernelFunction {
  return (args) => {
    const x = args.inputs['x'] as TensorInfo;
    const dtype = args.attrs['dtype'] as tf.DataType;
    if (x.dtype === dtype) return sharedIdentity(args);
    if (dtype !== 'bool' || x.dtype === 'string' || x.dtype === 'complex64') return stock(args);
    const out = args.backend.makeOutput([...x.shape], 'bool');
    // Views after the allocation: growing the heap replaces its buffer.
    const from = args.backend.typedArrayFromHeap(x);
    const to = args.backend.typedArrayFromHeap(out);
    for (let index = 0; index < from.length; index += 1) to[index] = from[index] !== 0 ? 1 : 0;
    return out;
  };
}

/** The SIMD kernel, or the stock one for the calls it does not cover (NCHW, other activations). */
function orStock(simd: (args: KernelArguments) => TensorInfo | null, stock: KernelFunction): KernelFunction {
  return (args) => simd(args) ?? stock(args);
}

function requireSimd(name: string, simd: (args: KernelArguments) => TensorInfo | null): KernelFunction {
  return (args) => {
    const result = simd(args);
    if (result === null) throw new Error(`[convlens] ${name} on the wasm backend supports channels-last (NHWC) data with non-negative padding only`);
    return result;
  };
}

export function registerWasmKernels(): void {
  if (registered) return;
  // Before the backend starts: the kernel threads work on its heap only when it is shared.
  shareWasmHeap();
  const stock = (name: string): KernelFunction => stockKernel(name, 'wasm') as unknown as KernelFunction;
  // Batch norm's kernels return several tensors (tfjs-core's KernelFunc allows an array).
  const kernels: Record<(typeof WASM_KERNELS)[number], KernelFunction | ((args: KernelArguments) => TensorInfo[])> = {
    Conv2DBackpropFilter: requireSimd('Conv2DBackpropFilter', simdFilterGradient),
    Conv2DBackpropInput: requireSimd('Conv2DBackpropInput', simdInputGradient),
    MaxPoolGrad: maxPoolGradient,
    AvgPoolGrad: avgPoolGradient,
    BatchMatMul: toSimdMatMul(stock('BatchMatMul')),
    _FusedMatMul: toSimdMatMul(stock('_FusedMatMul')),
    Conv2D: orStock(simdConvolve, toExplicitSamePadding(stock('Conv2D'))),
    FusedConv2D: orStock(simdConvolve, toExplicitSamePadding(stock('FusedConv2D'))),
    Tile: tile,
    Sum: toLeadingAxesSum(stock('Sum')),
    Add: toBiasAdd(stock('Add')),
    Relu: toThreadedRelu(stock('Relu')),
    Identity: sharedIdentity,
    Cast: toSharedCast(stock('Cast')),
    Transpose: toImageTranspose(stock('Transpose')),
    [RELU_GRADIENT_KERNEL]: reluGradient,
    [POOLED_CONVOLUTION_KERNEL]: simdPooledConvolve,
    [BATCH_NORM_TRAINING_KERNEL]: batchNormTraining,
    [BATCH_NORM_TRAINING_GRADIENT_KERNEL]: batchNormTrainingGradient,
  };
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) registerOver(kernelName, 'wasm', kernelFunc as unknown as tf.KernelFunc);
  registerReluGradient();
  registerBatchNormGradient();
  registered = true;
}
