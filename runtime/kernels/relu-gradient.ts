/**
 * The ReLU on the wasm backend as a pass split between the kernel threads (the stock
 * kernel runs on one), and its gradient as one kernel there. tfjs-core's gradient for Relu is
 * dy · cast(step(x)) — three kernels and two temporary tensors per ReLU per step (~0.5 ms
 * of LeNet-5's training step at batch 64 here); ConvLensReluGrad (simd/channels.ts
 * `reluGradient`) is one pass. The gradient is registered for every backend (tfjs keeps one
 * per kernel name), so on the others it is tfjs-core's own formula, unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelArguments, TensorInfo } from './wasm-kernel-calls';
import { addressOf, elementCount } from './wasm-simd-module';
import { runOnArrays } from './kernel-place';

export const RELU_GRADIENT_KERNEL = 'ConvLensReluGrad';

/** Relu (float32; other types go to the stock kernel): max(x, 0), as tfjs's cpu backend computes it. */
export function toThreadedRelu(stock: (args: KernelArguments) => TensorInfo): (args: KernelArguments) => TensorInfo {
  return (args) => {
    const { inputs, backend } = args;
    const x = inputs['x'] as TensorInfo;
    if (x.dtype !== 'float32' || elementCount(x) === 0) return stock(args);
    const out = backend.makeOutput([...x.shape], 'float32');
    runOnArrays(backend, 'reluForward', [x, out].map((info) => addressOf(backend, info)), elementCount(x));
    return out;
  };
}

export function reluGradient(args: KernelArguments): TensorInfo {
  const { inputs, backend } = args;
  const dy = inputs['dy'] as TensorInfo;
  const x = inputs['x'] as TensorInfo;
  const out = backend.makeOutput([...x.shape], 'float32');
  runOnArrays(backend, 'reluGradient', [dy, x, out].map((info) => addressOf(backend, info)), elementCount(x));
  return out;
}

let registered = false;

export function registerReluGradient(): void {
  if (registered) return;
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => reluGradientOf(dy as tf.Tensor, x) };
    },
  });
  registered = true;
}

/**
 * dy · step(x): the ReLU's gradient at x (or at its output max(x, 0), which is positive
 * exactly where x is and NaN where x is), by ConvLensReluGrad on wasm, by tfjs-core's
 * formula elsewhere.
 */
export function reluGradientOf(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (tf.getBackend() === 'wasm' && x.dtype === 'float32' && dy.dtype === 'float32' && tf.getKernel(RELU_GRADIENT_KERNEL, 'wasm') !== undefined) {
    return tf.engine().runKernel(RELU_GRADIENT_KERNEL, { dy, x }) as tf.Tensor;
  }
  return tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}
