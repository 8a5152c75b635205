/**
 * Batch normalisation in training as two kernels on the wasm backend (simd/batch-norm.ts).
 * tfjs-layers' BatchNormalization trains through moments and batchNorm — about 15 kernels
 * per layer per step, forward and backward, with a tape of full-size intermediates (about a
 * fifth of ResNet-18's training step here, bench/README.md). ConvLensBatchNormTraining normalises over every axis but
 * the last ([.., C], channels last) in three passes over x and returns y with the batch
 * statistics; ConvLensBatchNormTrainingGrad is its gradient in two passes over dy and x.
 * Each pass splits its rows between the kernel threads; the per-channel factors between
 * passes (a few hundred channels) are computed here, in f64 and stored as f32.
 *
 * The kernels' `mean` and `variance` outputs are statistics for the moving averages, which
 * tfjs-layers does not differentiate either: the gradient treats them as constants and
 * differentiates y only (the dependence of y on x through the batch statistics included).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelArguments, TensorInfo } from './wasm-kernel-calls';
import { PASS_COST, placeFor, type KernelPlace } from './kernel-place';
import { splitWork } from './kernel-threads';
import { addressOf, elementCount } from './wasm-simd-module';

export const BATCH_NORM_TRAINING_KERNEL = 'ConvLensBatchNormTraining';
export const BATCH_NORM_TRAINING_GRADIENT_KERNEL = 'ConvLensBatchNormTrainingGrad';

/** A batch-norm call: its sizes, its place, and each part's first row and row count. */
interface Rows {
  readonly rows: number;
  readonly channels: number;
  /** Channels rounded up to 4: the kernels' per-channel vectors load whole. */
  readonly padded: number;
  /** Bytes from one row to the next: a part's tensors start `first · rowBytes` into them. */
  readonly rowBytes: number;
  readonly place: KernelPlace;
  readonly parts: [number, number][];
}

/** Rows (every axis but the last) and channels (the last axis) of channels-last `x`, split between the threads that are worth it for `passes`. */
function rowsOf(backend: BackendWasm, x: TensorInfo, passes: number): Rows {
  const channels = x.shape[x.shape.length - 1] ?? 1;
  const rows = elementCount(x) / channels;
  const place = placeFor(backend, elementCount(x) * passes * PASS_COST, rows);
  return { rows, channels, padded: Math.ceil(channels / 4) * 4, rowBytes: channels * 4, place, parts: splitWork(rows, place.threads) };
}

/** Zeroed f64 totals for each part: their addresses, and a function that adds them up per channel (f64). */
function partTotals(call: Rows): { addresses: number[]; sum: () => Float64Array } {
  const addresses = call.parts.map(() => call.place.scratch(2 * call.padded, true));
  const sum = (): Float64Array => {
    const total = new Float64Array(call.channels);
    for (const address of addresses) {
      const part = new Float64Array(call.place.floats(address, 2 * call.padded).buffer, address, call.channels);
      for (let c = 0; c < call.channels; c += 1) total[c] = (total[c] as number) + (part[c] as number);
    }
    return total;
  };
  return { addresses, sum };
}

/** Runs `kernel` on each part's rows; `rowArgs(first, part)` gives the leading arguments, then come the part's row count, the channels and `trailing`. */
function runRows(call: Rows, kernel: 'batchNormSums' | 'batchNormApply' | 'batchNormGradientSums' | 'batchNormGradientApply', rowArgs: (first: number, part: number) => number[], trailing: number[] = []): void {
  call.place.run(kernel, call.parts.map(([first, count], part) => [...rowArgs(first, part), count, call.channels, ...trailing]));
}

/** inputs x, gamma, beta ([C]); attrs epsilon → [y, mean, variance, invStd] (the biased variance; invStd = 1/√(variance + ε)). */
export function batchNormTraining(args: KernelArguments): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const x = inputs['x'] as TensorInfo;
  const call = rowsOf(backend, x, 3);
  const { rows, channels, padded, rowBytes, place } = call;
  const y = backend.makeOutput([...x.shape], 'float32');
  const [mean, variance, invStd] = [0, 1, 2].map(() => backend.makeOutput([channels], 'float32')) as [TensorInfo, TensorInfo, TensorInfo];
  try {
    const [xAt, yAt] = [addressOf(backend, x), addressOf(backend, y)];
    const [meanCopy, scale, shift] = [0, 1, 2].map(() => place.scratch(padded, true)) as [number, number, number];
    // Σx from a zero shift (meanCopy, still zeros), then Σ(x − mean)², then y.
    const sums = partTotals(call);
    runRows(call, 'batchNormSums', (first, part) => [xAt + first * rowBytes, meanCopy, sums.addresses[part] as number], [0]);
    const means = sums.sum();
    const squares = partTotals(call);
    // Views after the last allocation (a Float32Array store rounds each f64 to f32).
    const meanShift = place.floats(meanCopy, channels);
    for (let c = 0; c < channels; c += 1) meanShift[c] = (means[c] as number) / rows;
    runRows(call, 'batchNormSums', (first, part) => [xAt + first * rowBytes, meanCopy, squares.addresses[part] as number], [1]);
    const deviations = squares.sum();
    const epsilon = Math.fround(attrs['epsilon'] as number);
    const channelsOf = (info: TensorInfo): Float32Array => place.floats(addressOf(backend, info), channels);
    const [gamma, beta, v, inverse] = [inputs['gamma'] as TensorInfo, inputs['beta'] as TensorInfo, variance, invStd].map(channelsOf) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const [k, b] = [place.floats(scale, channels), place.floats(shift, channels)];
    channelsOf(mean).set(meanShift);
    for (let c = 0; c < channels; c += 1) {
      v[c] = (deviations[c] as number) / rows;
      inverse[c] = 1 / Math.sqrt((v[c] as number) + epsilon);
      k[c] = (gamma[c] as number) * (inverse[c] as number);
      b[c] = beta[c] as number;
    }
    runRows(call, 'batchNormApply', (first) => [xAt + first * rowBytes, yAt + first * rowBytes, meanCopy, scale, shift]);
  } finally {
    place.finish();
  }
  return [y, mean, variance, invStd];
}

/** inputs dy, x, mean, invStd, gamma → [dx, dgamma, dbeta]. */
export function batchNormTrainingGradient(args: KernelArguments): TensorInfo[] {
  const { inputs, backend } = args;
  const [dy, x, mean, invStd, gamma] = ['dy', 'x', 'mean', 'invStd', 'gamma'].map((name) => inputs[name] as TensorInfo) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  const call = rowsOf(backend, x, 2);
  const { rows, channels, padded, rowBytes, place } = call;
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dgamma = backend.makeOutput([channels], 'float32');
  const dbeta = backend.makeOutput([channels], 'float32');
  try {
    const [dyAt, xAt, dxAt] = [dy, x, dx].map((info) => addressOf(backend, info)) as [number, number, number];
    const [meanCopy, k, a, b] = [0, 1, 2, 3].map(() => place.scratch(padded, true)) as [number, number, number, number];
    const dySums = partTotals(call);
    const productSums = partTotals(call);
    // Views after the last allocation.
    const channelsOf = (info: TensorInfo): Float32Array => place.floats(addressOf(backend, info), channels);
    place.floats(meanCopy, channels).set(channelsOf(mean));
    runRows(call, 'batchNormGradientSums', (first, part) => [dyAt + first * rowBytes, xAt + first * rowBytes, meanCopy, dySums.addresses[part] as number, productSums.addresses[part] as number]);
    const sumDy = dySums.sum();
    const sumProduct = productSums.sum();
    const [inverse, g, dg, db] = [invStd, gamma, dgamma, dbeta].map(channelsOf) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const [kv, av, bv] = [k, a, b].map((address) => place.floats(address, channels)) as [Float32Array, Float32Array, Float32Array];
    for (let c = 0; c < channels; c += 1) {
      const s = sumDy[c] as number;
      const p = sumProduct[c] as number;
      const i = inverse[c] as number;
      db[c] = s;
      dg[c] = p * i;
      // dx = k·(dy − a − (x − mean)·b) with k = γ·invStd, a = dβ/M, b = invStd·dγ/M.
      kv[c] = (g[c] as number) * i;
      av[c] = s / rows;
      bv[c] = (i * i * p) / rows;
    }
    runRows(call, 'batchNormGradientApply', (first) => [dyAt + first * rowBytes, xAt + first * rowBytes, dxAt + first * rowBytes, meanCopy, k, a, b]);
  } finally {
    place.finish();
  }
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
