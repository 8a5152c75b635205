/**
 * runtime/inference-plan.ts: the chain executor (and its convolution + ReLU fusion) must
 * predict exactly what tfjs-layers' own `apply` predicts — the oracle — on the cpu and
 * wasm backends, for chains and for the models that must not take that path.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { ModelNode } from 'convlens/ir';
import { aux, avgPool2d, batchNorm, conv2d, dense, dropout, flatten, input, maxPool2d, model, relu, residual, sequential } from 'convlens';
import { compileModel } from 'convlens-runtime';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { asChain, toPredict } from 'convlens-runtime/inference-plan';
import * as lenet5 from '../../examples/lenet5';

const grouped = model('grouped', input(4, 12, 12), conv2d(8, 3, { groups: 2, padding: 1 }), relu(), maxPool2d(2), flatten(), dense(5));
const normalised = model('normalised', input(3, 10, 10), conv2d(6, 3), batchNorm(), relu(), dropout(0.5), conv2d(4, 3, { bias: false }), relu(), avgPool2d(2), flatten(), dense(3));
const withAux = model('withAux', input(1, 16, 16), conv2d(4, 3), relu(), aux('side', sequential(flatten(), dense(2)), { weight: 0.3 }), conv2d(4, 3), relu(), flatten(), dense(2));
// Odd sizes (the pool drops the last row and column), no bias, a strided convolution, and
// 16 filters (whole 8-lane blocks) before the pool the wasm backend fuses with the convolution.
const oddPools = model('oddPools', input(3, 15, 15), conv2d(5, 3, { bias: false }), relu(), maxPool2d(2), conv2d(16, 3, { stride: 2, padding: 1 }), relu(), maxPool2d(2), flatten(), dense(3));
const withResidual = model('withResidual', input(2, 8, 8), conv2d(4, 3, { padding: 1 }), relu(), residual(sequential(conv2d(4, 3, { padding: 1 }), relu())), flatten(), dense(3));

const CASES: { root: ModelNode; chain: boolean }[] = [
  { root: lenet5.lenet5, chain: true },
  { root: lenet5.lenet5Modern, chain: true },
  { root: lenet5.lenet5Mnist, chain: true },
  { root: grouped, chain: true },
  { root: normalised, chain: true },
  { root: withAux, chain: true },
  { root: oddPools, chain: true },
  { root: withResidual, chain: false },
];

describe('runtime: inference plan (chain executor) against tfjs-layers apply', function () {
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
          const actual = await toPredict(compiled.predictor)(x).data();
          assert.equal(actual.length, expected.length);
          const scale = Math.max(...Array.from(expected, Math.abs), 1e-6);
          const worst = Math.max(...Array.from(actual, (value, index) => Math.abs(value - (expected[index] as number))));
          assert.ok(worst <= 1e-5 * scale, `${root.name} on ${backend}: differs by ${worst} (scale ${scale})`);
        } finally {
          compiled.model.dispose();
        }
      }
    });
  }
});
