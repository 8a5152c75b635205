/**
 * Inspection of a model: feature maps of any layer with the engine's shape (channels
 * first), the first convolution's filters in PyTorch's layout with their values, top-k
 * predictions, and the PNG grids of each.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { analyze } from '../../language/engine';
import { conv2d, dense, flatten, input, model } from '../../language/dsl';
import { chooseBackend } from '../../runtime/backend-choice';
import { compileModel } from '../../runtime/compile';
import { computeFeatureMaps, predictTopK, readFirstLayerFilters, renderFeatureMaps, renderFilters } from '../../runtime/inspection/inspection';
import { lenet5Mnist } from '../../examples/lenet5';

describe('runtime: inspection', function () {
  this.timeout(60_000);

  before(async () => {
    await chooseBackend({ requested: 'cpu' });
  });

  it('feature maps of every layer have the engine’s shapes', async () => {
    const compiled = compileModel(lenet5Mnist, { seed: 1 });
    const analysis = analyze(lenet5Mnist);
    const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 1);
    for (const report of analysis.kind === 'model' ? analysis.layers.filter((layer) => !layer.container && layer.path !== 'input') : []) {
      const maps = await computeFeatureMaps(compiled, report.name, x);
      assert.deepEqual(maps.shape, report.output, report.name);
      assert.equal(maps.values.length, (report.output ?? []).reduce<number>((a, b) => a * (b ?? 0), 1));
    }
    const png = PNG.sync.read(renderFeatureMaps(await computeFeatureMaps(compiled, 'conv2d_1', x)));
    assert.ok(png.width > 28 && png.height > 28);
    await assert.rejects(computeFeatureMaps(compiled, 'conv9', x), /lenet5Mnist has no layer 'conv9'; its layers are conv2d_1, relu_1/);
  });

  it('a feature map is the layer’s output: a 1×1 convolution with weight 2 doubles the input, channels first', async () => {
    const compiled = compileModel(model('m', input(2, 1, 2), conv2d(1, 1, { bias: false, name: 'double' })));
    compiled.model.getLayer('double').setWeights([tf.tensor4d([2, 0], [1, 1, 2, 1])]);
    // Channels-first input [[1, 2]], [[3, 4]] is [H=1, W=2, C=2] = [[1, 3], [2, 4]] channels last.
    const maps = await computeFeatureMaps(compiled, 'double', tf.tensor4d([1, 3, 2, 4], [1, 1, 2, 2]));
    assert.deepEqual([maps.shape, Array.from(maps.values), maps.min, maps.max], [[1, 1, 2], [2, 4], 2, 4]);
  });

  it('first-layer filters in PyTorch’s [filters, channels, kh, kw] layout', async () => {
    const compiled = compileModel(model('m', input(3, 4, 4), conv2d(2, [1, 2], { bias: false }), flatten(), dense(2)));
    // tfjs kernel [kh, kw, in, out] = [1, 2, 3, 2]: value = 100·kw + 10·in + out.
    const kernel = Array.from({ length: 12 }, (_, index) => {
      const [column, channel, filter] = [Math.floor(index / 6), Math.floor(index / 2) % 3, index % 2];
      return 100 * column + 10 * channel + filter;
    });
    compiled.model.getLayer(compiled.layers[0]!.layerName).setWeights([tf.tensor4d(kernel, [1, 2, 3, 2])]);
    const filters = await readFirstLayerFilters(compiled);
    assert.deepEqual(filters.shape, [2, 3, 1, 2]);
    // Filter 1, channel 2, both columns: 10·2 + 1 and 100 + 10·2 + 1.
    assert.deepEqual(Array.from(filters.values.subarray(10, 12)), [21, 121]);
    assert.ok(PNG.sync.read(renderFilters(filters)).width > 0);
  });

  it('top-k predictions, most probable first, from logits', async () => {
    const compiled = compileModel(model('m', input(3), dense(3, { bias: false, name: 'out' })));
    compiled.model.getLayer('out').setWeights([tf.eye(3)]);
    const predictions = await predictTopK(compiled, tf.tensor2d([[0, Math.log(3), Math.log(6)]]), ['a', 'b', 'c'], 2);
    // softmax(0, ln 3, ln 6) = (1, 3, 6) / 10.
    assert.deepEqual(predictions.map((p) => [p.label, Number(p.probability.toFixed(5))]), [['c', 0.6], ['b', 0.3]]);
  });
});
