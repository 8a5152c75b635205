/**
 * The runtime's differential test (runtime/README.md): IR → TensorFlow.js against the engine. For every
 * model of the zoo (GANs' generator and discriminator apart) and a table of small models
 * that use each DSL construct, the compiled model has the engine's weight count
 * (trainable + non-trainable, as TensorFlow.js counts them) and every leaf layer has the
 * engine's name, path, output shape (channels first) and parameter count.
 *
 * The numeric cases below check what TensorFlow.js lacks and the runtime builds itself
 * (padded and ceil-mode pooling, adaptive pooling, grouped and dilated convolution,
 * transposed convolution with output padding, LRN, channels-first flatten) against
 * outputs computed with PyTorch 1.13 (literal values; the script is in the comments).
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { analyze } from 'convlens/engine';
import type { ModelAnalysis } from 'convlens/engine';
import type { GanNode, LayerNode, ModelNode } from 'convlens/ir';
import {
  adaptiveAvgPool2d, aux, avgPool2d, batchNorm, concat, conv2d, conv2dTranspose, dense, dropout, flatten, globalAvgPool2d,
  identity, input, leakyRelu, lrn, maxPool2d, model, relu, relu6, reshape, residual, sequential, sigmoid, softmax, tanh, upsample2d, zeroPad2d,
} from 'convlens';
import { compileGan, compileModel, CompileError, type CompiledModel } from 'convlens-runtime';
import * as alexnet from '../../examples/alexnet';
import * as dcgan from '../../examples/dcgan';
import * as googlenet from '../../examples/googlenet';
import * as lenet5 from '../../examples/lenet5';
import * as resnet from '../../examples/resnet';
import * as vgg from '../../examples/vgg';

function assertMatchesEngine(compiled: CompiledModel, analysis: ModelAnalysis): void {
  const leaves = analysis.layers.filter((layer) => !layer.container && layer.path !== 'input');
  assert.deepEqual(
    compiled.layers.map((layer) => ({ path: layer.path, name: layer.name, output: layer.outputShape })),
    leaves.map((layer) => ({ path: layer.path, name: layer.name, output: layer.output })),
  );
  const leafParams = (index: number): number => {
    const { trainable, nonTrainable } = leaves[index]!.params;
    return (typeof trainable === 'number' ? trainable : Number.NaN) + (typeof nonTrainable === 'number' ? nonTrainable : Number.NaN);
  };
  compiled.layers.forEach((layer, index) => {
    assert.equal(compiled.model.getLayer(layer.layerName).countParams(), leafParams(index), `params of ${layer.name}`);
  });
  const { trainable, nonTrainable } = analysis.params;
  assert.equal(compiled.model.countParams(), (typeof trainable === 'number' ? trainable : Number.NaN) + (typeof nonTrainable === 'number' ? nonTrainable : Number.NaN), 'total params');
  assert.deepEqual(compiled.outputShape, analysis.output);
}

function checkRoot(root: ModelNode | GanNode): void {
  const analysis = analyze(root);
  assert.deepEqual(analysis.findings.filter((finding) => finding.severity === 'error'), []);
  if (root.kind === 'gan' && analysis.kind === 'gan') {
    const compiled = compileGan(root, { zeros: true });
    try {
      assertMatchesEngine(compiled.generator, analysis.generator);
      assertMatchesEngine(compiled.discriminator, analysis.discriminator);
    } finally {
      compiled.generator.model.dispose();
      compiled.discriminator.model.dispose();
    }
  } else if (root.kind === 'model' && analysis.kind === 'model') {
    const compiled = compileModel(root, { zeros: true });
    try {
      assertMatchesEngine(compiled, analysis);
    } finally {
      compiled.model.dispose();
    }
  }
}

/** Runs a compiled model on one channels-first sample; returns its output, channels first, flat. */
async function runChannelsFirst(compiled: CompiledModel, sample: readonly number[], shape: readonly number[]): Promise<number[]> {
  const output = tf.tidy(() => {
    let x = tf.tensor(sample as number[], [1, ...shape]);
    if (shape.length === 3) x = tf.transpose(x, [0, 2, 3, 1]);
    const y = compiled.predictor.predict(x) as tf.Tensor;
    return y.rank === 4 ? tf.transpose(y, [0, 3, 1, 2]) : y;
  });
  const values = Array.from(await output.data());
  output.dispose();
  return values;
}

function assertClose(actual: readonly number[], expected: readonly number[], tolerance = 1e-4): void {
  assert.equal(actual.length, expected.length, 'length');
  actual.forEach((value, index) => {
    assert.ok(Math.abs(value - (expected[index] as number)) <= tolerance, `element ${index}: ${value} vs ${expected[index]}`);
  });
}

const arange = (count: number, f: (i: number) => number = (i) => i): number[] => Array.from({ length: count }, (_, i) => f(i));

/** Small models, one or more per construct; each must compile with the engine's shapes and counts. */
const constructs: readonly ModelNode[] = [
  model('conv padding per axis, stride, bias off', input(3, 17, 13), conv2d(5, [3, 5], { padding: [1, 2], stride: [2, 3], bias: false })),
  model('conv same with stride', input(2, 9, 10), conv2d(4, 4, { padding: 'same', stride: 3 })),
  model('conv dilation and stride together', input(2, 15, 15), conv2d(3, 3, { dilation: 2, stride: 2, padding: 1 })),
  model('grouped conv', input(6, 8, 8), conv2d(9, 3, { groups: 3, padding: 1 }), relu()),
  model('asymmetric padding by zeroPad2d', input(1, 6, 7), zeroPad2d([1, 0, 2, 1]), conv2d(2, 3)),
  model('ceil-mode max pool with padding', input(3, 10, 10), maxPool2d(3, { stride: 2, padding: 1, ceilMode: true })),
  model('ceil-mode avg pool without pad count', input(3, 11, 11), avgPool2d(3, { stride: 2, ceilMode: true, countIncludePad: false, padding: 1 })),
  model('plain and same pools', input(2, 9, 9), maxPool2d(2), avgPool2d(3, { stride: 1, padding: 'same' })),
  model('adaptive average pool, uneven', input(4, 7, 9), adaptiveAvgPool2d([3, 4]), flatten(), dense(5)),
  model('adaptive average pool, even', input(4, 8, 8), adaptiveAvgPool2d(2)),
  model('lrn', input(8, 5, 5), lrn({ size: 5, alpha: 1e-4, beta: 0.75, k: 2 })),
  model('batch norm on images and vectors', input(3, 6, 6), conv2d(4, 3), batchNorm(), relu(), flatten(), dense(7), batchNorm({ momentum: 0.2, epsilon: 1e-3 })),
  model('activations', input(10), dense(8), leakyRelu(0.2), dense(6), tanh(), dense(4), sigmoid(), dense(3), softmax(), dropout(0.5)),
  model('global average pool', input(5, 4, 6), globalAvgPool2d(), dense(2)),
  model('reshape from a vector to an image', input(12), dense(48), reshape(3, 4, 4), conv2d(2, 3), flatten()),
  model('reshape with -1', input(2, 3, 4), reshape(-1, 6), reshape(24)),
  model('upsample', input(2, 3, 5), upsample2d([2, 3])),
  model('transposed conv with output padding', input(4, 5, 5), conv2dTranspose(3, 3, { stride: 2, padding: 1, outputPadding: 1 })),
  model('transposed conv same', input(4, 5, 6), conv2dTranspose(2, 4, { stride: 2, padding: 'same', bias: false })),
  model('residual with identity', input(4, 6, 6), residual(sequential(conv2d(4, 3, { padding: 1 }), relu()))),
  model('residual with projection', input(4, 8, 8), residual(conv2d(8, 3, { stride: 2, padding: 1 }), conv2d(8, 1, { stride: 2 }))),
  model('concat of branches', input(3, 8, 8), concat(conv2d(2, 1), sequential(conv2d(3, 3, { padding: 1 }), relu()), maxPool2d(3, { stride: 1, padding: 1 }))),
  model('aux heads', input(3, 8, 8), conv2d(4, 3), aux('side', sequential(globalAvgPool2d(), dense(3)), { weight: 0.5 }), flatten(), dense(3)),
  model('named layers', input(1, 8, 8), conv2d(2, 3, { name: 'first' }), relu(), conv2d(2, 3, { name: 'conv2d_1' }), relu()),
  model('relu6 and identity on images and vectors', input(3, 6, 6), conv2d(4, 3), relu6(), identity(), flatten(), dense(5), relu6({ name: 'clip' }), identity({ name: 'out' })),
  model('identity as a concat branch (DenseNet)', input(4, 6, 6), concat(identity(), sequential(batchNorm(), relu6(), conv2d(3, 3, { padding: 1 })))),
  model('identity as a residual shortcut', input(4, 6, 6), residual(sequential(conv2d(4, 3, { padding: 1 }), relu6()), identity())),
];

describe('runtime: compile (differential against the engine)', function () {
  this.timeout(120_000);

  before(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
  });

  describe('every example of the zoo', () => {
    const files = { lenet5, alexnet, vgg, googlenet, resnet, dcgan };
    for (const [file, exports] of Object.entries(files)) {
      for (const [exportName, root] of Object.entries(exports as Record<string, unknown>)) {
        const node = root as ModelNode | GanNode;
        if (node.kind !== 'model' && node.kind !== 'gan') continue;
        it(`${file}.ts ${exportName}`, () => checkRoot(node));
      }
    }
  });

  describe('a small model per construct', () => {
    for (const root of constructs) it(root.name, () => checkRoot(root));
  });

  describe('numbers of the layers TensorFlow.js lacks (PyTorch 1.13 values)', () => {
    const image36 = arange(36);

    it('max pool 3, stride 2, padding 1, ceil mode pads with −∞', async () => {
      // F.max_pool2d(-torch.arange(36.).reshape(1,1,6,6), 3, 2, 1, ceil_mode=True)
      const compiled = compileModel(model('m', input(1, 6, 6), maxPool2d(3, { stride: 2, padding: 1, ceilMode: true })));
      assertClose(await runChannelsFirst(compiled, image36.map((v) => -v), [1, 6, 6]), [-0, -1, -3, -5, -6, -7, -9, -11, -18, -19, -21, -23, -30, -31, -33, -35]);
    });

    it('avg pool 3, stride 2, padding 1, ceil mode, counting the padding', async () => {
      // F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=True)
      const compiled = compileModel(model('m', input(1, 6, 6), avgPool2d(3, { stride: 2, padding: 1, ceilMode: true })));
      assertClose(await runChannelsFirst(compiled, image36, [1, 6, 6]), [
        1.55556, 3.33333, 4.66667, 2.66667, 8.33333, 14, 16, 8.5, 16.33333, 26, 28, 14.5, 10.16667, 16, 17, 8.75,
      ]);
    });

    it('avg pool 3, stride 2, padding 1, ceil mode, not counting the padding', async () => {
      const compiled = compileModel(model('m', input(1, 6, 6), avgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false })));
      assertClose(await runChannelsFirst(compiled, image36, [1, 6, 6]), [3.5, 5, 7, 8, 12.5, 14, 16, 17, 24.5, 26, 28, 29, 30.5, 32, 34, 35]);
    });

    it('avg pool 2, stride 2, padding 1', async () => {
      const compiled = compileModel(model('m', input(1, 6, 6), avgPool2d(2, { padding: 1 })));
      assertClose(await runChannelsFirst(compiled, image36, [1, 6, 6]), [0, 0.75, 1.75, 1.25, 4.5, 10.5, 12.5, 7, 10.5, 22.5, 24.5, 13, 7.5, 15.75, 16.75, 8.75]);
    });

    it('adaptive average pool 5×7 → 3×4 (overlapping windows)', async () => {
      // F.adaptive_avg_pool2d(torch.arange(35.).reshape(1,1,5,7), (3, 4))
      const compiled = compileModel(model('m', input(1, 5, 7), adaptiveAvgPool2d([3, 4])));
      assertClose(await runChannelsFirst(compiled, arange(35), [1, 5, 7]), [4, 5.5, 7.5, 9, 14.5, 16, 18, 19.5, 25, 26.5, 28.5, 30]);
    });

    it('grouped, dilated, strided convolution with padding per axis', async () => {
      // F.conv2d(x, w, b, stride=(2,1), padding=(1,2), dilation=(1,2), groups=2) with
      // x = (arange(60).reshape(1,2,5,6) % 7) − 3, w = ((arange(36).reshape(4,1,3,3) % 5) − 2) / 4
      const compiled = compileModel(model('m', input(2, 5, 6), conv2d(4, 3, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 })));
      const layer = compiled.model.getLayer(compiled.layers[0]!.layerName);
      // PyTorch's weight is [out, in/groups, kh, kw]; ours is [kh, kw, in/groups, out].
      const torchWeight = tf.tensor4d(arange(36, (i) => ((i % 5) - 2) / 4), [4, 1, 3, 3]);
      layer.setWeights([tf.transpose(torchWeight, [2, 3, 1, 0]), tf.tensor1d([0.5, -0.5, 1, 0])]);
      const output = await runChannelsFirst(compiled, arange(60, (i) => (i % 7) - 3), [2, 5, 6]);
      assert.deepEqual(compiled.outputShape, [4, 3, 6]);
      assertClose(output, [
        -1, -0.75, -2, 0, 1.25, 1.75, 3, 3, -1.75, 1.25, -0.5, 1, -0.75, -1, 1.75, 3, -1.5, 2, -2.5, -0.25, -1.25, 2.25, 0.75, 0.25,
        -2.75, 0.5, -0.5, -2.5, -2.75, 0.25, -0.75, 1, -2, 2, 1.25, -2, 2.25, 1.75, 0.5, -1.5, -0.25, -0.5, -1.25, 1.75, 3, -0.5, 1.25, 1.75,
        2.75, -0.5, 0, -1.5, 1.25, 1.75, -0.75, -1, -1.25, -1.75, -0.25, 1.5, 2.75, -0.25, 2.5, 1, 0.25, 0.5, -0.75, -2, -0.75, -0.75, 1.75, 1.25,
      ]);
    });

    it('transposed convolution, stride 2, padding 1, output padding 1', async () => {
      // F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1) with
      // x = (arange(18).reshape(1,2,3,3) % 5) − 2, w = ((arange(96).reshape(2,3,4,4) % 7) − 3) / 8
      const compiled = compileModel(model('m', input(2, 3, 3), conv2dTranspose(3, 4, { stride: 2, padding: 1, outputPadding: 1 })));
      const layer = compiled.model.getLayer(compiled.layers[0]!.layerName);
      // PyTorch's weight is [in, out, kh, kw]; tfjs's conv2dTranspose filter is [kh, kw, out, in].
      const torchWeight = tf.tensor4d(arange(96, (i) => ((i % 7) - 3) / 8), [2, 3, 4, 4]);
      layer.setWeights([tf.transpose(torchWeight, [2, 3, 1, 0]), tf.tensor1d([0.25, 0, -0.25])]);
      assert.deepEqual(compiled.outputShape, [3, 7, 7]);
      const output = await runChannelsFirst(compiled, arange(18, (i) => (i % 5) - 2), [2, 3, 3]);
      assertClose(output, [
        0, -0.125, 1.25, -0.625, -0.25, 0, -0.125, -0.25, 0.5, -0.25, 1.875, 0, 0.125, 0, 0.25, 1.875, -0.625, 0.5, 0.375, -0.375, 2.125,
        1.125, -0.375, 0.5, -0.25, 0.125, -0.125, 0, 0.125, -0.375, 0.5, -0.5, -1, 2.125, -0.375, 0.875, 0.875, 0.375, 0.125, 0.125, 0.25, 0.375,
        -0.625, -0.25, 1, 0.125, 1, -0.125, 0, 1.5, -1.125, -0.625, 0.75, 0.25, 0.375, 0.25, -0.25, -0.375, -0.25, -0.375, -0.5, -0.375, -0.5,
        -0.625, 0.125, 0.25, -0.875, 1.625, 0, -0.125, 0.375, 0.25, 0.25, 0.25, 0.625, -0.125, 0, -0.625, 0.25, -0.625, 1.75, -0.5, -0.5, -0.375,
        -0.125, -0.375, -0.875, -0.125, -0.125, 0.25, 0.375, 1, 0.25, 0.625, -0.125, -0.125, -0.125, 0, -0.5, 0.5, 0.125, 0.375, -0.125, -0.125, -0.25,
        -0.25, 1.375, -1.125, 0, -0.125, -0.875, 1.625, -0.625, -0.75, -0.625, -0.5, -0.625, -0.5, -0.625, -0.375, -0.875, 0, -1, -1.5, 1.625, -0.875,
        0.375, 0, 0, -0.375, 0, -0.5, -0.375, -1.125, -0.75, 0.5, -0.375, 0.5, -0.625, -0.5, 0, -0.125, -0.625, -0.375, -0.375, -0.125, 0,
      ]);
    });

    it('local response normalisation (alpha not divided by size)', async () => {
      // nn.LocalResponseNorm(3, alpha=0.1·3, beta=0.75, k=2) — PyTorch divides alpha by size.
      const compiled = compileModel(model('m', input(4, 1, 2), lrn({ size: 3, alpha: 0.1, beta: 0.75, k: 2 })));
      const output = await runChannelsFirst(compiled, [1, 2, 3, 4, -1, 0.5, 2, -2], [4, 1, 2]);
      assertClose(output, [0.43869, 0.70711, 1.2841, 1.40762, -0.39938, 0.17595, 1.00595, -1.02919]);
    });

    it('relu6 clips at 0 and 6; identity passes every value through unchanged', async () => {
      // F.relu6(torch.tensor([-3., -0.5, 0., 0.25, 2.5, 5.75, 6., 6.5, 100.]))
      const values = [-3, -0.5, 0, 0.25, 2.5, 5.75, 6, 6.5, 100];
      const clipped = compileModel(model('m', input(9), relu6()));
      assertClose(await runChannelsFirst(clipped, values, [9]), [0, 0, 0, 0.25, 2.5, 5.75, 6, 6, 6]);
      const passed = compileModel(model('m', input(1, 3, 3), identity({ name: 'pass' })));
      assert.deepEqual(await runChannelsFirst(passed, values, [1, 3, 3]), values);
      assert.deepEqual(passed.layers.map((layer) => [layer.name, layer.layerName]), [['pass', 'pass']]);
      assert.equal(passed.model.countParams(), 0);
      assert.deepEqual(passed.model.getLayer('pass').getWeights(), []);
    });

    it('an identity after the last activation keeps its meaning: softmax, sigmoid or logits', () => {
      const ending = (...last: LayerNode[]) => compileModel(model('m', input(4), dense(3), ...last), { zeros: true });
      assert.equal(ending(softmax(), identity()).lastLayerKind, 'softmax');
      assert.equal(ending(sigmoid(), identity(), sequential(identity())).lastLayerKind, 'sigmoid');
      assert.equal(ending(identity()).lastLayerKind, 'dense');
      assert.equal(ending(softmax()).lastLayerKind, 'softmax');
      const head = compileModel(model('m', input(4), dense(3), aux('side', sequential(dense(2), softmax(), identity())), dense(2)), { zeros: true });
      assert.deepEqual(head.auxHeads.map((entry) => entry.lastLayerKind), ['softmax']);
    });

    it('flatten and reshape keep the channels-first element order', async () => {
      const compiled = compileModel(model('m', input(2, 2, 3), flatten(), reshape(3, 2, 2), flatten()));
      // A channels-first image flattened is its elements in order, whatever the layout inside.
      assert.deepEqual(await runChannelsFirst(compiled, arange(12), [2, 2, 3]), arange(12));
      const image = compileModel(model('m', input(12), reshape(3, 2, 2)));
      assert.deepEqual(await runChannelsFirst(image, arange(12), [12]), arange(12));
    });
  });

  describe('what cannot be built', () => {
    it('an unknown hyperparameter names the layer', () => {
      const unknownFilters = model('m', input(1, 8, 8), { ...conv2d(2, 3), filters: null } as ReturnType<typeof conv2d>);
      assert.throws(() => compileModel(unknownFilters), (error: unknown) => error instanceof CompileError && /conv2d_1: filters is unknown/.test(error.message));
    });
  });
});
