/**
 * Training's fused convolution (layers/conv2d-layer.ts: the FusedConv2D kernel with bias
 * and ReLU, under the gradient of kernels/fused-convolution-gradient.ts) against the
 * unfused ops as the oracle: tf.conv2d, tf.add of the bias and tf.relu, differentiated by
 * tfjs itself. Gradients of the input, the filter and the bias, on cpu and wasm, with
 * padding and stride, without a bias, and without a ReLU; and no input gradient computed
 * where nothing needs one (a network's first layer).
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { Conv2dLayer } from 'convlens-runtime/layers/conv2d-layer';
import { kernelsCalledBy } from './kernels-called';

interface Case {
  readonly input: [number, number, number, number];
  readonly filters: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly bias: boolean;
  readonly relu: boolean;
}

const CASES: readonly Case[] = [
  { input: [2, 9, 8, 3], filters: 5, kernel: 3, stride: 1, padding: 1, bias: true, relu: true },
  { input: [1, 11, 11, 2], filters: 6, kernel: 5, stride: 2, padding: 2, bias: true, relu: true },
  { input: [3, 7, 7, 8], filters: 9, kernel: 3, stride: 1, padding: 0, bias: false, relu: true },
  { input: [2, 6, 10, 4], filters: 3, kernel: 1, stride: 1, padding: 0, bias: true, relu: false },
];

function layerFor(testCase: Case): Conv2dLayer {
  const { input, filters, kernel, stride, padding, bias } = testCase;
  const layer = new Conv2dLayer({
    name: `fused_${filters}_${kernel}`, filters, kernelSize: [kernel, kernel], strides: [stride, stride],
    padding: [[padding, padding], [padding, padding]], dilation: [1, 1], groups: 1, useBias: bias, seed: 3, zeros: false,
  });
  layer.build(input);
  return layer;
}

/** Gradients of Σ y · r with respect to x and each of the layer's weights. */
function gradients(layer: Conv2dLayer, x: tf.Tensor, r: tf.Tensor, forward: (input: tf.Tensor) => tf.Tensor): { output: Float32Array; all: Float32Array[] } {
  const variables = layer.trainableWeights.map((weight) => (weight as unknown as { val: tf.Variable }).val);
  let output: Float32Array | undefined;
  const { grads, value } = tf.variableGrads(() => {
    const y = forward(x);
    output = y.dataSync() as Float32Array;
    return tf.sum(tf.mul(y, r));
  }, variables);
  const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(forward(input), r)))(x);
  const all = [dx, ...variables.map((variable) => grads[variable.name]!)].map((tensor) => tensor.dataSync() as Float32Array);
  tf.dispose([dx, value, ...Object.values(grads)]);
  return { output: output!, all };
}

describe('runtime: the fused convolution of training against conv2d, add and relu', function () {
  this.timeout(60_000);

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`outputs and the gradients of input, filter and bias equal the unfused ops' on ${backend}`, async () => {
      await chooseBackend({ requested: backend });
      for (const testCase of CASES) {
        const layer = layerFor(testCase);
        const x = tf.randomNormal(testCase.input, 0, 1, 'float32', 1);
        const [kernel, bias] = layer.getWeights();
        const pad = testCase.padding;
        // The oracle: the ops training used before, differentiated by tfjs.
        const unfused = (input: tf.Tensor): tf.Tensor => {
          const convolved = tf.conv2d(input as tf.Tensor4D, kernel as tf.Tensor4D, testCase.stride, [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
          const biased = bias === undefined ? convolved : tf.add(convolved, bias);
          return testCase.relu ? tf.relu(biased) : biased;
        };
        const fused = (input: tf.Tensor): tf.Tensor => (testCase.relu ? layer.callWithRelu(input) : layer.apply(input, { training: true }) as tf.Tensor);
        const r = tf.randomNormal(unfused(x).shape, 0, 1, 'float32', 2);
        const expected = gradients(layer, x, r, unfused);
        const actual = gradients(layer, x, r, fused);
        const where = `${JSON.stringify(testCase)} on ${backend}`;
        const scale = (values: Float32Array) => Math.max(...Array.from(values, Math.abs), 1e-12);
        const worst = (a: Float32Array, b: Float32Array) => Math.max(...Array.from(a, (value, index) => Math.abs(value - b[index]!)));
        assert.ok(worst(actual.output, expected.output) <= 1e-5 * scale(expected.output), `${where}: outputs`);
        assert.equal(actual.all.length, testCase.bias ? 3 : 2);
        actual.all.forEach((values, index) => {
          assert.ok(worst(values, expected.all[index]!) <= 1e-5 * scale(expected.all[index]!), `${where}: gradient ${['x', 'filter', 'bias'][index]} differs by ${worst(values, expected.all[index]!)}`);
        });
        tf.dispose([x, r]);
        layer.weights.forEach((weight) => weight.dispose());
      }
    });
  }

  it('computes no input gradient for a first layer (only the weights need one)', async () => {
    await chooseBackend({ requested: 'wasm' });
    const layer = layerFor(CASES[0]!);
    const x = tf.randomNormal(CASES[0]!.input, 0, 1, 'float32', 1);
    const variables = layer.trainableWeights.map((weight) => (weight as unknown as { val: tf.Variable }).val);
    const { result, names } = kernelsCalledBy(() => {
      const { grads, value } = tf.variableGrads(() => tf.sum(layer.callWithRelu(x)), variables);
      tf.dispose(Object.values(grads));
      return value;
    });
    result.dispose();
    assert.ok(names.includes('FusedConv2D') && names.includes('Conv2DBackpropFilter'), names.join(', '));
    assert.ok(!names.includes('Conv2DBackpropInput'), 'the input gradient was computed');
    assert.ok(!names.includes('Relu') && !names.includes('Add'), `unfused ops ran: ${names.join(', ')}`);
    x.dispose();
    layer.weights.forEach((weight) => weight.dispose());
  });
});
