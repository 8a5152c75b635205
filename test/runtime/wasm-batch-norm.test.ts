/**
 * Batch norm in training on the wasm backend (runtime/kernels/wasm-batch-norm.ts and
 * runtime/layers/batch-norm-layer.ts) against tfjs's stock BatchNormalization layer on the
 * cpu backend, the oracle: outputs, batch statistics, the moving mean and variance after a
 * step, and the gradients of x, γ and β, on shapes with one image, channel counts that
 * leave 1–3 channels after the last group of four, odd image sizes, several row blocks
 * (the kernels sum 8–64 rows at a time in f32), and rank 2 (batch norm after a dense
 * layer); that a compiled model with the layer saves and loads as stock TensorFlow.js;
 * then a short training run of a conv + batch norm + ReLU model on both backends.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { layers, loadLayersModel } from '@tensorflow/tfjs-layers';
import { batchNorm, conv2d, dense, flatten, input, model, relu } from 'convlens';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { compileModel } from 'convlens-runtime/compile';
import { BATCH_NORM_TRAINING_GRADIENT_KERNEL, BATCH_NORM_TRAINING_KERNEL, batchNormInTraining } from 'convlens-runtime/kernels/wasm-batch-norm';
import { BatchNormLayer } from 'convlens-runtime/layers/batch-norm-layer';
import { toRandom, uniformValues } from 'convlens-runtime/seeded-random';
import { ClassifierReplica } from 'convlens-runtime/training/classifier-replica';
import { relativeError } from './relative-error';

type LayerArgs = NonNullable<Parameters<typeof layers.batchNormalization>[0]>;
type AnyLayer = ReturnType<typeof layers.batchNormalization>;

interface Case {
  readonly shape: number[];
  /** Added to every input: a batch mean far from zero tests the centring. */
  readonly offset: number;
  readonly momentum: number;
  readonly epsilon: number;
}

const CASES: readonly Case[] = [
  // One image of one pixel: the variance is 0 and y is β.
  { shape: [1, 1, 1, 3], offset: 0, momentum: 0.9, epsilon: 1e-3 },
  { shape: [1, 5, 7, 3], offset: 2, momentum: 0.9, epsilon: 1e-5 },
  { shape: [2, 3, 3, 1], offset: -1, momentum: 0.99, epsilon: 1e-3 },
  { shape: [3, 9, 5, 5], offset: 0.5, momentum: 0.9, epsilon: 1e-5 },
  { shape: [2, 7, 11, 13], offset: 3, momentum: 0.8, epsilon: 1e-5 },
  // 324 rows of 3 channels: five full blocks of 64 rows and a block of 4.
  { shape: [4, 9, 9, 3], offset: 1, momentum: 0.9, epsilon: 1e-5 },
  { shape: [4, 6, 6, 64], offset: -2, momentum: 0.9, epsilon: 1e-5 },
  { shape: [1, 3, 5, 67], offset: 0, momentum: 0.9, epsilon: 1e-3 },
  // 16-row blocks (256 channels) and 8-row blocks (512): several blocks, odd ones too.
  { shape: [2, 5, 3, 256], offset: 1, momentum: 0.9, epsilon: 1e-5 },
  { shape: [3, 3, 3, 512], offset: 0, momentum: 0.9, epsilon: 1e-5 },
  // Rank 2: after a dense layer.
  { shape: [7, 13], offset: 1, momentum: 0.9, epsilon: 1e-5 },
  { shape: [1, 5], offset: 0, momentum: 0.9, epsilon: 1e-3 },
  { shape: [32, 3], offset: -4, momentum: 0.9, epsilon: 1e-5 },
  { shape: [5, 64], offset: 0, momentum: 0.9, epsilon: 1e-5 },
  // Rank 3 with the channels last (the kernel takes any rank).
  { shape: [3, 5, 7], offset: 1, momentum: 0.9, epsilon: 1e-5 },
];

interface Draws {
  readonly x: Float32Array;
  readonly upstream: Float32Array;
  /** gamma, beta, moving mean, moving variance: the layer's weights in its order. */
  readonly weights: readonly Float32Array[];
}

function drawsFor({ shape, offset }: Case, seed: number): Draws {
  const random = toRandom(seed);
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  const channels = shape[shape.length - 1] as number;
  const x = uniformValues(size, random, -1, 1).map((value) => value * 1.5 + offset);
  const upstream = uniformValues(size, random, -1, 1);
  const weights = [uniformValues(channels, random, 0.5, 1.5), uniformValues(channels, random, -0.5, 0.5), uniformValues(channels, random, -1, 1), uniformValues(channels, random, 0.5, 2)];
  return { x, upstream, weights };
}

interface LayerResults {
  readonly y: Float32Array;
  /** The moving mean and variance after the training call. */
  readonly moving: readonly Float32Array[];
  readonly dx: Float32Array;
  readonly dgamma: Float32Array;
  readonly dbeta: Float32Array;
  /** Every kernel the training call and its gradient ran. */
  readonly kernels: readonly string[];
}

/** A layer built on `draws`' weights, one training call, and the gradients of Σ y·upstream. */
async function runLayer(backend: 'cpu' | 'wasm', make: (args: LayerArgs) => AnyLayer, testCase: Case, draws: Draws): Promise<LayerResults> {
  await tf.setBackend(backend);
  const { shape, momentum, epsilon } = testCase;
  const layer = make({ axis: -1, momentum, epsilon });
  // Built by an inference call (which changes no weight), then given the drawn weights.
  tf.tidy(() => {
    layer.apply(tf.zeros(shape), { training: false });
  });
  layer.setWeights(draws.weights.map((values) => tf.tensor(values)));
  const variables = layer.trainableWeights.map((weight) => (weight as unknown as { val: tf.Variable }).val);
  const x = tf.variable(tf.tensor(draws.x, shape));
  const upstream = tf.tensor(draws.upstream, shape);
  let y: Float32Array = new Float32Array();
  let gradients: Float32Array[] = [];
  const profile = await tf.profile(async () => {
    let output: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      // Kept past the gradient's tidy, to be read below.
      output = tf.keep(layer.apply(x, { training: true }) as tf.Tensor);
      return tf.sum(tf.mul(output, upstream)) as tf.Scalar;
    }, [x, ...variables]);
    value.dispose();
    gradients = await Promise.all([x, ...variables].map(async (variable) => (await (grads[variable.name] as tf.Tensor).data()) as Float32Array));
    tf.dispose(grads);
    const kept = output as tf.Tensor | null;
    if (kept === null) throw new Error('the layer was not called');
    y = (await kept.data()) as Float32Array;
    kept.dispose();
  });
  const moving = await Promise.all(layer.getWeights().slice(2).map(async (weight) => (await weight.data()) as Float32Array));
  layer.dispose();
  x.dispose();
  upstream.dispose();
  const [dx, dgamma, dbeta] = gradients as [Float32Array, Float32Array, Float32Array];
  return { y, moving, dx, dgamma, dbeta, kernels: profile.kernelNames };
}

const TOLERANCE = 1e-5;

describe('runtime: batch norm in training on wasm against the stock layer on cpu', function () {
  this.timeout(120_000);

  before(async () => {
    await chooseBackend({ requested: 'wasm' });
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  CASES.forEach((testCase, index) => {
    it(`[${testCase.shape.join(', ')}], mean near ${testCase.offset}, momentum ${testCase.momentum}, ε ${testCase.epsilon}: outputs, moving statistics and gradients`, async () => {
      const draws = drawsFor(testCase, 20250101 + index);
      const expected = await runLayer('cpu', (args) => layers.batchNormalization(args), testCase, draws);
      const actual = await runLayer('wasm', (args) => new BatchNormLayer(args) as unknown as AnyLayer, testCase, draws);
      // The kernels ran, and none of the stock path's (moments' Mean, FusedBatchNorm's).
      assert.ok(actual.kernels.includes(BATCH_NORM_TRAINING_KERNEL) && actual.kernels.includes(BATCH_NORM_TRAINING_GRADIENT_KERNEL), actual.kernels.join(' '));
      assert.ok(!actual.kernels.includes('FusedBatchNorm') && !actual.kernels.includes('Mean'), actual.kernels.join(' '));
      assert.ok(expected.kernels.includes('FusedBatchNorm'), 'the oracle is the stock layer');
      const check = (name: string, got: ArrayLike<number>, want: ArrayLike<number>) => {
        const error = relativeError(got, want);
        assert.ok(error < TOLERANCE, `${name}: relative error ${error}`);
      };
      check('y', actual.y, expected.y);
      check('moving mean', actual.moving[0] as Float32Array, expected.moving[0] as Float32Array);
      check('moving variance', actual.moving[1] as Float32Array, expected.moving[1] as Float32Array);
      const rows = draws.x.length / (testCase.shape[testCase.shape.length - 1] as number);
      if (rows > 1) {
        check('dx', actual.dx, expected.dx);
      } else {
        // One row per channel: y = β whatever x is, so dx is 0, and the cpu's dx is rounding
        // left from terms of size γ·dy/√(0 + ε) that cancel (≈ 2e-6 of ≈ 30). Both are
        // compared with 0 relative to those terms.
        const gammas = draws.weights[0] as Float32Array;
        const channels = gammas.length;
        const scale = Math.max(...Array.from(draws.upstream, (dy, at) => Math.abs(dy * (gammas[at % channels] as number)))) / Math.sqrt(testCase.epsilon);
        for (const [name, dx] of [['wasm', actual.dx], ['cpu', expected.dx]] as const) {
          const largest = Math.max(...Array.from(dx, Math.abs));
          assert.ok(largest <= TOLERANCE * scale, `${name} dx with one row: ${largest} against terms of ${scale}`);
        }
      }
      check('dγ', actual.dgamma, expected.dgamma);
      check('dβ', actual.dbeta, expected.dbeta);
    });
  });

  it('the batch statistics: the mean and the biased variance, as tf.moments on cpu', async () => {
    for (const [index, testCase] of CASES.entries()) {
      const { x, weights } = drawsFor(testCase, 20250101 + index);
      await tf.setBackend('cpu');
      const moments = tf.moments(tf.tensor(x, testCase.shape), testCase.shape.map((_, axis) => axis).slice(0, -1));
      const [meanCpu, varianceCpu] = [(await moments.mean.data()) as Float32Array, (await moments.variance.data()) as Float32Array];
      tf.dispose([moments.mean, moments.variance]);
      await tf.setBackend('wasm');
      const statistics = tf.tidy(() => {
        const { mean, variance } = batchNormInTraining(tf.tensor(x, testCase.shape), tf.tensor(weights[0] as Float32Array), tf.tensor(weights[1] as Float32Array), testCase.epsilon);
        return [mean, variance];
      });
      const [mean, variance] = (await Promise.all(statistics.map((tensor) => tensor.data()))) as [Float32Array, Float32Array];
      tf.dispose(statistics);
      assert.ok(relativeError(mean, meanCpu) < TOLERANCE, `[${testCase.shape.join(', ')}] mean`);
      assert.ok(relativeError(variance, varianceCpu) < TOLERANCE, `[${testCase.shape.join(', ')}] variance`);
    }
  });

  it('the stock path where the kernel does not apply: inference, and the channels not last', async () => {
    await tf.setBackend('wasm');
    const layer = new BatchNormLayer({ axis: 1, momentum: 0.9, epsilon: 1e-5 });
    const inference = new BatchNormLayer({ axis: -1, momentum: 0.9, epsilon: 1e-5 });
    const x = tf.tensor(uniformValues(2 * 3 * 4, toRandom(5), -1, 1), [2, 3, 4]);
    const kernels = (await tf.profile(() => {
      tf.dispose([layer.apply(x, { training: true }) as tf.Tensor, inference.apply(x, { training: false }) as tf.Tensor]);
    })).kernelNames;
    assert.ok(!kernels.includes(BATCH_NORM_TRAINING_KERNEL), kernels.join(' '));
    assert.equal(inference.getClassName(), 'BatchNormalization');
    tf.dispose(x);
    layer.dispose();
    inference.dispose();
  });

  it('a model with the layer saves as stock TensorFlow.js: class BatchNormalization, the same weight names, loadable without ConvLens\'s class', async () => {
    await tf.setBackend('wasm');
    const root = model('bnSaved', input(2, 5, 5), conv2d(3, 3), batchNorm(), relu(), flatten(), dense(4), batchNorm());
    const compiled = compileModel(root, { seed: 4 });
    // One training step's update, so the moving statistics are not their initial values.
    tf.tidy(() => {
      compiled.model.apply(tf.tensor(uniformValues(3 * 5 * 5 * 2, toRandom(8), -1, 1), [3, 5, 5, 2]), { training: true });
    });
    let artifacts: tf.io.ModelArtifacts | null = null;
    await compiled.model.save(
      tf.io.withSaveHandler(async (saved) => {
        artifacts = saved;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const saved = artifacts as unknown as tf.io.ModelArtifacts;
    const topology = saved.modelTopology as { config: { layers: { class_name: string }[] } };
    assert.equal(topology.config.layers.filter((layer) => layer.class_name === 'BatchNormalization').length, 2);
    const loaded = await loadLayersModel(tf.io.fromMemory(saved));
    assert.deepEqual(loaded.weights.map((weight) => weight.originalName), compiled.model.weights.map((weight) => weight.originalName));
    const [before, after] = await Promise.all([compiled.model, loaded].map((network) => Promise.all(network.getWeights().map((weight) => weight.data()))));
    before?.forEach((values, index) => assert.deepEqual(Array.from(after?.[index] ?? []), Array.from(values), `weight ${index}`));
    compiled.model.dispose();
    loaded.dispose();
  });

  it('five steps of SGD on a conv + batch norm + ReLU model: the same losses and moving statistics on wasm as on cpu', async () => {
    const root = model(
      'bnTraining',
      input(3, 9, 9),
      conv2d(8, 3, { padding: 1 }),
      batchNorm(),
      relu(),
      conv2d(13, 3, { stride: 2 }),
      batchNorm({ momentum: 0.3 }),
      relu(),
      flatten(),
      dense(12),
      batchNorm(),
      relu(),
      dense(5),
    );
    const random = toRandom(99);
    const [batch, steps] = [6, 5];
    const images = uniformValues(steps * batch * 9 * 9 * 3, random, -1, 2);
    const labels = Int32Array.from({ length: steps * batch }, () => Math.floor(random() * 5));
    const run = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const compiled = compileModel(root, { seed: 3 });
      assert.ok(compiled.model.layers.some((layer) => layer instanceof BatchNormLayer), 'compile uses the batch-norm layer');
      const replica = new ClassifierReplica(compiled, 5, { kind: 'sgd', learningRate: 0.05, momentum: 0.9 });
      const losses: number[] = [];
      const kernels = new Set<string>();
      for (let step = 0; step < steps; step += 1) {
        const pixels = batch * 9 * 9 * 3;
        const profile = await tf.profile(async () => {
          losses.push((await replica.trainBatch(images.subarray(step * pixels, (step + 1) * pixels), labels.subarray(step * batch, (step + 1) * batch), batch)).loss);
        });
        profile.kernelNames.forEach((name) => kernels.add(name));
      }
      const statistics = await Promise.all(
        compiled.model.layers.filter((layer) => layer instanceof BatchNormLayer).flatMap((layer) => layer.getWeights().slice(2)).map(async (weight) => (await weight.data()) as Float32Array),
      );
      compiled.model.dispose();
      return { losses, statistics, kernels };
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    assert.ok(wasm.kernels.has(BATCH_NORM_TRAINING_KERNEL) && wasm.kernels.has(BATCH_NORM_TRAINING_GRADIENT_KERNEL));
    assert.ok(!cpu.kernels.has(BATCH_NORM_TRAINING_KERNEL));
    // Training moves: the losses are not one number repeated.
    assert.ok(Math.abs((cpu.losses[0] as number) - (cpu.losses[steps - 1] as number)) > 1e-3, cpu.losses.join(' '));
    cpu.losses.forEach((loss, step) => assert.ok(Math.abs((wasm.losses[step] as number) - loss) < 1e-4, `step ${step}: wasm ${wasm.losses[step]}, cpu ${loss}`));
    cpu.statistics.forEach((values, index) => assert.ok(relativeError(wasm.statistics[index] as Float32Array, values) < 1e-4, `moving statistic ${index}`));
  });
});
