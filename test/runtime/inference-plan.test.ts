/**
 * runtime/inference-plan.ts: its executor (and its fusions of a convolution with the batch
 * norm, ReLU and max pool after it) must predict what tfjs-layers' own `apply` predicts —
 * the oracle — on the cpu and wasm backends, for chains, residual and concat graphs, and
 * the models that must not fuse (a convolution's output read twice). Its training forward
 * pass must compute what `apply(x, { training: true })` computes on wasm: outputs, every
 * weight's gradient and batch norm's moving statistics.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { ModelNode } from 'convlens/ir';
import { aux, avgPool2d, batchNorm, concat, conv2d, dense, dropout, flatten, globalAvgPool2d, input, maxPool2d, model, relu, residual, sequential } from 'convlens';
import { compileModel } from 'convlens-runtime';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { asChain, toPredict, toTrainingForward } from 'convlens-runtime/inference-plan';
import { winogradCallCount } from 'convlens-runtime/kernels/wasm-winograd';
import * as lenet5 from '../../examples/lenet5';
import { kernelsCalledBy } from './kernels-called';

const grouped = model('grouped', input(4, 12, 12), conv2d(8, 3, { groups: 2, padding: 1 }), relu(), maxPool2d(2), flatten(), dense(5));
const normalised = model('normalised', input(3, 10, 10), conv2d(6, 3), batchNorm(), relu(), dropout(0.5), conv2d(4, 3, { bias: false }), relu(), avgPool2d(2), flatten(), dense(3));
const withAux = model('withAux', input(1, 16, 16), conv2d(4, 3), relu(), aux('side', sequential(flatten(), dense(2)), { weight: 0.3 }), conv2d(4, 3), relu(), flatten(), dense(2));
// Odd sizes (the pool drops the last row and column), no bias, a strided convolution, and
// 16 filters (whole 8-lane blocks) before the pool the wasm backend fuses with the convolution.
const oddPools = model('oddPools', input(3, 15, 15), conv2d(5, 3, { bias: false }), relu(), maxPool2d(2), conv2d(16, 3, { stride: 2, padding: 1 }), relu(), maxPool2d(2), flatten(), dense(3));
const withResidual = model('withResidual', input(2, 8, 8), conv2d(4, 3, { padding: 1 }), relu(), residual(sequential(conv2d(4, 3, { padding: 1 }), relu())), flatten(), dense(3));

// ResNet's basic block with a projection shortcut: convolution + batch norm (+ ReLU) fused,
// 3×3 with 8 channels and more (Winograd on wasm), the addition and the ReLU after it unfused.
const block = (planes: number, stride: number) => sequential(
  residual(
    sequential(conv2d(planes, 3, { stride, padding: 1, bias: false }), batchNorm(), relu(), conv2d(planes, 3, { padding: 1, bias: false }), batchNorm()),
    stride === 1 ? undefined : sequential(conv2d(planes, 1, { stride, bias: false }), batchNorm()),
  ),
  relu(),
);
const resnetLike = model('resnetLike', input(3, 9, 9), conv2d(8, 3, { padding: 1 }), batchNorm(), relu(), block(8, 1), block(12, 2), globalAvgPool2d(), dense(4));
// Branches that read one tensor: a convolution whose output two layers read is not fused with either;
// a batch norm, a ReLU and a pool after it, with a bias, in a concat branch.
const branching = model('branching', input(4, 10, 10), conv2d(8, 3, { padding: 1 }),
  concat(sequential(batchNorm(), relu()), sequential(conv2d(8, 3, { padding: 1 }), batchNorm(), relu()), sequential(conv2d(6, 1), relu())),
  conv2d(10, 3, { padding: 1 }), batchNorm(), relu(), maxPool2d(2), flatten(), dense(3));


const CASES: { root: ModelNode; chain: boolean }[] = [
  { root: lenet5.lenet5, chain: true },
  { root: lenet5.lenet5Modern, chain: true },
  { root: lenet5.lenet5Mnist, chain: true },
  { root: grouped, chain: true },
  { root: normalised, chain: true },
  { root: withAux, chain: true },
  { root: oddPools, chain: true },
  { root: withResidual, chain: false },
  { root: resnetLike, chain: false },
  { root: branching, chain: false },
];

describe('runtime: inference plan (executor and fusions) against tfjs-layers apply', function () {
  this.timeout(60_000);
  after(async () => {
    await tf.setBackend('cpu');
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`predicts what apply predicts on ${backend}, and takes the chain path only for chains`, async () => {
      if (backend === 'wasm') await chooseBackend({ requested: 'wasm' });
      else await tf.setBackend('cpu');
      for (const { root, chain } of CASES) {
        const compiled = compileModel(root, { seed: 7 });
        try {
          // Training a few steps would move batch norm's statistics; random ones do it here.
          for (const weight of compiled.predictor.weights) {
            if (weight.name.includes('moving_variance')) weight.write(tf.randomUniform(weight.shape as number[], 0.5, 2, 'float32', 3));
            if (weight.name.includes('moving_mean')) weight.write(tf.randomNormal(weight.shape as number[], 0, 1, 'float32', 4));
          }
          assert.equal(asChain(compiled.predictor) !== null, chain, `${root.name} is ${chain ? '' : 'not '}a chain`);
          const shape = [3, ...compiled.predictor.inputs[0]!.shape.slice(1).map((dimension) => dimension ?? 1)];
          const x = tf.randomNormal(shape, 0, 1, 'float32', 11);
          const expected = await (compiled.predictor.apply(x, { training: false }) as tf.Tensor).data();
          const before = winogradCallCount();
          const kernels = kernelsCalledBy(() => toPredict(compiled.predictor)(x));
          const actual = await kernels.result.data();
          kernels.result.dispose();
          // Every batch norm but the one after a convolution that three branches read is folded into its convolution.
          assert.equal(kernels.names.filter((name) => name === 'FusedBatchNorm').length, root === branching ? 1 : 0, `${root.name}: batch norms left`);
          // The fused ResNet blocks' 3×3 convolutions of 8 and 12 channels run by Winograd on wasm.
          if (root === resnetLike && backend === 'wasm') assert.equal(winogradCallCount() - before, 3, 'Winograd ran');
          assert.equal(actual.length, expected.length);
          const scale = Math.max(...Array.from(expected, Math.abs), 1e-6);
          const worst = Math.max(...Array.from(actual, (value, index) => Math.abs(value - (expected[index] as number))));
          assert.ok(worst <= 1e-5 * scale, `${root.name} on ${backend}: differs by ${worst} (scale ${scale})`);
        } finally {
          compiled.model.dispose();
        }
      }
    });

    // The walk calls the same layers on either backend; on wasm only, as the cpu backend's
    // gradients of these models take seconds.
    if (backend === 'cpu') continue;
    it(`its training forward pass computes what apply computes in training on ${backend}: outputs, gradients, moving statistics`, async () => {
      await chooseBackend({ requested: 'wasm' });
      // Dropout draws a new mask per call, so the model with one is left out; aux heads make a second output.
      for (const { root } of CASES.filter(({ root }) => root !== normalised)) {
        const compiled = compileModel(root, { seed: 7 });
        try {
          const forward = toTrainingForward(compiled.model);
          if (root === withAux) {
            assert.equal(forward, null, 'a model with an aux head goes through apply');
            continue;
          }
          assert.ok(forward !== null, `${root.name} has a training walk`);
          const shape = [3, ...compiled.model.inputs[0]!.shape.slice(1).map((dimension) => dimension ?? 1)];
          const x = tf.randomNormal(shape, 0, 1, 'float32', 11);
          const statistics = compiled.model.weights.filter((weight) => weight.name.includes('moving_'));
          const saved = statistics.map((weight) => weight.read().clone());
          /** The output, the gradient of Σ output · r for every trainable weight, and the moving statistics after the call. */
          const run = async (compute: (input: tf.Tensor) => tf.Tensor) => {
            statistics.forEach((weight, index) => weight.write(saved[index]!.clone()));
            const variables = compiled.model.trainableWeights.map((weight) => (weight as unknown as { val: tf.Variable }).val);
            let output: Float32Array | undefined;
            const { grads } = tf.variableGrads(() => {
              const y = compute(x);
              output = y.dataSync() as Float32Array;
              return tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 5)));
            }, variables);
            const gradients = await Promise.all(variables.map(async (variable) => (await grads[variable.name]!.data()) as Float32Array));
            tf.dispose(grads);
            return { output: output!, gradients, moving: await Promise.all(statistics.map(async (weight) => (await weight.read().data()) as Float32Array)) };
          };
          const expected = await run((input) => compiled.model.apply(input, { training: true }) as tf.Tensor);
          const actual = await run(forward);
          for (const [name, a, b] of [['output', [actual.output], [expected.output]], ['gradient', actual.gradients, expected.gradients], ['moving statistic', actual.moving, expected.moving]] as const) {
            assert.equal(a.length, b.length, `${root.name}: ${name}s`);
            a.forEach((values, index) => {
              const label = `${root.name} on ${backend}: ${name} ${index}`;
              // The same ops: the same numbers, except where a tensor read by several layers sums
              // their gradients in the order the layers ran (the branching model): 1e-5 of the largest.
              if (name !== 'gradient') return assert.deepEqual(Array.from(values), Array.from(b[index]!), label);
              const scale = Math.max(...Array.from(b[index]!, Math.abs), 1e-12);
              const worst = Math.max(...Array.from(values, (value, at) => Math.abs(value - b[index]![at]!)));
              assert.ok(worst <= 1e-5 * scale, `${label}: differs by ${worst} (scale ${scale})`);
            });
          }
          assert.ok(statistics.length === 0 || actual.moving.some((values, index) => values.some((value, at) => value !== saved[index]!.dataSync()[at])), `${root.name}: the training call moved the statistics`);
          tf.dispose(saved);
        } finally {
          compiled.model.dispose();
        }
      }
    });
  }
});
