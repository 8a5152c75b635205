/**
 * Intra-op threads (runtime/kernels/kernel-threads.ts, kernel-place.ts) against the same
 * kernels on one thread and against tfjs's cpu backend: forward values (fused bias and
 * ReLU, pooled), input and filter gradients of direct and Winograd convolutions, and
 * matrix products, on random shapes with odd sizes, padding, strides, groups and batch 1,
 * split between 3 threads (more parts than this machine's cores, and a remainder in
 * every split). Every call that splits at all is threaded here, however small
 * (`setMinimumThreadedWork(0)`), and each case checks that threaded calls happened.
 *
 * Bounds: a threaded forward pass or input gradient computes every value exactly as one
 * thread does (the same kernel on a range of pixels or images), so it must be equal to
 * 1e-6 of the largest element; a filter gradient adds the threads' partial sums in
 * another order, 1e-5. Against the cpu backend, 1e-4, as for every wasm kernel.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { KernelThreads, setKernelThreads, setMinimumThreadedWork, threadedCallCount } from 'convlens-runtime/kernels/kernel-threads';
import { computeOn, type TestInput } from './compute-on';
import { batchNormInTraining } from 'convlens-runtime/kernels/wasm-batch-norm';
import { ADAM_KERNEL, MOMENTUM_KERNEL, registerOptimizerKernels } from 'convlens-runtime/kernels/optimizer-kernels';
import { relativeError } from './relative-error';
import { checkKernelSettings, simdSetting, threadsSetting, winogradSetting, winogradTileSetting } from 'convlens-runtime/kernels/kernel-settings';
import { TrainingError } from 'convlens-runtime/training/training-error';
import { toRandom, uniformValues } from 'convlens-runtime/seeded-random';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

const THREADS = 3;
const EXACT_BOUND = 1e-6;
const SUM_ORDER_BOUND = 1e-5;
const CPU_BOUND = 1e-4;

interface Outputs {
  readonly threaded: Float32Array[];
  readonly single: Float32Array[];
  readonly cpu: Float32Array[];
  /** Threaded kernel calls while the threaded run computed. */
  readonly threadedCalls: number;
}

/** `compute` on wasm split between THREADS threads, on wasm on one thread, and on cpu. */
async function onThreePaths(inputs: readonly TestInput[], compute: (...tensors: tf.Tensor[]) => tf.Tensor[]): Promise<Outputs> {
  const run = (backend: 'cpu' | 'wasm') => computeOn(backend, inputs, compute);
  setKernelThreads(THREADS);
  const before = threadedCallCount();
  const threaded = await run('wasm');
  const threadedCalls = threadedCallCount() - before;
  setKernelThreads(1);
  const single = await run('wasm');
  return { threaded, single, cpu: await run('cpu'), threadedCalls };
}

/**
 * Asserts each output's bounds; `sums` names the outputs whose threads add partial sums.
 * `threaded: false` for calls that stay on one thread (Winograd at batch 1: its parts are images).
 */
function compare(outputs: Outputs, names: readonly string[], label: string, sums: readonly string[] = [], threaded = true): void {
  if (threaded) assert.ok(outputs.threadedCalls > 0, `${label}: no kernel call was threaded`);
  for (const [index, name] of names.entries()) {
    const bound = sums.includes(name) ? SUM_ORDER_BOUND : EXACT_BOUND;
    const againstSingle = relativeError(outputs.threaded[index]!, outputs.single[index]!);
    assert.ok(againstSingle < bound, `${name} of ${label}: ${THREADS} threads differ from one by ${againstSingle}`);
    assert.ok(relativeError(outputs.threaded[index]!, outputs.cpu[index]!) < CPU_BOUND, `${name} of ${label} against the cpu backend`);
  }
}

describe('runtime: intra-op kernel threads against one thread', function () {
  this.timeout(120_000);
  const random = toRandom(20261206);
  const integer = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
  const values = (count: number): Float32Array => uniformValues(count, random, -1, 1);
  const pick = <T>(options: readonly T[]): T => options[integer(0, options.length - 1)] as T;
  const randomPad = (): Pad => pick<Pad>(['same', 'valid', [[0, 0], [integer(0, 2), integer(0, 2)], [integer(0, 2), integer(0, 2)], [0, 0]]]);

  before(async () => {
    await chooseBackend({ requested: 'wasm' });
    registerOptimizerKernels();
    setMinimumThreadedWork(0);
  });
  after(async () => {
    setMinimumThreadedWork(undefined);
    setKernelThreads(undefined);
    await tf.setBackend('cpu');
  });

  /** Forward (plain and fused), input and filter gradients of one convolution on the three paths. */
  async function checkConvolution(xShape: [number, number, number, number], kernel: [number, number], filters: number, strides: [number, number], pad: Pad, splits = true): Promise<boolean> {
    const info = tf.backend_util.computeConv2DInfo(xShape, [kernel[0], kernel[1], xShape[3], filters], strides, 1, pad);
    if (info.outHeight <= 0 || info.outWidth <= 0) return false;
    // One image of one output row splits nowhere: such a call stays on the calling thread.
    const threaded = splits && (xShape[0] > 1 || info.outHeight > 1);
    const outputs = await onThreePaths([
      { values: values(xShape.reduce((a, b) => a * b, 1)), shape: xShape },
      { values: values(kernel[0] * kernel[1] * xShape[3] * filters), shape: [kernel[0], kernel[1], xShape[3], filters] },
      { values: values(filters), shape: [filters] },
      { values: values(xShape[0] * info.outHeight * info.outWidth * filters), shape: [xShape[0], info.outHeight, info.outWidth, filters] },
    ], (x, w, bias, dy) => [
      tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides, pad, bias, activation: 'relu' }),
      ...tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), dy!)))([x!, w!]),
    ]);
    compare(outputs, ['fused forward', 'input gradient', 'filter gradient'], JSON.stringify({ xShape, kernel, filters, strides, pad }), ['filter gradient'], threaded);
    return true;
  }

  it('direct convolutions on 40 random shapes (odd sizes, strides, padding, batch 1)', async () => {
    let checked = 0;
    for (let trial = 0; trial < 40; trial += 1) {
      const height = integer(3, 14);
      const width = integer(3, 14);
      const kernel: [number, number] = [integer(1, Math.min(5, height)), integer(1, Math.min(5, width))];
      // Strides of 2 and 3 keep these off the Winograd path.
      const strides: [number, number] = trial % 2 === 0 ? [integer(2, 3), integer(1, 3)] : [integer(1, 3), integer(2, 3)];
      if (await checkConvolution([trial < 5 ? 1 : integer(1, 5), height, width, integer(1, 9)], kernel, integer(1, 20), strides, randomPad())) checked += 1;
    }
    assert.ok(checked >= 30, `only ${checked} convolutions fitted`);
  });

  it("one-channel convolutions (the row kernel: LeNet's first layer), LeNet's own at batch 7", async () => {
    assert.ok(await checkConvolution([7, 28, 28, 1], [5, 5], 6, [1, 1], [[0, 0], [2, 2], [2, 2], [0, 0]]));
    for (let trial = 0; trial < 10; trial += 1) {
      const kernel: [number, number] = [integer(1, 5), integer(1, 5)];
      assert.ok(await checkConvolution([integer(1, 4), integer(6, 14), integer(17, 34), 1], kernel, integer(1, 9), [integer(1, 2), 1], 'same'));
    }
  });

  it('Winograd convolutions, F(2×2) and F(4×4), on 12 shapes (3×3, stride 1, ≥ 8 channels; batch 1 included)', async () => {
    for (let trial = 0; trial < 12; trial += 1) {
      // Winograd's parts are images: batch 1 stays on one thread (and must still be right).
      const batch = trial < 2 ? 1 : integer(2, 5);
      if (trial === 2) {
        // ≥ 32 channels and filters over ≥ 8 × 8 outputs: F(4×4, 3×3), all three passes.
        assert.ok(await checkConvolution([3, 9, 10, 33], [3, 3], 34, [1, 1], 'same'));
        continue;
      }
      assert.ok(await checkConvolution([batch, integer(3, 11), integer(3, 11), integer(8, 19)], [3, 3], integer(8, 21), [1, 1], trial < 2 ? 'same' : randomPad(), batch > 1));
    }
  });

  it('grouped convolutions (split, convolve each group, concatenate, as the Conv2d layer does)', async () => {
    for (let trial = 0; trial < 6; trial += 1) {
      const groups = integer(2, 3);
      const [perGroup, filtersPerGroup] = [integer(1, 9), integer(1, 9)];
      const [batch, height, width] = [integer(1, 4), integer(5, 12), integer(5, 12)];
      const pad = randomPad();
      const xShape = [batch, height, width, groups * perGroup];
      const wShape = [3, 3, perGroup, groups * filtersPerGroup];
      const outputs = await onThreePaths([
        { values: values(xShape.reduce((a, b) => a * b, 1)), shape: xShape },
        { values: values(wShape.reduce((a, b) => a * b, 1)), shape: wShape },
      ], (x, w) => {
        const grouped = (a: tf.Tensor, b: tf.Tensor) => {
          const parts = tf.split(a, groups, 3);
          const kernels = tf.split(b, groups, 3);
          return tf.concat(parts.map((part, group) => tf.conv2d(part as tf.Tensor4D, kernels[group] as tf.Tensor4D, 1, pad)), 3);
        };
        return [grouped(x!, w!), ...tf.grads((a, b) => tf.sum(tf.square(grouped(a, b))))([x!, w!])];
      });
      compare(outputs, ['forward', 'input gradient', 'filter gradient'], JSON.stringify({ groups, perGroup, filtersPerGroup, batch, height, width, pad }), ['filter gradient']);
    }
  });

  it('the pooled convolution of inference (convolution, ReLU, 2 × 2 max pool), direct, one-channel and Winograd', async () => {
    const cases: [number[], [number, number], number][] = [[[3, 9, 11, 5], [3, 2], 7], [[2, 12, 40, 1], [5, 5], 6], [[4, 10, 9, 8], [3, 3], 12]];
    for (const [xShape, kernel, filters] of cases) {
      const outputs = await onThreePaths([
        { values: values(xShape.reduce((a, b) => a * b, 1)), shape: xShape },
        { values: values(kernel[0] * kernel[1] * xShape[3]! * filters), shape: [kernel[0], kernel[1], xShape[3]!, filters] },
        { values: values(filters), shape: [filters] },
      ], (x, filter, bias) => [
        tf.getBackend() === 'cpu'
          ? tf.maxPool(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: 'same', bias, activation: 'relu' }), 2, 2, 'valid')
          : (tf.engine().runKernel('ConvLensPooledConv2D', { x: x!, filter: filter!, bias: bias! }, { strides: [1, 1], pad: 'same', dilations: [1, 1], dataFormat: 'NHWC', activation: 'relu' } as unknown as tf.NamedAttrMap) as tf.Tensor),
      ]);
      compare(outputs, ['pooled forward'], JSON.stringify({ xShape, kernel, filters }));
    }
  });

  it('matrix products (dense layers: bias, ReLU, transposed operands) on 16 random shapes', async () => {
    for (let trial = 0; trial < 16; trial += 1) {
      const [rows, depth, columns] = [integer(1, 70), integer(1, 90), integer(1, 40)];
      const [transposeA, transposeB] = [trial % 2 === 1, trial % 4 >= 2];
      const outputs = await onThreePaths([
        { values: values(rows * depth), shape: transposeA ? [depth, rows] : [rows, depth] },
        { values: values(depth * columns), shape: transposeB ? [columns, depth] : [depth, columns] },
        { values: values(columns), shape: [columns] },
      ], (a, b, bias) => [
        tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, transposeA, transposeB),
        tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeA, transposeB, bias, activation: 'relu' }),
      ]);
      // Parts are rows: a product of one row stays on the calling thread.
      compare(outputs, ['product', 'fused product'], JSON.stringify({ rows, depth, columns, transposeA, transposeB }), [], rows > 1);
    }
  });

  it('batch norm in training (forward and gradient, rows split between threads) on 8 random shapes, rank 2 and batch 1 included', async () => {
    for (let trial = 0; trial < 8; trial += 1) {
      const channels = trial === 0 ? 3 : integer(1, 70);
      const shape = trial === 1 ? [integer(2, 40), channels] : [trial === 2 ? 1 : integer(1, 4), integer(1, 9), integer(1, 9), channels];
      const offset = integer(-3, 3);
      const inputs: TestInput[] = [
        { values: values(shape.reduce((a, b) => a * b, 1)).map((value) => value + offset), shape },
        { values: values(channels).map((value) => value + 1.5), shape: [channels] },
        { values: values(channels), shape: [channels] },
        { values: values(shape.reduce((a, b) => a * b, 1)), shape },
      ];
      const epsilon = 1e-3;
      // wasm: the kernels; cpu (the oracle): tf.moments and the formula, differentiated by tfjs.
      const normalise = (onWasm: boolean) => (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor => {
        if (onWasm) return batchNormInTraining(x, gamma, beta, epsilon).y;
        const { mean, variance } = tf.moments(x, shape.slice(0, -1).map((_, axis) => axis));
        return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta);
      };
      const compute = (onWasm: boolean) => (x?: tf.Tensor, gamma?: tf.Tensor, beta?: tf.Tensor, dy?: tf.Tensor): tf.Tensor[] => [
        normalise(onWasm)(x!, gamma!, beta!),
        ...tf.grads((a, b, c) => tf.sum(tf.mul(normalise(onWasm)(a!, b!, c!), dy!)))([x!, gamma!, beta!]),
      ];
      setKernelThreads(THREADS);
      const before = threadedCallCount();
      const threaded = await computeOn('wasm', inputs, compute(true));
      const threadedCalls = threadedCallCount() - before;
      setKernelThreads(1);
      const outputs: Outputs = { threaded, single: await computeOn('wasm', inputs, compute(true)), cpu: await computeOn('cpu', inputs, compute(false)), threadedCalls };
      // Every output but y adds the threads' partial sums in another order.
      const names = ['y', 'x gradient', 'gamma gradient', 'beta gradient'];
      compare(outputs, names, JSON.stringify(shape), names.slice(1), shape.slice(0, -1).reduce((a, b) => a * b, 1) > 1);
    }
  });

  it('element-wise kernels split in runs of whole vectors: the ReLU\'s gradient, the Adam and momentum updates and bias adds, odd sizes included', async () => {
    for (const count of [33, 1000, 4099]) {
      const inputs: TestInput[] = [0, 1, 2, 3].map((index) => ({ values: values(count).map((value) => (index === 2 ? Math.abs(value) : value)), shape: [count] }));
      const compute = (w?: tf.Tensor, m?: tf.Tensor, v?: tf.Tensor, g?: tf.Tensor): tf.Tensor[] => [
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), g!)))(w!),
        ...(tf.engine().runKernel(ADAM_KERNEL, { value: w!, m: m!, v: v!, gradient: g! }, { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 3 }) as tf.Tensor[]),
        ...(tf.engine().runKernel(MOMENTUM_KERNEL, { value: w!, velocity: m!, gradient: g! }, { learningRate: 0.05, momentum: 0.9 }) as tf.Tensor[]),
      ];
      const outputs = await onThreePaths(inputs, compute);
      compare(outputs, ['ReLU gradient', 'Adam weight', 'Adam m', 'Adam v', 'momentum weight', 'momentum velocity'], `${count} elements`);
    }
    // A bias over the last axis: each run starts on a whole period of the channels (7: 28 floats, runs of 112).
    for (const [rows, channels] of [[50, 7], [33, 3], [9, 64]] as const) {
      const outputs = await onThreePaths([{ values: values(rows * channels), shape: [rows, channels] }, { values: values(channels), shape: [channels] }], (x, bias) => [tf.add(x!, bias!)]);
      compare(outputs, ['x + bias'], `[${rows}, ${channels}] + [${channels}]`);
    }
  });

  it('a LeNet-5-sized training step gives the same gradients threaded as on one thread', async () => {
    const outputs = await onThreePaths([
      { values: values(16 * 28 * 28), shape: [16, 28, 28, 1] },
      { values: values(5 * 5 * 6), shape: [5, 5, 1, 6] },
      { values: values(5 * 5 * 6 * 16), shape: [5, 5, 6, 16] },
      { values: values(400 * 120).map((value) => value * 0.1), shape: [400, 120] },
    ], (x, w1, w2, w3) => tf.grads((a, b, c) => {
      const first = tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, a as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
      const second = tf.maxPool(tf.relu(tf.conv2d(first, b as tf.Tensor4D, 1, 'valid')), 2, 2, 'valid');
      return tf.sum(tf.square(tf.matMul(tf.reshape(second, [16, 400]), c as tf.Tensor2D)));
    })([w1!, w2!, w3!]));
    compare(outputs, ['first filter gradient', 'second filter gradient', 'dense weight gradient'], 'LeNet-5 step', ['first filter gradient', 'second filter gradient', 'dense weight gradient']);
  });

  it('a kernel that fails on a helper thread fails the call with a one-line message instead of hanging; closing frees the control blocks once', async () => {
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
    const { readFileSync } = await import('node:fs');
    const { join, dirname } = await import('node:path');
    const file = join(dirname(require.resolve('convlens-runtime/kernels/kernel-threads')), 'simd', 'kernels-shared.wasm');
    const module = new WebAssembly.Module(readFileSync(file));
    const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as ConstructorParameters<typeof KernelThreads>[3];
    // Control blocks at 0; a 4 × 4 matrix of zeros at 4096 (fresh memory is zeroed), the product at 8192.
    const released: number[] = [];
    const threads = new KernelThreads(2, memory, module, kernels, 0, (controls) => released.push(controls));
    try {
      const a = 4096;
      const out = 8192;
      // Part 1 writes far past the end of the 1 MiB memory: a trap on the helper thread.
      assert.throws(() => threads.run('matMul', [[a, a, 0, out, 4, 4, 4, 4, 1, 0], [a, a, 0, 2 ** 31, 4, 4, 4, 4, 1, 0]]), /^Error: \[convlens\] matMul failed on kernel thread 1; set CONVLENS_THREADS=1/);
      // The pool still works after a failure (the product overwrites the 7s).
      new Float32Array(memory.buffer, out, 16).fill(7);
      threads.run('matMul', [[a, a, 0, out, 4, 4, 4, 4, 1, 0], [a, a, 0, out, 4, 4, 4, 4, 1, 0]]);
      assert.deepEqual([...new Float32Array(memory.buffer, 8192, 16)], new Array(16).fill(0));
    } finally {
      await threads.close();
    }
    // The control blocks go back to their allocator once, when the helpers are gone.
    await threads.close();
    assert.deepEqual(released, [0]);
  });

  it('the kernels\' settings: every valid value passes, a bad one is a TrainingError that names the variable and its values', () => {
    for (const environment of [{}, { CONVLENS_THREADS: 'auto', CONVLENS_SIMD: 'plain', CONVLENS_WINOGRAD: 'off', CONVLENS_WINOGRAD_TILE: '4' }, { CONVLENS_THREADS: '64', CONVLENS_SIMD: 'relaxed', CONVLENS_WINOGRAD: 'on', CONVLENS_WINOGRAD_TILE: '2' }]) {
      assert.doesNotThrow(() => checkKernelSettings(environment), JSON.stringify(environment));
    }
    assert.equal(threadsSetting({ CONVLENS_THREADS: '3' }), 3);
    assert.equal(threadsSetting({ CONVLENS_THREADS: '' }), undefined);
    // Empty means unset for every one of them (`CONVLENS_SIMD= npm test`).
    assert.equal(simdSetting({ CONVLENS_SIMD: '' }), undefined);
    assert.equal(winogradSetting({ CONVLENS_WINOGRAD: '' }), true);
    assert.equal(winogradTileSetting({ CONVLENS_WINOGRAD_TILE: '' }), undefined);
    for (const [environment, message] of [
      [{ CONVLENS_THREADS: 'two' }, 'CONVLENS_THREADS must be a whole number from 1 to 64 or auto (got two)'],
      [{ CONVLENS_THREADS: '65' }, 'CONVLENS_THREADS must be a whole number from 1 to 64 or auto (got 65)'],
      [{ CONVLENS_THREADS: '1.5' }, 'CONVLENS_THREADS must be a whole number from 1 to 64 or auto (got 1.5)'],
      [{ CONVLENS_SIMD: 'fast' }, 'CONVLENS_SIMD must be plain or relaxed (got fast); leave it unset to choose by what the engine supports'],
      [{ CONVLENS_WINOGRAD: 'maybe' }, 'CONVLENS_WINOGRAD must be on or off (got maybe); leave it unset for on'],
      [{ CONVLENS_WINOGRAD_TILE: '8' }, 'CONVLENS_WINOGRAD_TILE must be 2 or 4 (got 8); leave it unset to choose by the layer'],
    ] as const) {
      assert.throws(() => checkKernelSettings(environment), (error: unknown) => error instanceof TrainingError && error.message === message, JSON.stringify(environment));
    }
  });
});
