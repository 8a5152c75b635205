/**
 * One kernel per optimizer update, for the wasm and cpu backends: tfjs's own Adam runs
 * about a dozen element-wise kernels per variable per step (moments, bias corrections,
 * square root, division), ~120 kernel calls a step for LeNet-5 — a tenth of its step time
 * on wasm. These do the same arithmetic in one pass over the variable: in ConvLens's SIMD
 * module on wasm (simd/optimizers.ts), in JavaScript on cpu.
 *
 * - ConvLensAdam (Kingma and Ba 2015, Algorithm 1, as torch.optim.Adam and tf.train.adam):
 *   m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; w ← w − lr·(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε).
 * - ConvLensMomentum (torch.optim.SGD with momentum, no dampening; tf.train.momentum):
 *   u ← μu + g; w ← w − lr·u.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, simdKernels } from './wasm-simd-module';

export const ADAM_KERNEL = 'ConvLensAdam';
export const MOMENTUM_KERNEL = 'ConvLensMomentum';

interface ElementAccess {
  read(info: tf.TensorInfo): Float32Array;
  /** A new float32 tensor; read its values after the last allocation (on wasm one may move the heap). */
  make(shape: number[]): { info: tf.TensorInfo };
}

/** Reading and making float32 tensors on a backend by hand: the wasm heap, or the cpu backend's arrays. */
function toAccess(backendName: 'wasm' | 'cpu', backend: unknown): ElementAccess {
  if (backendName === 'wasm') {
    const wasm = backend as { typedArrayFromHeap(info: tf.TensorInfo): Float32Array; makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo };
    return {
      read: (info) => wasm.typedArrayFromHeap(info),
      make: (shape) => ({ info: wasm.makeOutput(shape, 'float32') }),
    };
  }
  const cpu = backend as { data: { get(id: object): { values: Float32Array } }; makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo };
  return {
    read: (info) => cpu.data.get(info.dataId).values,
    make: (shape) => ({ info: cpu.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, b) => a * b, 1))) }),
  };
}

function adamKernel(backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const access = toAccess(backendName, backend);
    const { value, m, v, gradient } = inputs as Record<string, tf.TensorInfo>;
    const { learningRate, beta1, beta2, epsilon, step } = attrs as unknown as { learningRate: number; beta1: number; beta2: number; epsilon: number; step: number };
    const shape = [...(value as tf.TensorInfo).shape];
    // Allocate first: on wasm an allocation may move the heap and invalidate earlier views.
    const outputs = [access.make(shape), access.make(shape), access.make(shape)] as const;
    const correction1 = 1 / (1 - beta1 ** step);
    const correction2 = 1 / (1 - beta2 ** step);
    if (backendName === 'wasm') {
      const wasm = backend as BackendWasm;
      const [w, firstMoment, secondMoment, g] = [value, m, v, gradient].map((info) => addressOf(wasm, info as tf.TensorInfo)) as [number, number, number, number];
      const [newValue, newM, newV] = outputs.map((output) => addressOf(wasm, output.info)) as [number, number, number];
      simdKernels(wasm).adam(w, firstMoment, secondMoment, g, newValue, newM, newV, shape.reduce((a, b) => a * b, 1), learningRate, beta1, beta2, epsilon, correction1, correction2);
      return outputs.map((output) => output.info);
    }
    const [w, firstMoment, secondMoment, g] = [value, m, v, gradient].map((info) => access.read(info as tf.TensorInfo)) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const [newValue, newM, newV] = outputs.map((output) => access.read(output.info));
    for (let index = 0; index < w.length; index += 1) {
      const gradientValue = g[index] as number;
      const mean = beta1 * (firstMoment[index] as number) + (1 - beta1) * gradientValue;
      const variance = beta2 * (secondMoment[index] as number) + (1 - beta2) * gradientValue * gradientValue;
      (newM as Float32Array)[index] = mean;
      (newV as Float32Array)[index] = variance;
      (newValue as Float32Array)[index] = (w[index] as number) - (learningRate * mean * correction1) / (Math.sqrt(variance * correction2) + epsilon);
    }
    return outputs.map((output) => output.info);
  };
}

function momentumKernel(backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const access = toAccess(backendName, backend);
    const { value, velocity, gradient } = inputs as Record<string, tf.TensorInfo>;
    const { learningRate, momentum } = attrs as unknown as { learningRate: number; momentum: number };
    const shape = [...(value as tf.TensorInfo).shape];
    const outputs = [access.make(shape), access.make(shape)] as const;
    if (backendName === 'wasm') {
      const wasm = backend as BackendWasm;
      const [w, u, g] = [value, velocity, gradient].map((info) => addressOf(wasm, info as tf.TensorInfo)) as [number, number, number];
      const [newValue, newVelocity] = outputs.map((output) => addressOf(wasm, output.info)) as [number, number];
      simdKernels(wasm).momentum(w, u, g, newValue, newVelocity, shape.reduce((a, b) => a * b, 1), learningRate, momentum);
      return outputs.map((output) => output.info);
    }
    const [w, u, g] = [value, velocity, gradient].map((info) => access.read(info as tf.TensorInfo)) as [Float32Array, Float32Array, Float32Array];
    const [newValue, newVelocity] = outputs.map((output) => access.read(output.info)) as [Float32Array, Float32Array];
    for (let index = 0; index < w.length; index += 1) {
      const next = momentum * (u[index] as number) + (g[index] as number);
      newVelocity[index] = next;
      newValue[index] = (w[index] as number) - learningRate * next;
    }
    return outputs.map((output) => output.info);
  };
}

let registered = false;

export function registerOptimizerKernels(): void {
  if (registered) return;
  for (const backendName of ['wasm', 'cpu'] as const) {
    tf.registerKernel({ kernelName: ADAM_KERNEL, backendName, kernelFunc: adamKernel(backendName) });
    tf.registerKernel({ kernelName: MOMENTUM_KERNEL, backendName, kernelFunc: momentumKernel(backendName) });
  }
  registered = true;
}

/** Whether the active backend has the fused kernels. */
export function hasOptimizerKernels(): boolean {
  return tf.getKernel(ADAM_KERNEL, tf.getBackend()) !== undefined;
}
