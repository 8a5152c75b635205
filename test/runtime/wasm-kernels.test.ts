/**
 * ConvLens's wasm kernels (runtime/kernels) against tfjs's cpu backend, the oracle: on
 * random shapes, strides, paddings ('same', 'valid', explicit) and dilations, the
 * gradients computed on wasm equal the cpu backend's to 1e-4 relative to their largest
 * element. Where tfjs's stock cpu kernel is wrong (the average-pool gradient at 'same'
 * borders, corrected by runtime/kernels/stock-kernel-fixes.ts once chooseBackend picks cpu)
 * the oracle is a central finite difference instead, whichever cpu kernel is registered.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { dilateKernel } from 'convlens-runtime/layers/conv2d-layer';
import { registerOptimizerKernels } from 'convlens-runtime/kernels/optimizer-kernels';
import { kernelThreadCount, threadedCallCount } from 'convlens-runtime/kernels/kernel-threads';
import { FusedAdam, FusedMomentum } from 'convlens-runtime/training/fused-optimizers';
import { relativeError } from './relative-error';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** A small linear congruential generator (Numerical Recipes' constants), so every run draws the same cases. */
function toRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Runs `compute` on both backends with the same inputs; returns each output flattened. */
async function onBothBackends(inputs: readonly { values: number[] | Float32Array; shape: number[] }[], compute: (...tensors: tf.Tensor[]) => tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const results: Record<string, Float32Array[]> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend);
    const outputs = tf.tidy(() => compute(...inputs.map(({ values, shape }) => tf.tensor(values, shape))));
    results[backend] = await Promise.all(outputs.map(async (output) => (await output.data()) as Float32Array));
    tf.dispose(outputs);
  }
  return { cpu: results['cpu']!, wasm: results['wasm']! };
}

const TOLERANCE = 1e-4;

describe('runtime: wasm kernels against the cpu backend', function () {
  this.timeout(120_000);
  const random = toRandom(20241128);
  const integer = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
  const values = (count: number): number[] => Array.from({ length: count }, () => random() * 2 - 1);
  const pick = <T>(options: readonly T[]): T => options[integer(0, options.length - 1)] as T;

  before(async () => {
    await chooseBackend({ requested: 'wasm' });
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('Conv2D (forward), Conv2DBackpropFilter and Conv2DBackpropInput on 60 random convolutions', async () => {
    let checked = 0;
    for (let trial = 0; trial < 60; trial += 1) {
      // Filters up to 20: the SIMD kernels work 8 filters at a time, so this covers whole
      // blocks, partial last blocks and fewer filters than one block.
      // Trial 0 is LeNet's first layer at batch 4: 3,136 output pixels, so the filter
      // gradient sums many 256-pixel chunks.
      const lenet = trial === 0;
      const [batch, height, width, channels, filters] = lenet ? [4, 28, 28, 1, 6] : [integer(1, 3), integer(3, 12), integer(3, 12), integer(1, 9), integer(1, 20)];
      const kernel: [number, number] = lenet ? [5, 5] : [integer(1, Math.min(5, height)), integer(1, Math.min(5, width))];
      const strides: [number, number] = lenet ? [1, 1] : [integer(1, 3), integer(1, 3)];
      const pad: Pad = lenet ? [[0, 0], [2, 2], [2, 2], [0, 0]] : pick<Pad>(['same', 'valid', [[0, 0], [integer(0, 2), integer(0, 2)], [integer(0, 2), integer(0, 2)], [0, 0]]]);
      const xShape = [batch, height, width, channels];
      const wShape = [kernel[0], kernel[1], channels, filters];
      const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], wShape as [number, number, number, number], strides, 1, pad);
      if (info.outHeight <= 0 || info.outWidth <= 0) continue;
      const upstream = values(batch * info.outHeight * info.outWidth * filters);
      const { cpu, wasm } = await onBothBackends(
        [
          { values: values(batch * height * width * channels), shape: xShape },
          { values: values(wShape.reduce((a, b) => a * b, 1)), shape: wShape },
          { values: upstream, shape: [batch, info.outHeight, info.outWidth, filters] },
        ],
        (x, w, dy) => [
          tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad),
          ...tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), dy as tf.Tensor)))([x as tf.Tensor, w as tf.Tensor]),
        ],
      );
      const label = JSON.stringify({ xShape, wShape, strides, pad });
      // The forward pass too: stock wasm gets 'same' wrong for non-square kernels and strides.
      assert.ok(relativeError(wasm[0]!, cpu[0]!) < TOLERANCE, `forward of ${label}`);
      assert.ok(relativeError(wasm[1]!, cpu[1]!) < TOLERANCE, `input gradient of ${label}`);
      assert.ok(relativeError(wasm[2]!, cpu[2]!) < TOLERANCE, `filter gradient of ${label}`);
      checked += 1;
    }
    assert.ok(checked >= 40, `only ${checked} convolutions fitted`);
  });

  it('FusedConv2D with bias and ReLU, and dilated Conv2D, on 30 random convolutions', async () => {
    for (let trial = 0; trial < 30; trial += 1) {
      const [batch, height, width, channels, filters] = [integer(1, 3), integer(6, 12), integer(6, 12), integer(1, 6), integer(1, 20)];
      const kernel: [number, number] = [integer(1, 3), integer(1, 3)];
      const dilation: [number, number] = [integer(1, 2), integer(1, 2)];
      const pad: Pad = pick<Pad>(['same', 'valid', [[0, 0], [integer(0, 2), integer(0, 2)], [integer(0, 2), integer(0, 2)], [0, 0]]]);
      const activation = pick(['linear', 'relu'] as const);
      const { cpu, wasm } = await onBothBackends(
        [
          { values: values(batch * height * width * channels), shape: [batch, height, width, channels] },
          { values: values(kernel[0] * kernel[1] * channels * filters), shape: [kernel[0], kernel[1], channels, filters] },
          { values: values(filters), shape: [filters] },
        ],
        (x, w, bias) => [tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad, dilations: dilation, bias: bias as tf.Tensor1D, activation })],
      );
      assert.ok(relativeError(wasm[0]!, cpu[0]!) < TOLERANCE, `fused ${activation} ${JSON.stringify({ kernel, dilation, pad, channels, filters })}`);
    }
  });

  it('FusedConv2D whose filter has more than 512 taps (the direct kernel sums them in passes of 512) on 12 random convolutions', async () => {
    for (let trial = 0; trial < 12; trial += 1) {
      // Strided 3 × 3 and 5 × 5 or 2 × 3 at stride 1: shapes Winograd leaves to the direct kernel.
      const [kernel, strides] = pick<[[number, number], [number, number]]>([[[3, 3], [2, 2]], [[5, 5], [1, 1]], [[2, 3], [1, 2]]]);
      const channels = Math.ceil(513 / (kernel[0] * kernel[1])) + integer(0, 90);
      const [batch, height, width, filters] = [integer(1, 2), integer(5, 9), integer(5, 9), integer(1, 20)];
      const pad = pick<Pad>(['same', 'valid']);
      const activation = pick(['linear', 'relu'] as const);
      const { cpu, wasm } = await onBothBackends(
        [
          { values: values(batch * height * width * channels), shape: [batch, height, width, channels] },
          { values: values(kernel[0] * kernel[1] * channels * filters), shape: [kernel[0], kernel[1], channels, filters] },
          { values: values(filters), shape: [filters] },
        ],
        (x, w, bias) => [tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides, pad, bias: bias as tf.Tensor1D, activation })],
      );
      assert.ok(relativeError(wasm[0]!, cpu[0]!) < TOLERANCE, `fused ${activation} ${JSON.stringify({ kernel, strides, pad, batch, height, width, channels, filters })}`);
    }
  });

  it('Conv2DBackpropFilter with more than 64 filters (the direct kernel takes them in passes of 64) on 8 random convolutions', async () => {
    for (let trial = 0; trial < 8; trial += 1) {
      // Strided, so that Winograd leaves them to the direct kernel.
      const [batch, height, width, channels, filters] = [integer(1, 2), integer(5, 9), integer(5, 9), integer(1, 6), integer(65, 150)];
      const kernel: [number, number] = [integer(1, 3), integer(1, 3)];
      const pad = pick<Pad>(['same', 'valid']);
      const info = tf.backend_util.computeConv2DInfo([batch, height, width, channels], [kernel[0], kernel[1], channels, filters], 2, 1, pad);
      const { cpu, wasm } = await onBothBackends(
        [
          { values: values(batch * height * width * channels), shape: [batch, height, width, channels] },
          { values: values(kernel[0] * kernel[1] * channels * filters), shape: [kernel[0], kernel[1], channels, filters] },
          { values: values(batch * info.outHeight * info.outWidth * filters), shape: [batch, info.outHeight, info.outWidth, filters] },
        ],
        (x, w, dy) => [tf.grad((b) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, b as tf.Tensor4D, 2, pad), dy as tf.Tensor)))(w as tf.Tensor)],
      );
      assert.ok(relativeError(wasm[0]!, cpu[0]!) < TOLERANCE, `filter gradient ${JSON.stringify({ batch, height, width, channels, filters, kernel, pad })}`);
    }
  });

  type PaddingPairs = [[number, number], [number, number], [number, number], [number, number]];
  interface PooledCase {
    readonly xShape: [number, number, number, number];
    readonly kernel: [number, number];
    readonly filters: number;
    readonly strides: [number, number];
    readonly pad: PaddingPairs;
    readonly activation: 'linear' | 'relu';
  }

  /**
   * ConvLensPooledConv2D on wasm against the cpu backend's fused convolution and then its
   * max pool; false (nothing compared) when the convolution's output is under 2 × 2.
   */
  async function matchesPooled({ xShape, kernel, filters, strides, pad, activation }: PooledCase): Promise<boolean> {
    const channels = xShape[3];
    const xValues = values(xShape.reduce((product, size) => product * size, 1));
    const wValues = values(kernel[0] * kernel[1] * channels * filters);
    const biasValues = values(filters);
    const inputs = () => ({ x: tf.tensor4d(xValues, xShape), filter: tf.tensor4d(wValues, [kernel[0], kernel[1], channels, filters]), bias: tf.tensor1d(biasValues) });
    await tf.setBackend('cpu');
    const expected = tf.tidy(() => {
      const convolved = tf.fused.conv2d({ ...inputs(), strides, pad, activation });
      return convolved.shape[1] < 2 || convolved.shape[2] < 2 ? tf.tensor([]) : tf.maxPool(convolved, 2, 2, 'valid');
    });
    const expectedValues = await expected.data();
    const expectedShape = expected.shape;
    expected.dispose();
    if (expectedShape.length !== 4) return false;
    await tf.setBackend('wasm');
    const actual = tf.tidy(() => tf.engine().runKernel('ConvLensPooledConv2D', inputs(), { strides, pad, dilations: [1, 1], dataFormat: 'NHWC', activation } as unknown as tf.NamedAttrMap) as tf.Tensor);
    const label = JSON.stringify({ xShape, kernel, filters, strides, pad, activation });
    assert.deepEqual(actual.shape, expectedShape, label);
    const actualValues = await actual.data();
    actual.dispose();
    assert.ok(relativeError(actualValues as Float32Array, expectedValues as Float32Array) < TOLERANCE, `pooled ${label}`);
    return true;
  }

  it('ConvLensPooledConv2D (convolution, ReLU and a 2 × 2 max pool in one pass) on 30 random cases', async () => {
    let compared = 0;
    for (let trial = 0; trial < 30; trial += 1) {
      const pooled = await matchesPooled({
        xShape: [integer(1, 3), integer(4, 13), integer(4, 13), integer(1, 6)],
        kernel: [integer(1, 3), integer(1, 3)],
        filters: integer(1, 20),
        strides: [integer(1, 2), integer(1, 2)],
        pad: [[0, 0], [integer(0, 1), integer(0, 1)], [integer(0, 1), integer(0, 1)], [0, 0]],
        activation: pick(['linear', 'relu'] as const),
      });
      if (pooled) compared += 1;
    }
    assert.ok(compared >= 20, `${compared} of 30 cases had a 2 × 2 output to pool`);
  });

  it('ConvLensPooledConv2D of one channel at column stride 1 (the row-vector kernel, pooled: LeNet\'s first layer) at its edges and on 30 random cases', async () => {
    // Output widths 15, 16 and 17 (the kernel's narrowest is 16, an odd one drops a column),
    // an odd output height across a batch of 3, odd filter counts.
    for (const [width, filters] of [[15, 1], [16, 5], [17, 7], [16, 2]] as const) {
      const pooled = await matchesPooled({ xShape: [3, 7, width, 1], kernel: [3, 3], filters, strides: [1, 1], pad: [[0, 0], [1, 1], [1, 1], [0, 0]], activation: 'relu' });
      assert.ok(pooled, `width ${width}: a 2 × 2 output`);
    }
    for (let trial = 0; trial < 30; trial += 1) {
      // Output widths from 15 (one below the kernel's narrowest) up and at least two output
      // rows; odd sizes and odd filter counts included.
      const kernel: [number, number] = [integer(1, 5), integer(1, 5)];
      const pooled = await matchesPooled({
        xShape: [integer(1, 3), kernel[0] + integer(2, 11), kernel[1] + integer(14, 36), 1],
        kernel,
        filters: integer(1, 9),
        strides: [integer(1, 2), 1],
        pad: [[0, 0], [integer(0, 2), integer(0, 2)], [integer(0, 2), integer(0, 2)], [0, 0]],
        activation: pick(['linear', 'relu'] as const),
      });
      assert.ok(pooled, 'every case has a 2 × 2 output');
    }
  });

  it('one-channel convolutions at column stride 1 (the row-vector kernel: LeNet\'s first layer) on 30 random cases', async () => {
    for (let trial = 0; trial < 30; trial += 1) {
      // Widths around the kernel's narrowest (16) and up.
      const [batch, height, width, filters] = [integer(1, 3), integer(5, 12), integer(12, 40), integer(1, 12)];
      const kernel: [number, number] = [integer(1, 5), integer(1, 5)];
      const strides: [number, number] = [integer(1, 2), 1];
      const pad: Pad = pick<Pad>(['same', 'valid', [[0, 0], [integer(0, 2), integer(0, 2)], [integer(0, 2), integer(0, 2)], [0, 0]]]);
      const activation = pick(['linear', 'relu'] as const);
      const { cpu, wasm } = await onBothBackends(
        [
          { values: values(batch * height * width), shape: [batch, height, width, 1] },
          { values: values(kernel[0] * kernel[1] * filters), shape: [kernel[0], kernel[1], 1, filters] },
          { values: values(filters), shape: [filters] },
        ],
        (x, w, bias) => [
          tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides, pad, bias: bias as tf.Tensor1D, activation }),
          tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad),
        ],
      );
      const label = JSON.stringify({ height, width, filters, kernel, strides, pad, activation });
      assert.ok(relativeError(wasm[0]!, cpu[0]!) < TOLERANCE, `fused ${label}`);
      assert.ok(relativeError(wasm[1]!, cpu[1]!) < TOLERANCE, `plain ${label}`);
    }
  });

  it('dilated convolutions (trained through a dilated kernel) on 20 random cases', async () => {
    for (let trial = 0; trial < 20; trial += 1) {
      const dilation: [number, number] = [integer(1, 3), integer(1, 3)];
      const kernel: [number, number] = [integer(1, 3), integer(1, 3)];
      const strides: [number, number] = [integer(1, 2), integer(1, 2)];
      const [batch, channels, filters] = [integer(1, 2), integer(1, 4), integer(1, 4)];
      const height = dilation[0] * (kernel[0] - 1) + 1 + integer(0, 6);
      const width = dilation[1] * (kernel[1] - 1) + 1 + integer(0, 6);
      const pad: Pad = pick<Pad>(['same', 'valid', [[0, 0], [1, 1], [0, 2], [0, 0]]]);
      const xShape: [number, number, number, number] = [batch, height, width, channels];
      const wShape: [number, number, number, number] = [kernel[0], kernel[1], channels, filters];
      const probe = tf.tidy(() => tf.conv2d(tf.zeros(xShape) as tf.Tensor4D, dilateKernel(tf.zeros(wShape) as tf.Tensor4D, dilation), strides, pad).shape as number[]);
      const { cpu, wasm } = await onBothBackends(
        [
          { values: values(batch * height * width * channels), shape: [batch, height, width, channels] },
          { values: values(wShape.reduce((a, b) => a * b, 1)), shape: wShape },
          { values: values(probe.reduce((a, b) => a * b, 1)), shape: probe as number[] },
        ],
        (x, w, dy) => {
          const forward = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.conv2d(a as tf.Tensor4D, dilateKernel(b as tf.Tensor4D, dilation), strides, pad);
          // The dilated kernel agrees with tfjs's own dilated forward convolution (stride 1 only: tfjs refuses both).
          const native = strides[0] === 1 && strides[1] === 1 ? tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, pad, 'NHWC', dilation) : forward(x, w);
          return [tf.sub(forward(x, w), native), ...tf.grads((a, b) => tf.sum(tf.mul(forward(a, b), dy as tf.Tensor)))([x as tf.Tensor, w as tf.Tensor])];
        },
      );
      assert.ok(Math.max(...cpu[0]!.map(Math.abs)) < 1e-5, 'dilated kernel = dilated convolution');
      assert.ok(relativeError(wasm[1]!, cpu[1]!) < TOLERANCE, `input gradient, dilation ${dilation}`);
      assert.ok(relativeError(wasm[2]!, cpu[2]!) < TOLERANCE, `filter gradient, dilation ${dilation}`);
    }
  });

  it('transposed convolutions (the forward pass of Conv2DBackpropInput) on 20 random cases', async () => {
    for (let trial = 0; trial < 20; trial += 1) {
      const [batch, height, width, channels, filters] = [integer(1, 2), integer(1, 6), integer(1, 6), integer(1, 4), integer(1, 4)];
      const kernel = integer(1, 4);
      const stride = integer(1, 3);
      const padding = pick(['same', integer(0, Math.max(kernel - 1, 0))] as const);
      const outHeight: number = padding === 'same' ? height * stride : (height - 1) * stride - 2 * padding + kernel;
      const outWidth = padding === 'same' ? width * stride : (width - 1) * stride - 2 * padding + kernel;
      if (outHeight <= 0 || outWidth <= 0) continue;
      const { cpu, wasm } = await onBothBackends(
        [
          { values: values(batch * height * width * channels), shape: [batch, height, width, channels] },
          { values: values(kernel * kernel * filters * channels), shape: [kernel, kernel, filters, channels] },
        ],
        (x, w) => [tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [batch, outHeight, outWidth, filters], stride, padding)],
      );
      assert.ok(relativeError(wasm[0]!, cpu[0]!) < TOLERANCE, `transposed convolution ${JSON.stringify({ height, width, kernel, stride, padding })}`);
    }
  });

  it('MaxPoolGrad, with overlapping windows and padding, on 30 random cases', async () => {
    for (let trial = 0; trial < 30; trial += 1) {
      const [batch, height, width, channels] = [integer(1, 3), integer(2, 11), integer(2, 11), integer(1, 5)];
      const size: [number, number] = [integer(1, Math.min(4, height)), integer(1, Math.min(4, width))];
      const strides: [number, number] = [integer(1, 3), integer(1, 3)];
      const pad = pick(['same', 'valid'] as const);
      const shape = tf.tidy(() => tf.maxPool(tf.zeros([batch, height, width, channels]) as tf.Tensor4D, size, strides, pad).shape);
      const { cpu, wasm } = await onBothBackends(
        [
          { values: values(batch * height * width * channels), shape: [batch, height, width, channels] },
          { values: values(shape.reduce((a, b) => a * b, 1)), shape },
        ],
        (x, dy) => [tf.grad((a) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, size, strides, pad), dy as tf.Tensor)))(x as tf.Tensor)],
      );
      assert.ok(relativeError(wasm[0]!, cpu[0]!) < TOLERANCE, `max pool ${JSON.stringify({ height, width, size, strides, pad })}`);
    }
  });

  it('MaxPoolGrad of the 2×2, stride-2 window (its SIMD path), with ties from ReLU zeros', async () => {
    // Channels 1–3 take the scalar lanes only (into zeros), 4 and 16 whole vectors; 5, 6
    // and 7 end with a vector overlapping the one before. Where windows cover the image and
    // C ≥ 4 the kernel writes every pixel itself: NaN left in freed memory just before
    // (which the gradient's allocation likely reuses) shows any pixel it misses.
    for (const [height, width, channels] of [[28, 28, 6], [7, 9, 3], [2, 2, 1], [10, 10, 16], [5, 6, 4], [8, 8, 5], [4, 6, 7]] as const) {
      const xValues = values(2 * height * width * channels).map((value) => Math.max(value, 0));
      const outShape = [2, Math.floor(height / 2), Math.floor(width / 2), channels];
      const { cpu, wasm } = await onBothBackends(
        [
          { values: xValues, shape: [2, height, width, channels] },
          { values: values(outShape.reduce((a, b) => a * b, 1)), shape: outShape },
        ],
        (x, dy) => {
          const junk = tf.fill(x!.shape, Number.NaN);
          junk.dataSync();
          junk.dispose();
          return [tf.grad((a) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), dy as tf.Tensor)))(x as tf.Tensor)];
        },
      );
      assert.ok(wasm[0]!.every(Number.isFinite), `2×2 max pool on ${height}×${width}×${channels}: a pixel left unwritten`);
      assert.ok(relativeError(wasm[0]!, cpu[0]!) < TOLERANCE, `2×2 max pool on ${height}×${width}×${channels}`);
    }
  });

  it('Sum over leading axes (a bias gradient) and over others', async () => {
    for (const axes of [[0, 1, 2], [0], [1, 2], [0, 2], [3], [-1]]) {
      const { cpu, wasm } = await onBothBackends([{ values: values(2 * 5 * 4 * 3), shape: [2, 5, 4, 3] }], (x) => [tf.sum(x as tf.Tensor, axes), tf.sum(x as tf.Tensor, axes, true)]);
      assert.ok(relativeError(wasm[0]!, cpu[0]!) < TOLERANCE && relativeError(wasm[1]!, cpu[1]!) < TOLERANCE, `sum over ${axes}`);
    }
    // Bias gradients of every period the SIMD pass handles: lcm(C, 4) of 4, 8, 12, 16 (in
    // registers) and 120, 20 (in memory), with and without elements after the last period.
    for (const shape of [[64, 7, 7, 6], [3, 5, 3], [8, 4, 16], [5, 8], [2, 3, 120], [7, 5], [1, 1]]) {
      const size = shape.reduce((a, b) => a * b, 1);
      const { cpu, wasm } = await onBothBackends([{ values: values(size), shape }], (x) => [tf.sum(x as tf.Tensor, shape.slice(0, -1).map((_, axis) => axis))]);
      assert.ok(relativeError(wasm[0]!, cpu[0]!) < TOLERANCE, `bias gradient of ${shape}`);
    }
  });

  it('edge cases as the cpu backend has them: NaN and −∞ in max pools, ∞ in an input gradient, empty tensors, negative padding', async () => {
    const results = await onBothBackends(
      [
        // Windows [NaN, 1, 2, 3] and four −∞ (the cpu backend: NaN never wins, −∞ only passes nothing), in 1 and 4 channels.
        { values: [Number.NaN, 1, -Infinity, -Infinity, 2, 3, -Infinity, -Infinity], shape: [1, 2, 4, 1] },
        { values: Array.from({ length: 32 }, (_, index) => [Number.NaN, 1, -Infinity, 2, 3, -Infinity, 0.5, -Infinity][index % 8]!), shape: [1, 2, 4, 4] },
      ],
      (x1, x4) => [
        tf.grad((a) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x1 as tf.Tensor),
        tf.grad((a) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x4 as tf.Tensor),
        tf.grad((a) => tf.sum(tf.maxPool(a as tf.Tensor4D, 3, 1, 'same')))(x4 as tf.Tensor),
        // An infinite output gradient reaches only the inputs its window covers (1×1 kernel, stride 2).
        tf.grad((a) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, tf.ones([1, 1, 1, 3]) as tf.Tensor4D, [1, 2], 'valid'), tf.tensor4d(Array.from({ length: 12 }, (_, index) => (index === 0 ? Infinity : 0)), [1, 1, 4, 3]))))(tf.ones([1, 1, 8, 1])),
        tf.sum(tf.zeros([3, 0]), 0),
        tf.add(tf.zeros([3, 0]), tf.zeros([0])),
        // Negative padding crops (tfjs-core allows it; the SIMD kernel leaves it to the stock one).
        tf.conv2d(tf.ones([2, 6, 6, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 2]) as tf.Tensor4D, 1, [[0, 0], [-1, 0], [-1, 0], [0, 0]]),
      ],
    );
    for (let index = 0; index < results.cpu.length; index += 1) {
      assert.deepEqual(Array.from(results.wasm[index]!), Array.from(results.cpu[index]!), `result ${index}`);
    }
    await tf.setBackend('wasm');
    // A gradient through negative padding, or of the wrong shape, is refused with one clear line.
    assert.throws(
      () => tf.grad((w) => tf.sum(tf.conv2d(tf.ones([1, 6, 6, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, [[0, 0], [-1, 0], [-1, 0], [0, 0]])))(tf.ones([3, 3, 1, 2])),
      /Conv2DBackpropFilter on the wasm backend supports channels-last \(NHWC\) data with non-negative padding only/,
    );
    assert.throws(() => tf.conv2dTranspose(tf.ones([1, 2, 2, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, [1, 10, 10, 1], 1, 'same'), /output gradient has shape \[1, 2, 2, 1\]; this convolution's output is \[1, 10, 10, 1\]/);
  });

  it('Add of a per-channel bias (either operand, [C] or [1, …, 1, C]) and other broadcasts', async () => {
    const cases: [number[], number[]][] = [[[64, 7, 7, 6], [6]], [[6], [4, 3, 6]], [[2, 3, 5], [1, 1, 5]], [[4, 16], [16]], [[3, 120], [120]], [[2, 3, 4], [3, 1]], [[2, 3], [2, 3]], [[5], [1]]];
    for (const [aShape, bShape] of cases) {
      const { cpu, wasm } = await onBothBackends(
        [
          { values: values(aShape.reduce((a, b) => a * b, 1)), shape: aShape },
          { values: values(bShape.reduce((a, b) => a * b, 1)), shape: bShape },
        ],
        (a, b) => [tf.add(a as tf.Tensor, b as tf.Tensor)],
      );
      assert.deepEqual(Array.from(wasm[0]!), Array.from(cpu[0]!), `${aShape} + ${bShape}`);
    }
  });

  it('Add of two same-shape tensors and the ReLU (passes split between the kernel threads past 3.2 M elements) equal the cpu backend, NaN and −0 included', async () => {
    for (const size of [1, 7, 3_355_443]) {
      // Every fifth value −0, every seventh NaN, the rest in (−1, 1) (typed arrays and a plain
      // loop below: assert.deepEqual over 3 M numbers took seconds).
      const threadedBefore = threadedCallCount();
      const special = (shift: number) => Float32Array.from({ length: size }, (_, index) => ((index + shift) % 7 === 3 ? Number.NaN : (index + shift) % 5 === 0 ? -0 : random() * 2 - 1));
      const { cpu, wasm } = await onBothBackends(
        [
          { values: special(0), shape: [size] },
          { values: special(1), shape: [size] },
        ],
        (a, b) => [tf.add(a as tf.Tensor, b as tf.Tensor), tf.relu(a as tf.Tensor)],
      );
      // Both passes of the largest size were split (where this machine has more than one core).
      if (size > 3_200_000 && kernelThreadCount() > 1) assert.equal(threadedCallCount() - threadedBefore, 2, 'threaded passes');
      for (const [output, name] of [[0, 'sum'], [1, 'ReLU']] as const) {
        const [actual, expected] = [wasm[output]!, cpu[output]!];
        assert.equal(actual.length, size);
        // Object.is: NaN equals NaN, and −0 differs from 0.
        const first = actual.findIndex((value, index) => !Object.is(value, expected[index]));
        assert.equal(first, -1, `${name} of ${size} elements: element ${first} is ${actual[first]}, the cpu backend's ${expected[first]}`);
      }
    }
  });

  it('Identity (tf.clone) shares memory: each copy stays valid after the other is disposed', async () => {
    await tf.setBackend('wasm');
    const original = tf.tensor([1, 2, 3, 4]);
    const copy = tf.clone(original);
    assert.deepEqual(Array.from(await copy.data()), [1, 2, 3, 4]);
    original.dispose();
    assert.deepEqual(Array.from(await copy.data()), [1, 2, 3, 4]);
    const again = tf.clone(copy);
    copy.dispose();
    const before = tf.memory().numTensors;
    assert.deepEqual(Array.from(await again.data()), [1, 2, 3, 4]);
    again.dispose();
    assert.equal(tf.memory().numTensors, before - 1);
  });

  it('Cast to the same dtype shares memory; to another dtype it converts', async () => {
    await tf.setBackend('wasm');
    const original = tf.tensor([1.5, -2, 3, 0]);
    const same = tf.cast(original, 'float32');
    original.dispose();
    assert.deepEqual(Array.from(await same.data()), [1.5, -2, 3, 0]);
    const buffers = tf.memory().numDataBuffers;
    const again = tf.cast(same, 'float32');
    assert.equal(tf.memory().numDataBuffers, buffers, 'a same-dtype cast makes no new buffer');
    same.dispose();
    assert.deepEqual(Array.from(await again.data()), [1.5, -2, 3, 0]);
    const integers = tf.cast(again, 'int32');
    assert.equal(integers.dtype, 'int32');
    assert.deepEqual(Array.from(await integers.data()), [1, -2, 3, 0]);
    const flags = tf.cast(again, 'bool');
    assert.deepEqual(Array.from(await flags.data()), [1, 1, 1, 0]);
    tf.dispose([again, integers, flags]);
  });

  it('Transpose between channels last and channels first (and back, its gradient), other permutations to the stock kernel', async () => {
    for (const shape of [[64, 5, 5, 16], [1, 3, 7, 5], [2, 1, 1, 9], [3, 4, 2, 1]]) {
      const size = shape.reduce((a, b) => a * b, 1);
      const upstream = values(size);
      const { cpu, wasm } = await onBothBackends(
        [{ values: values(size), shape }, { values: upstream, shape: [shape[0]!, shape[3]!, shape[1]!, shape[2]!] }],
        (x, dy) => [
          tf.transpose(x!, [0, 3, 1, 2]),
          tf.transpose(tf.transpose(x!, [0, 3, 1, 2]), [0, 2, 3, 1]),
          tf.grad((a) => tf.sum(tf.mul(tf.transpose(a, [0, 3, 1, 2]), dy!)))(x!),
          tf.transpose(x!, [1, 0, 3, 2]),
          tf.transpose(x!, [0, 2, 1, 3]),
        ],
      );
      for (let index = 0; index < cpu.length; index += 1) {
        assert.deepEqual(Array.from(wasm[index]!), Array.from(cpu[index]!), `transpose ${index} of ${shape}`);
      }
    }
  });

  it("AvgPoolGrad with 'valid' padding against the cpu backend", async () => {
    for (let trial = 0; trial < 20; trial += 1) {
      const [batch, height, width, channels] = [integer(1, 3), integer(2, 11), integer(2, 11), integer(1, 5)];
      const size: [number, number] = [integer(1, Math.min(4, height)), integer(1, Math.min(4, width))];
      const strides: [number, number] = [integer(1, 3), integer(1, 3)];
      const shape = tf.tidy(() => tf.avgPool(tf.zeros([batch, height, width, channels]) as tf.Tensor4D, size, strides, 'valid').shape);
      const { cpu, wasm } = await onBothBackends(
        [
          { values: values(batch * height * width * channels), shape: [batch, height, width, channels] },
          { values: values(shape.reduce((a, b) => a * b, 1)), shape },
        ],
        (x, dy) => [tf.grad((a) => tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, size, strides, 'valid'), dy as tf.Tensor)))(x as tf.Tensor)],
      );
      assert.ok(relativeError(wasm[0]!, cpu[0]!) < TOLERANCE, `avg pool ${JSON.stringify({ height, width, size, strides })}`);
    }
  });

  it("AvgPoolGrad with 'same' padding against finite differences (tfjs's stock cpu kernel divides border windows by k²; stock-kernel-fixes.ts corrects it)", async () => {
    await tf.setBackend('wasm');
    const xValues = values(7 * 7);
    const upstream = values(16);
    const objective = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.avgPool(x as tf.Tensor4D, 3, 2, 'same'), tf.tensor4d(upstream, [1, 4, 4, 1])));
    const analytic = await tf.tidy(() => tf.grad(objective)(tf.tensor4d(xValues, [1, 7, 7, 1]))).data();
    const step = 1e-2;
    for (let index = 0; index < xValues.length; index += 1) {
      const shifted = (delta: number): number => tf.tidy(() => objective(tf.tensor4d(xValues.map((v, i) => (i === index ? v + delta : v)), [1, 7, 7, 1])).arraySync());
      const numeric = (shifted(step) - shifted(-step)) / (2 * step);
      assert.ok(Math.abs(numeric - (analytic[index] as number)) < 1e-3, `element ${index}: ${analytic[index]} vs ${numeric}`);
    }
  });

  it('Tile (batch norm tiles its parameters in its gradient)', async () => {
    for (let trial = 0; trial < 10; trial += 1) {
      const shape = Array.from({ length: integer(1, 4) }, () => integer(1, 4));
      const reps = shape.map(() => integer(1, 3));
      const { cpu, wasm } = await onBothBackends([{ values: values(shape.reduce((a, b) => a * b, 1)), shape }], (x) => [tf.tile(x as tf.Tensor, reps)]);
      assert.deepEqual(Array.from(wasm[0]!), Array.from(cpu[0]!), `tile ${shape} by ${reps}`);
    }
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`the fused Adam and momentum updates equal tfjs's own optimizers (${backend})`, async () => {
      registerOptimizerKernels();
      await tf.setBackend(backend);
      const start = values(30);
      const gradients = Array.from({ length: 5 }, () => values(30));
      const run = async (optimizer: tf.Optimizer): Promise<Float32Array> => {
        const variable = tf.variable(tf.tensor2d(start, [5, 6]));
        for (const gradient of gradients) optimizer.applyGradients({ [variable.name]: tf.tensor2d(gradient, [5, 6]) });
        const result = (await variable.data()) as Float32Array;
        variable.dispose();
        return result;
      };
      assert.ok(relativeError(await run(new FusedAdam(0.01, 0.5, 0.99, 1e-8)), await run(tf.train.adam(0.01, 0.5, 0.99, 1e-8))) < 1e-5, 'adam');
      assert.ok(relativeError(await run(new FusedMomentum(0.1, 0.9)), await run(tf.train.momentum(0.1, 0.9))) < 1e-5, 'momentum');
    });
  }

  it("the ReLU's gradient (one kernel on wasm) equals tfjs's dy · step(x), zeros and NaN included", async () => {
    for (const size of [1, 7, 64 * 28 * 28 * 6 + 3]) {
      const xValues = values(size).map((value, index) => (index % 5 === 0 ? 0 : value));
      const { cpu, wasm } = await onBothBackends(
        [
          { values: xValues, shape: [size] },
          { values: values(size), shape: [size] },
        ],
        (x, dy) => [tf.grad((a) => tf.sum(tf.mul(tf.relu(a as tf.Tensor), dy as tf.Tensor)))(x as tf.Tensor)],
      );
      assert.deepEqual(Array.from(wasm[0]!), Array.from(cpu[0]!), `relu gradient of ${size} elements`);
    }
    const { cpu, wasm } = await onBothBackends([{ values: [Number.NaN, 1, -1, Number.NaN, 2], shape: [5] }], (x) => [tf.grad((a) => tf.sum(tf.relu(a as tf.Tensor)))(x as tf.Tensor)]);
    assert.deepEqual(Array.from(wasm[0]!), Array.from(cpu[0]!));
    assert.ok(Number.isNaN(wasm[0]![0]!) && wasm[0]![1] === 1 && wasm[0]![2] === 0);
  });

  it('_FusedMatMul (a dense layer: bias, ReLU) and untransposed BatchMatMul on 24 random products', async () => {
    for (let trial = 0; trial < 24; trial += 1) {
      const [m, k, n] = trial === 0 ? [64, 400, 120] : [integer(1, 70), integer(1, 70), integer(1, 70)];
      const [transposeA, transposeB] = [random() < 0.3, random() < 0.3];
      const activation = pick(['linear', 'relu'] as const);
      const withBias = random() < 0.8;
      const { cpu, wasm } = await onBothBackends(
        [
          { values: values(m * k), shape: transposeA ? [k, m] : [m, k] },
          { values: values(k * n), shape: transposeB ? [n, k] : [k, n] },
          { values: values(n), shape: [n] },
        ],
        (a, b, bias) => [
          tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeA, transposeB, activation, ...(withBias ? { bias: bias as tf.Tensor1D } : {}) }),
          tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, transposeA, transposeB),
        ],
      );
      const label = JSON.stringify({ m, k, n, transposeA, transposeB, activation, withBias });
      assert.ok(relativeError(wasm[0]!, cpu[0]!) < TOLERANCE, `fused ${label}`);
      assert.ok(relativeError(wasm[1]!, cpu[1]!) < TOLERANCE, `plain ${label}`);
    }
  });

  it('BatchMatMul with transposed operands, batched and broadcast, on 36 random products', async () => {
    for (let trial = 0; trial < 12; trial += 1) {
      for (const [transposeA, transposeB] of [[true, false], [false, true], [true, true]] as const) {
        // Sizes around the 4-row and 8-column tiles, and a dense layer's (64 × 400 · 400 × 120).
        const [m, k, n] = trial === 0 ? [64, 400, 120] : [integer(1, 70), integer(1, 70), integer(1, 70)];
        const [batchA, batchB] = pick([[1, 1], [3, 3], [1, 2], [2, 1]] as const);
        const { cpu, wasm } = await onBothBackends(
          [
            { values: values(batchA * m * k), shape: [batchA, ...(transposeA ? [k, m] : [m, k])] },
            { values: values(batchB * k * n), shape: [batchB, ...(transposeB ? [n, k] : [k, n])] },
          ],
          (a, b) => [tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, transposeA, transposeB)],
        );
        assert.ok(relativeError(wasm[0]!, cpu[0]!) < TOLERANCE, `matMul ${JSON.stringify({ m, k, n, batchA, batchB, transposeA, transposeB })}`);
      }
    }
  });
});
