/**
 * Batch normalisation in training as two kernels on the wasm backend (simd/batch-norm.ts).
 * tfjs-layers' BatchNormalization trains through moments and batchNorm — about 15 kernels
 * per layer per step, forward and backward, with a tape of full-size intermediates (about a
 * fifth of ResNet-18's training step here, bench/README.md). ConvLensBatchNormTraining normalises over every axis but
 * the last ([.., C], channels last) in three passes over x and returns y with the batch
 * statistics; ConvLensBatchNormTrainingGrad is its gradient in two passes over dy and x.
 *
 * The kernels' `mean` and `variance` outputs are statistics for the moving averages, which
 * tfjs-layers does not differentiate either: the gradient treats them as constants and
 * differentiates y only (the dependence of y on x through the batch statistics included).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeOn, type KernelArguments, type TensorInfo } from './wasm-kernel-calls';
import { addressOf, elementCount, simdKernels } from './wasm-simd-module';

export const BATCH_NORM_TRAINING_KERNEL = 'ConvLensBatchNormTraining';
export const BATCH_NORM_TRAINING_GRADIENT_KERNEL = 'ConvLensBatchNormTrainingGrad';

/** Rows (every axis but the last) and channels (the last axis) of a channels-last tensor. */
function rowsAndChannels(x: TensorInfo): { rows: number; channels: number } {
  const channels = x.shape[x.shape.length - 1] ?? 1;
  return { rows: elementCount(x) / channels, channels };
}

/** The kernels' scratch (simd/batch-norm.ts): f64 totals and zero-padded per-channel copies. */
function scratchFor(backend: BackendWasm, channels: number): TensorInfo {
  return backend.makeOutput([8 * (Math.ceil(channels / 4) * 4)], 'float32');
}

/** inputs x, gamma, beta ([C]); attrs epsilon → [y, mean, variance, invStd] (the biased variance; invStd = 1/√(variance + ε)). */
export function batchNormTraining(args: KernelArguments): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const x = inputs['x'] as TensorInfo;
  const gamma = inputs['gamma'] as TensorInfo;
  const beta = inputs['beta'] as TensorInfo;
  const { rows, channels } = rowsAndChannels(x);
  const y = backend.makeOutput([...x.shape], 'float32');
  const [mean, variance, invStd] = [0, 1, 2].map(() => backend.makeOutput([channels], 'float32')) as [TensorInfo, TensorInfo, TensorInfo];
  const scratch = scratchFor(backend, channels);
  const at = (info: TensorInfo): number => addressOf(backend, info);
  simdKernels(backend).batchNormTraining(at(x), at(gamma), at(beta), at(y), at(mean), at(variance), at(invStd), at(scratch), rows, channels, attrs['epsilon'] as number);
  disposeOn(backend, scratch);
  return [y, mean, variance, invStd];
}

/** inputs dy, x, mean, invStd, gamma → [dx, dgamma, dbeta]. */
export function batchNormTrainingGradient(args: KernelArguments): TensorInfo[] {
  const { inputs, backend } = args;
  const [dy, x, mean, invStd, gamma] = ['dy', 'x', 'mean', 'invStd', 'gamma'].map((name) => inputs[name] as TensorInfo) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  const { rows, channels } = rowsAndChannels(x);
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dgamma = backend.makeOutput([channels], 'float32');
  const dbeta = backend.makeOutput([channels], 'float32');
  const scratch = scratchFor(backend, channels);
  const at = (info: TensorInfo): number => addressOf(backend, info);
  simdKernels(backend).batchNormTrainingGradient(at(dy), at(x), at(mean), at(invStd), at(gamma), at(dx), at(dgamma), at(dbeta), at(scratch), rows, channels);
  disposeOn(backend, scratch);
  return [dx, dgamma, dbeta];
}

/** y, the batch mean and the biased batch variance of `x` over every axis but the last (the kernel, so wasm only). */
export function batchNormInTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const [y, mean, variance, invStd] = tf.engine().runKernel(BATCH_NORM_TRAINING_KERNEL, { x, gamma, beta }, { epsilon }) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  // Saved for the gradient by the engine (outputsToSave), so not needed here.
  invStd.dispose();
  return { y, mean, variance };
}

let registered = false;

/** The forward kernel's gradient; registered with the kernels (wasm-kernels.ts). */
export function registerBatchNormGradient(): void {
  if (registered) return;
  tf.registerGradient({
    kernelName: BATCH_NORM_TRAINING_KERNEL,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, false, true],
    gradFunc: (dys, saved) => {
      const [x, gamma, mean, invStd] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const dy = Array.isArray(dys) ? (dys[0] as tf.Tensor) : dys;
      // One kernel gives all three; computed here, not in the closures, because the engine
      // calls each closure in its own tidy (tape.ts backpropagateGradients) and would
      // dispose the other two. What no closure returns goes with the backward pass's tidy.
      const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCH_NORM_TRAINING_GRADIENT_KERNEL, { dy, x, mean, invStd, gamma }) as [tf.Tensor, tf.Tensor, tf.Tensor];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
  registered = true;
}
