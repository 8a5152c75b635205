/**
 * A classifier's loss on logits as one kernel, and its gradient as another, for the wasm
 * and cpu backends: `tf.losses.softmaxCrossEntropy` with one-hot labels, and the count of
 * right answers beside it, take about 25 small kernels a training step (one-hot,
 * log-sum-exp, weighting and mean, argMax, equal, cast, sum) and as many again for the
 * gradient; on LeNet-5 each costs 10–25 µs of bookkeeping for a [64, 10] input.
 *
 * ConvLensSoftmaxCrossEntropy: logits z [B, K] (float32), labels y [B] (int32) →
 *   loss = (1/B) Σ_b (log Σ_k exp z_bk − z_b,y_b)   (float32 scalar; the max is taken out
 *          before exp, as log-sum-exp is usually computed, so large logits do not overflow)
 *   correct = #{b : y_b is the first index of row b's largest logit}   (int32 scalar, tf.argMax's rule)
 * ConvLensSoftmaxCrossEntropyGrad: z, y and the loss's upstream gradient g (a scalar) →
 *   ∂loss/∂z_bk = g · (softmax(z_b)_k − [k = y_b]) / B.
 * Arithmetic in double precision, rounded once to float32. A NaN logit makes its row's loss
 * and gradient NaN, as tfjs's ops do. Labels must lie in 0…K − 1 (the caller's batches do).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const SOFTMAX_CROSS_ENTROPY_KERNEL = 'ConvLensSoftmaxCrossEntropy';
export const SOFTMAX_CROSS_ENTROPY_GRADIENT_KERNEL = 'ConvLensSoftmaxCrossEntropyGrad';

type BackendName = 'wasm' | 'cpu';
type Values = Float32Array | Int32Array;

/** A new tensor on `backend` filled by `fill`, which receives its values (as tfjs keeps them there). */
function makeOutput(backendName: BackendName, backend: unknown, shape: number[], dtype: 'float32' | 'int32', fill: (values: Values) => void): tf.TensorInfo {
  if (backendName === 'wasm') {
    const wasm = backend as BackendWasm;
    const out = wasm.makeOutput(shape, dtype);
    fill(wasm.typedArrayFromHeap(out) as Values);
    return out;
  }
  const cpu = backend as { makeTensorInfo(shape: number[], dtype: string, values: Values): tf.TensorInfo };
  const values = dtype === 'float32' ? new Float32Array(tf.util.sizeFromShape(shape)) : new Int32Array(tf.util.sizeFromShape(shape));
  fill(values);
  return cpu.makeTensorInfo(shape, dtype, values);
}

/** A tensor's values (on wasm a view of the heap: read it before the next allocation). */
function valuesOf(backendName: BackendName, backend: unknown, info: tf.TensorInfo): Values {
  if (backendName === 'wasm') return (backend as BackendWasm).typedArrayFromHeap(info) as Values;
  return (backend as { data: { get(id: object): { values: Values } } }).data.get(info.dataId).values;
}

/** Row b's largest logit and where it first occurs, and log Σ_k exp(z_bk − max). */
function rowStatistics(z: Values, row: number, classes: number): { max: number; first: number; logSum: number } {
  const start = row * classes;
  let max = -Infinity;
  let first = 0;
  for (let k = 0; k < classes; k += 1) {
    const value = z[start + k] as number;
    if (value > max) {
      max = value;
      first = k;
    }
  }
  let sum = 0;
  for (let k = 0; k < classes; k += 1) sum += Math.exp((z[start + k] as number) - max);
  return { max, first, logSum: Math.log(sum) };
}

function sizes(logits: tf.TensorInfo): { batch: number; classes: number } {
  const [batch, classes] = logits.shape as [number, number];
  return { batch, classes };
}

function forwardKernel(backendName: BackendName): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { logits, labels } = inputs as Record<string, tf.TensorInfo>;
    const { batch, classes } = sizes(logits as tf.TensorInfo);
    let total = 0;
    let correct = 0;
    // Read before the outputs are made: on wasm a new tensor may move the heap.
    const z = valuesOf(backendName, backend, logits as tf.TensorInfo);
    const y = valuesOf(backendName, backend, labels as tf.TensorInfo);
    for (let row = 0; row < batch; row += 1) {
      const label = y[row] as number;
      const { max, first, logSum } = rowStatistics(z, row, classes);
      total += max + logSum - (z[row * classes + label] as number);
      if (first === label) correct += 1;
    }
    const loss = makeOutput(backendName, backend, [], 'float32', (values) => {
      values[0] = total / batch;
    });
    const right = makeOutput(backendName, backend, [], 'int32', (values) => {
      values[0] = correct;
    });
    return [loss, right];
  };
}

function gradientKernel(backendName: BackendName): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { logits, labels, dy } = inputs as Record<string, tf.TensorInfo>;
    const { batch, classes } = sizes(logits as tf.TensorInfo);
    return makeOutput(backendName, backend, [batch, classes], 'float32', (out) => {
      // After the allocation: the views below are of the heap as it now is.
      const z = valuesOf(backendName, backend, logits as tf.TensorInfo);
      const y = valuesOf(backendName, backend, labels as tf.TensorInfo);
      const scale = (valuesOf(backendName, backend, dy as tf.TensorInfo)[0] as number) / batch;
      for (let row = 0; row < batch; row += 1) {
        const { max, logSum } = rowStatistics(z, row, classes);
        const start = row * classes;
        const label = y[row] as number;
        for (let k = 0; k < classes; k += 1) {
          const probability = Math.exp((z[start + k] as number) - max - logSum);
          out[start + k] = scale * (probability - (k === label ? 1 : 0));
        }
      }
    });
  };
}

let registered = false;

/** Registers both kernels on wasm and cpu, and the loss's gradient (for every backend that has the kernel). */
export function registerLossKernels(): void {
  if (registered) return;
  for (const backendName of ['wasm', 'cpu'] as const) {
    tf.registerKernel({ kernelName: SOFTMAX_CROSS_ENTROPY_KERNEL, backendName, kernelFunc: forwardKernel(backendName) });
    tf.registerKernel({ kernelName: SOFTMAX_CROSS_ENTROPY_GRADIENT_KERNEL, backendName, kernelFunc: gradientKernel(backendName) });
  }
  tf.registerGradient({
    kernelName: SOFTMAX_CROSS_ENTROPY_KERNEL,
    inputsToSave: ['logits', 'labels'],
    gradFunc: (dy, saved) => {
      const [logits, labels] = saved as [tf.Tensor, tf.Tensor];
      // dy is [d loss, d correct]; the count has no gradient.
      const upstream = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor;
      return {
        logits: () => tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY_GRADIENT_KERNEL, { logits, labels, dy: upstream }) as tf.Tensor,
        labels: () => tf.zerosLike(labels),
      };
    },
  });
  registered = true;
}

/**
 * The mean softmax cross-entropy of `logits` ([B, K]) against integer `labels` ([B]), and
 * how many rows' top logit is their label, by the kernels above where the active backend
 * has them; null where it does not (the caller then uses tfjs's ops).
 */
export function softmaxCrossEntropyAndCorrect(logits: tf.Tensor, labels: tf.Tensor1D): { loss: tf.Scalar; correct: tf.Scalar } | null {
  if (logits.rank !== 2 || logits.dtype !== 'float32' || tf.getKernel(SOFTMAX_CROSS_ENTROPY_KERNEL, tf.getBackend()) === undefined) return null;
  const integers = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
  const [loss, correct] = tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY_KERNEL, { logits, labels: integers }) as tf.Tensor[];
  return { loss: loss as tf.Scalar, correct: correct as tf.Scalar };
}
