/**
 * The wasm backend's Winograd paths (runtime/kernels/wasm-winograd.ts), F(2×2, 3×3) and
 * F(4×4, 3×3), against the direct kernels they stand in for — the same backend with
 * Winograd turned off — and against tfjs's cpu backend: forward values, input and filter
 * gradients, the fused bias and ReLU and the pooled form, on random 3×3 stride-1
 * convolutions with odd sizes, asymmetric padding, groups and batch 1. Every test but the
 * F(4×4) one forces F(2×2); that one forces F(4×4) and then checks the unforced choice.
 *
 * Error bounds: F(2×2)'s transforms add a few roundings per value, so it is held to 1e-5
 * of the largest element (measured 9.5e-7 on these cases), ten times tighter than the
 * 1e-4 the wasm kernels are held to against the cpu backend; F(4×4)'s coefficients (up
 * to 8 and 1/24) round more: 1e-4 (measured 1.4e-6 to 1e-5).
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { setWinogradEnabled, setWinogradTile, winograd4CallCount, winogradCallCount } from 'convlens-runtime/kernels/wasm-winograd';
import { computeOn, type TestInput } from './compute-on';
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

const WINOGRAD_BOUND = 1e-5;
/** F(4×4, 3×3)'s transforms have coefficients up to 8 and 1/24, so it rounds more. */
const WINOGRAD4_BOUND = 1e-4;
const CPU_BOUND = 1e-4;

interface Outputs {
  readonly winograd: Float32Array[];
  readonly direct: Float32Array[];
  /** Absent where the case is too large for the cpu backend's gradients (seconds). */
  readonly cpu?: Float32Array[];
  /** Winograd calls while the Winograd run computed. */
  readonly calls: number;
}

/** `compute` on wasm with Winograd, on wasm without it (the direct kernels), and on cpu unless `withCpu` is false. */
async function onThreePaths(inputs: readonly TestInput[], compute: (...tensors: tf.Tensor[]) => tf.Tensor[], withCpu = true): Promise<Outputs> {
  const run = (backend: 'cpu' | 'wasm') => computeOn(backend, inputs, compute);
  try {
    setWinogradEnabled(true);
    const before = winogradCallCount();
    const winograd = await run('wasm');
    const calls = winogradCallCount() - before;
    setWinogradEnabled(false);
    const direct = await run('wasm');
    return withCpu ? { winograd, direct, cpu: await run('cpu'), calls } : { winograd, direct, calls };
  } finally {
    setWinogradEnabled(true);
  }
}

function compare(outputs: Outputs, names: readonly string[], label: string, bound = WINOGRAD_BOUND): number {
  let worst = 0;
  for (const [index, name] of names.entries()) {
    const againstDirect = relativeError(outputs.winograd[index]!, outputs.direct[index]!);
    worst = Math.max(worst, againstDirect);
    assert.ok(againstDirect < bound, `${name} of ${label}: Winograd differs from the direct kernels by ${againstDirect}`);
    if (outputs.cpu !== undefined) assert.ok(relativeError(outputs.winograd[index]!, outputs.cpu[index]!) < CPU_BOUND, `${name} of ${label} against the cpu backend`);
  }
  return worst;
}

describe('runtime: Winograd F(2×2, 3×3) and F(4×4, 3×3) on wasm against the direct kernels', function () {
  this.timeout(120_000);
  const random = toRandom(20261206);
  const integer = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
  const values = (count: number): number[] => Array.from({ length: count }, () => random() * 2 - 1);
  const pick = <T>(options: readonly T[]): T => options[integer(0, options.length - 1)] as T;
  const randomPad = (): Pad => pick<Pad>(['same', 'valid', [[0, 0], [integer(0, 2), integer(0, 2)], [integer(0, 2), integer(0, 2)], [0, 0]]]);

  before(async () => {
    await chooseBackend({ requested: 'wasm' });
    // F(2×2) unless a test says otherwise: the F(4×4) test forces its own tile.
    setWinogradTile(2);
  });
  after(async () => {
    setWinogradTile(undefined);
    setWinogradEnabled(true);
    await tf.setBackend('cpu');
  });

  it('Conv2D, its input gradient and its filter gradient on 30 random convolutions (odd sizes, asymmetric padding, batch 1)', async () => {
    let worst = 0;
    for (let trial = 0; trial < 30; trial += 1) {
      // Trial 0: batch 1, odd 7×9 image, odd channel and filter counts (partial vectors everywhere).
      // Trial 1: wider layers over a larger image, so that tiles go in several chunks.
      // Trial 2: 7,055 tiles of one image, more than one chunk of the filter gradient's
      // (6,553 at 8 channels and 9 filters), whose later chunks add to the first's sums;
      // against the direct kernels only (the cpu backend's gradients take seconds there).
      const [batch, height, width, channels, filters] = trial === 0 ? [1, 7, 9, 9, 11] : trial === 1 ? [2, 17, 15, 40, 36] : trial === 2 ? [1, 170, 166, 8, 9] : [integer(1, 3), integer(3, 13), integer(3, 13), integer(8, 21), integer(8, 21)];
      const pad = trial === 0 ? [[0, 0], [0, 2], [2, 1], [0, 0]] as Pad : randomPad();
      const xShape = [batch, height, width, channels];
      const wShape = [3, 3, channels, filters];
      const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], wShape as [number, number, number, number], 1, 1, pad);
      const outputs = await onThreePaths(
        [
          { values: values(batch * height * width * channels), shape: xShape },
          { values: values(9 * channels * filters), shape: wShape },
          { values: values(batch * info.outHeight * info.outWidth * filters), shape: [batch, info.outHeight, info.outWidth, filters] },
        ],
        (x, w, dy) => [
          tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, pad),
          ...tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), dy as tf.Tensor)))([x as tf.Tensor, w as tf.Tensor]),
        ],
        trial !== 2,
      );
      const label = JSON.stringify({ xShape, wShape, pad });
      // The forward pass (on its own and under the gradient) and both gradients went through Winograd.
      assert.equal(outputs.calls, 4, `Winograd calls for ${label}`);
      worst = Math.max(worst, compare(outputs, ['forward', 'input gradient', 'filter gradient'], label));
    }
    assert.ok(worst > 0, 'Winograd computes differently from the direct kernels (it ran)');
  });

  it('F(4×4, 3×3) (forced): Conv2D with bias and ReLU and both gradients on 24 random convolutions, and chosen on its own for wide layers', async () => {
    let worst = 0;
    try {
      setWinogradTile(4);
      for (let trial = 0; trial < 24; trial += 1) {
        // Trial 0: 4 × 4 tiles over an odd 11 × 9 output with odd channel and filter counts;
        // trial 1: 64 channels over 16 × 16, several chunks of tiles; trial 2: 3,192 tiles of
        // one image, more than one chunk of the filter gradient's (2,912 at 8 channels and 9
        // filters), against the direct kernels only (the cpu backend's gradients take seconds there).
        const [batch, height, width, channels, filters] = trial === 0 ? [1, 11, 9, 9, 11] : trial === 1 ? [2, 16, 16, 64, 66] : trial === 2 ? [1, 226, 222, 8, 9] : [integer(1, 3), integer(3, 14), integer(3, 14), integer(8, 40), integer(8, 40)];
        const pad = trial < 3 ? 'same' : randomPad();
        const xShape = [batch, height, width, channels];
        const wShape = [3, 3, channels, filters];
        const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], wShape as [number, number, number, number], 1, 1, pad);
        const before = winograd4CallCount();
        const outputs = await onThreePaths(
          [
            { values: values(batch * height * width * channels), shape: xShape },
            { values: values(9 * channels * filters), shape: wShape },
            { values: values(filters), shape: [filters] },
            { values: values(batch * info.outHeight * info.outWidth * filters), shape: [batch, info.outHeight, info.outWidth, filters] },
          ],
          (x, w, bias, dy) => [
            tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad, bias, activation: 'relu' }),
            ...tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), dy as tf.Tensor)))([x as tf.Tensor, w as tf.Tensor]),
          ],
          trial !== 2,
        );
        const label = JSON.stringify({ xShape, wShape, pad });
        // The fused forward, the forward under the gradient and both gradients.
        assert.equal(winograd4CallCount() - before, 4, `F(4×4) calls for ${label}`);
        worst = Math.max(worst, compare(outputs, ['fused forward', 'input gradient', 'filter gradient'], label, WINOGRAD4_BOUND));
      }
    } finally {
      setWinogradTile(2);
    }
    assert.ok(worst > 0, 'F(4×4) computes differently from the direct kernels (it ran)');
    // Unforced: F(4×4) for outputs of at least 4 × 4, F(2×2) for smaller ones.
    try {
      setWinogradTile(undefined);
      for (const [height, width, expected] of [[4, 4, 1], [3, 8, 0], [8, 3, 0], [16, 9, 1]] as const) {
        const before = winograd4CallCount();
        await onThreePaths([{ values: values(height * width * 8), shape: [1, height, width, 8] }, { values: values(9 * 8 * 8), shape: [3, 3, 8, 8] }], (x, w) => [tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')]);
        assert.equal(winograd4CallCount() - before, expected, `${height} × ${width}`);
      }
    } finally {
      setWinogradTile(2);
    }
  });

  it('FusedConv2D with bias and ReLU, and the pooled convolution of inference, on 20 random cases each', async () => {
    for (let trial = 0; trial < 20; trial += 1) {
      const [batch, height, width, channels, filters] = [integer(1, 3), integer(4, 13), integer(4, 13), integer(8, 20), integer(8, 20)];
      const pad = randomPad();
      const activation = pick(['linear', 'relu'] as const);
      const explicit: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [integer(0, 1), integer(0, 1)], [integer(0, 1), integer(0, 1)], [0, 0]];
      const outputs = await onThreePaths(
        [
          { values: values(batch * height * width * channels), shape: [batch, height, width, channels] },
          { values: values(9 * channels * filters), shape: [3, 3, channels, filters] },
          { values: values(filters), shape: [filters] },
        ],
        (x, w, bias) => {
          const fused = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad, bias: bias as tf.Tensor1D, activation });
          // The pooled kernel exists on wasm only; on cpu its definition: the fused convolution, then the pool.
          const pooled = tf.getBackend() === 'wasm'
            ? tf.engine().runKernel('ConvLensPooledConv2D', { x, filter: w, bias }, { strides: [1, 1], pad: explicit, dilations: [1, 1], dataFormat: 'NHWC', activation } as unknown as tf.NamedAttrMap) as tf.Tensor
            : tf.maxPool(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: explicit, bias: bias as tf.Tensor1D, activation }), 2, 2, 'valid');
          return [fused, pooled];
        },
      );
      assert.equal(outputs.calls, 2, 'both went through Winograd');
      compare(outputs, ['fused', 'pooled'], JSON.stringify({ batch, height, width, channels, filters, pad, explicit, activation }));
    }
  });

  it('grouped convolutions (each group a Winograd convolution of its channels) on 10 random cases, values and gradients', async () => {
    for (let trial = 0; trial < 10; trial += 1) {
      const groups = integer(2, 3);
      const [batch, height, width, perGroup, filtersPerGroup] = [integer(1, 2), integer(3, 11), integer(3, 11), integer(8, 12), integer(8, 12)];
      const channels = groups * perGroup;
      const filters = groups * filtersPerGroup;
      const pad = randomPad();
      // As runtime/layers/conv2d-layer.ts computes PyTorch's groups: split, convolve, concatenate.
      const grouped = (x: tf.Tensor, w: tf.Tensor) => {
        const parts = tf.split(x, groups, 3);
        const kernels = tf.split(w, groups, 3);
        return tf.concat(parts.map((part, group) => tf.conv2d(part as tf.Tensor4D, kernels[group] as tf.Tensor4D, 1, pad)), 3);
      };
      const outputs = await onThreePaths(
        [
          { values: values(batch * height * width * channels), shape: [batch, height, width, channels] },
          { values: values(9 * perGroup * filters), shape: [3, 3, perGroup, filters] },
        ],
        (x, w) => [grouped(x as tf.Tensor, w as tf.Tensor), ...tf.grads((a, b) => tf.sum(tf.square(grouped(a as tf.Tensor, b as tf.Tensor))))([x as tf.Tensor, w as tf.Tensor])],
      );
      assert.equal(outputs.calls, 4 * groups, 'forward (twice: on its own and under the gradient) and both gradients of every group');
      compare(outputs, ['forward', 'input gradient', 'filter gradient'], JSON.stringify({ groups, batch, height, width, perGroup, filtersPerGroup, pad }));
    }
  });

  it('leaves other convolutions to the direct kernels: 5×5, strided, dilated, and fewer than 8 channels or filters', async () => {
    const cases: readonly { kernel: number; strides: number; dilations: number; channels: number; filters: number }[] = [
      { kernel: 5, strides: 1, dilations: 1, channels: 8, filters: 8 },
      { kernel: 3, strides: 2, dilations: 1, channels: 8, filters: 8 },
      { kernel: 3, strides: 1, dilations: 2, channels: 8, filters: 8 },
      { kernel: 3, strides: 1, dilations: 1, channels: 3, filters: 32 },
      { kernel: 3, strides: 1, dilations: 1, channels: 16, filters: 4 },
    ];
    for (const { kernel, strides, dilations, channels, filters } of cases) {
      const outputs = await onThreePaths(
        [
          { values: values(2 * 9 * 9 * channels), shape: [2, 9, 9, channels] },
          { values: values(kernel * kernel * channels * filters), shape: [kernel, kernel, channels, filters] },
        ],
        (x, w) => [tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, 'same', 'NHWC', dilations)],
      );
      assert.equal(outputs.calls, 0, JSON.stringify({ kernel, strides, dilations, channels, filters }));
      assert.deepEqual(outputs.winograd[0], outputs.direct[0]);
    }
  });
});
