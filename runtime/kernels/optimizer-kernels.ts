/**
 * One kernel per optimizer update, for the wasm and cpu backends: tfjs's own Adam runs
 * about a dozen element-wise kernels per variable per step (moments, bias corrections,
 * square root, division), ~120 kernel calls a step for LeNet-5 — a tenth of its step time
 * on wasm. These do the same arithmetic in one pass over the variable: in ConvLens's SIMD
 * module on wasm (simd/optimizers.ts; a large variable split between the kernel threads),
 * in JavaScript on cpu.
 *
 * - ConvLensAdam (Kingma and Ba 2015, Algorithm 1, as torch.optim.Adam and tf.train.adam):
 *   m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; w ← w − lr·(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε).
 * - ConvLensMomentum (torch.optim.SGD with momentum, no dampening; tf.train.momentum):
 *   u ← μu + g; w ← w − lr·u.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addressOf, elementCount } from './wasm-simd-module';
import { runOnArrays } from './kernel-place';

export const ADAM_KERNEL = 'ConvLensAdam';
export const MOMENTUM_KERNEL = 'ConvLensMomentum';

/** The wasm backend's side of an update: new outputs, and the addresses the SIMD kernel takes. */
function onWasm(backend: unknown, inputs: readonly tf.TensorInfo[], outputCount: number) {
  const wasm = backend as BackendWasm;
  const shape = [...(inputs[0] as tf.TensorInfo).shape];
  const outputs = Array.from({ length: outputCount }, () => wasm.makeOutput(shape, 'float32'));
  return {
    backend: wasm,
    inputs: inputs.map((info) => addressOf(wasm, info)),
    outputs: outputs.map((info) => addressOf(wasm, info)),
    count: elementCount(outputs[0] as tf.TensorInfo),
    infos: outputs,
  };
}

/** The cpu backend's side: new outputs, and every tensor's values (the cpu backend keeps plain arrays). */
function onCpu(backend: unknown, inputs: readonly tf.TensorInfo[], outputCount: number) {
  const cpu = backend as { data: { get(id: object): { values: Float32Array } }; makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo };
  const shape = [...(inputs[0] as tf.TensorInfo).shape];
  const outputs = Array.from({ length: outputCount }, () => new Float32Array(tf.util.sizeFromShape(shape)));
  return {
    inputs: inputs.map((info) => cpu.data.get(info.dataId).values),
    outputs,
    infos: outputs.map((values) => cpu.makeTensorInfo(shape, 'float32', values)),
  };
}

function adamKernel(backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { value, m, v, gradient } = inputs as Record<string, tf.TensorInfo>;
    const { learningRate, beta1, beta2, epsilon, step } = attrs as unknown as { learningRate: number; beta1: number; beta2: number; epsilon: number; step: number };
    const tensors = [value, m, v, gradient] as tf.TensorInfo[];
    const correction1 = 1 / (1 - beta1 ** step);
    const correction2 = 1 / (1 - beta2 ** step);
    if (backendName === 'wasm') {
      const update = onWasm(backend, tensors, 3);
      // adam(w, m, v, g, new w, new m, new v, count, …): the inputs, then the outputs.
      runOnArrays(update.backend, 'adam', [...update.inputs, ...update.outputs], update.count, [learningRate, beta1, beta2, epsilon, correction1, correction2]);
      return update.infos;
    }
    const update = onCpu(backend, tensors, 3);
    const [w, firstMoment, secondMoment, g] = update.inputs as [Float32Array, Float32Array, Float32Array, Float32Array];
    const [newValue, newM, newV] = update.outputs as [Float32Array, Float32Array, Float32Array];
    for (let index = 0; index < w.length; index += 1) {
      const gradientValue = g[index] as number;
      const mean = beta1 * (firstMoment[index] as number) + (1 - beta1) * gradientValue;
      const variance = beta2 * (secondMoment[index] as number) + (1 - beta2) * gradientValue * gradientValue;
      newM[index] = mean;
      newV[index] = variance;
      newValue[index] = (w[index] as number) - (learningRate * mean * correction1) / (Math.sqrt(variance * correction2) + epsilon);
    }
    return update.infos;
  };
}

function momentumKernel(backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { value, velocity, gradient } = inputs as Record<string, tf.TensorInfo>;
    const { learningRate, momentum } = attrs as unknown as { learningRate: number; momentum: number };
    const tensors = [value, velocity, gradient] as tf.TensorInfo[];
    if (backendName === 'wasm') {
      const update = onWasm(backend, tensors, 2);
      // momentum(w, u, g, new w, new u, count, …): the inputs, then the outputs.
      runOnArrays(update.backend, 'momentum', [...update.inputs, ...update.outputs], update.count, [learningRate, momentum]);
      return update.infos;
    }
    const update = onCpu(backend, tensors, 2);
    const [w, u, g] = update.inputs as [Float32Array, Float32Array, Float32Array];
    const [newValue, newVelocity] = update.outputs as [Float32Array, Float32Array];
    for (let index = 0; index < w.length; index += 1) {
      const next = momentum * (u[index] as number) + (g[index] as number);
      newVelocity[index] = next;
      newValue[index] = (w[index] as number) - learningRate * next;
    }
    return update.infos;
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
