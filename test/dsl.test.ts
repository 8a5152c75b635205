import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as dsl from 'convlens';
import {
  aux,
  avgPool2d,
  batchNorm,
  conv2d,
  conv2dTranspose,
  dense,
  gan,
  identity,
  input,
  leakyRelu,
  lrn,
  maxPool2d,
  model,
  relu,
  relu6,
  residual,
  sequential,
  zeroPad2d,
} from 'convlens';

describe('DSL', () => {
  it('fills in every default (kernel sizes as pairs, never a bare number)', () => {
    assert.deepEqual(conv2d(6, 5), {
      kind: 'conv2d',
      filters: 6,
      kernelSize: [5, 5],
      stride: [1, 1],
      padding: [0, 0],
      dilation: [1, 1],
      groups: 1,
      bias: true,
      name: null,
    });
    assert.deepEqual(conv2dTranspose(3, 4, { stride: 2, padding: 1 }), {
      kind: 'conv2dTranspose',
      filters: 3,
      kernelSize: [4, 4],
      stride: [2, 2],
      padding: [1, 1],
      outputPadding: [0, 0],
      bias: true,
      name: null,
    });
    assert.deepEqual(batchNorm(), { kind: 'batchNorm', momentum: 0.1, epsilon: 1e-5, name: null });
    assert.deepEqual(lrn(), { kind: 'lrn', size: 5, alpha: 1e-4, beta: 0.75, k: 2 });
    assert.deepEqual(leakyRelu(), { kind: 'leakyRelu', alpha: 0.01 });
    assert.deepEqual(aux('a1', dense(10)).weight, 0.3);
  });

  it('relu6 and identity take an optional name, default null, and are frozen', () => {
    assert.deepEqual(relu6(), { kind: 'relu6', name: null });
    assert.deepEqual(relu6({ name: 'clip' }), { kind: 'relu6', name: 'clip' });
    assert.deepEqual(identity(), { kind: 'identity', name: null });
    assert.deepEqual(identity({ name: 'pass' }), { kind: 'identity', name: 'pass' });
    assert.ok(Object.isFrozen(relu6()));
    assert.ok(Object.isFrozen(identity({ name: 'pass' })));
    // A DenseNet-style pass-through branch and an explicit identity shortcut are plain layers.
    const block = residual(sequential(conv2d(4, 3, { padding: 1 }), relu6()), identity());
    assert.deepEqual(block.shortcut, { kind: 'identity', name: null });
    assert.deepEqual(JSON.parse(JSON.stringify(dsl.concat(identity(), relu6()))), { kind: 'concat', branches: [{ kind: 'identity', name: null }, { kind: 'relu6', name: null }] });
  });

  it('pools default their stride to the kernel size', () => {
    assert.deepEqual(maxPool2d(3).stride, [3, 3]);
    assert.deepEqual(maxPool2d([2, 3]).stride, [2, 3]);
    assert.deepEqual(maxPool2d(3, { stride: 2 }).stride, [2, 2]);
    assert.equal(avgPool2d(2).countIncludePad, true);
    assert.equal(avgPool2d(2).ceilMode, false);
  });

  it("normalises padding: numbers pad symmetrically, 'valid' is 0, 'same' stays symbolic", () => {
    assert.deepEqual(conv2d(1, 3, { padding: 2 }).padding, [2, 2]);
    assert.deepEqual(conv2d(1, 3, { padding: [1, 2] }).padding, [1, 2]);
    assert.deepEqual(conv2d(1, 3, { padding: 'valid' }).padding, [0, 0]);
    assert.equal(conv2d(1, 3, { padding: 'same' }).padding, 'same');
    assert.deepEqual(zeroPad2d(1).padding, [1, 1, 1, 1]);
    assert.deepEqual(zeroPad2d([1, 2, 3, 4]).padding, [1, 2, 3, 4]);
  });

  it('flattens arrays of layers one level in every layer list', () => {
    const block = [conv2d(4, 3), relu()];
    const net = model('m', input(1, 8, 8), block, sequential([conv2d(4, 3)], relu()), ...[relu()]);
    assert.deepEqual(
      net.layers.map((layer) => layer.kind),
      ['conv2d', 'relu', 'sequential', 'relu'],
    );
    const inner = net.layers[2];
    assert.ok(inner?.kind === 'sequential');
    assert.deepEqual(inner.layers.map((layer) => layer.kind), ['conv2d', 'relu']);
  });

  it('returns frozen, JSON-serialisable IR', () => {
    const net = model('m', input(3, 32, 32), residual(sequential(conv2d(3, 3, { padding: 1 }))), dense(10));
    assert.ok(Object.isFrozen(net));
    assert.ok(Object.isFrozen(net.layers));
    assert.ok(Object.isFrozen(net.layers[0]));
    assert.ok(Object.isFrozen((net.layers[0] as dsl.ResidualNode).main));
    assert.deepEqual(JSON.parse(JSON.stringify(net)), net);
    assert.equal((net.layers[0] as dsl.ResidualNode).shortcut, null);
    assert.throws(() => {
      (net as { name: string }).name = 'changed';
    }, TypeError);
  });

  it('input(c, h, w) for images and input(f) for vectors', () => {
    assert.deepEqual(input(1, 28, 28), { kind: 'input', shape: [1, 28, 28] });
    assert.deepEqual(input(784), { kind: 'input', shape: [784] });
  });

  it('a GAN accepts a layer or a list of layers for each network', () => {
    const pair = gan('g', { latent: 8, image: [1, 4, 4], generator: [dense(16), dsl.reshape(1, 4, 4)], discriminator: sequential(dsl.flatten(), dense(1)) });
    assert.equal(pair.generator.kind, 'sequential');
    assert.equal(pair.discriminator.kind, 'sequential');
    assert.deepEqual(pair.image, [1, 4, 4]);
  });

  it('exports exactly the factories README.md lists', () => {
    const factories = Object.keys(dsl).filter((key) => typeof (dsl as Record<string, unknown>)[key] === 'function').sort();
    const expected = [
      'adaptiveAvgPool2d', 'aux', 'avgPool2d', 'batchNorm', 'concat', 'conv2d', 'conv2dTranspose', 'dense', 'dropout',
      'flatten', 'gan', 'globalAvgPool2d', 'identity', 'input', 'leakyRelu', 'lrn', 'maxPool2d', 'model', 'relu', 'relu6',
      'reshape', 'residual', 'sequential', 'sigmoid', 'softmax', 'tanh', 'upsample2d', 'zeroPad2d',
    ];
    assert.deepEqual(factories, expected);
    // README's reference block ("The DSL"): each line lists calls separated by ' · ' or '|'.
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const block = /## The DSL\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block !== undefined, "README.md has the DSL's reference block");
    const listed = block.split('\n').flatMap((line) => line.split(/ · | \| /)).map((call) => /^\s*(\w+)\(/.exec(call)?.[1]).filter((name) => name !== undefined);
    assert.deepEqual([...new Set(listed)].sort(), expected);
  });
});
