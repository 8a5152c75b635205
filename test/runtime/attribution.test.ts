/**
 * Where a model looks (runtime/inspection/attribution.ts): a unit's effective receptive field
 * (the gradient of the unit with respect to the input) and Grad-CAM, checked two ways:
 *
 * - on tiny models with fixed weights, against values worked out by hand;
 * - on LeNet-5 and on a model with a residual block, a concat, batch norm and a closing
 *   softmax, against PyTorch: the model exported (interop), its ConvLens checkpoint converted
 *   to a state_dict, and the same quantities computed there with autograd
 *   (test/fixtures/attribution/oracle.py). Tolerance: max |ConvLens − PyTorch| ≤ 1e-5 ·
 *   (1 + max |PyTorch|) — float32 on both sides; measured differences are about 1e-7.
 *
 * Without PyTorch (Debian's python3-torch at /usr/bin/python3) the second group fails, saying
 * so, as test/export.test.ts does.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { batchNorm, concat, conv2d, dense, flatten, globalAvgPool2d, input, maxPool2d, model, relu, residual, sequential, softmax } from 'convlens';
import type { ModelNode } from 'convlens/ir';
import { exportToPyTorch, writeExportFiles } from 'convlens/interop';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { compileModel, type CompiledModel } from 'convlens-runtime/compile';
import { computeEffectiveReceptiveField, computeGradCam, lastConvolution, renderGradCam } from 'convlens-runtime/inspection/attribution';
import { toRandom, uniformValues } from 'convlens-runtime/seeded-random';
import { writeCheckpoint } from 'convlens-runtime/training/checkpoint';
import { lenet5Mnist } from '../../examples/lenet5';

const python = '/usr/bin/python3';
const oracleScript = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'attribution', 'oracle.py');

/** Deterministic values in [low, high) (the runtime's mulberry32), so a failure can be reproduced. */
function seededValues(count: number, seed: number, low: number, high: number): Float32Array {
  return uniformValues(count, toRandom(seed), low, high);
}

const round = (values: ArrayLike<number>, digits = 5): number[] => Array.from(values, (value) => Number(value.toFixed(digits)) + 0);

describe('runtime: effective receptive fields and Grad-CAM', function () {
  this.timeout(120_000);

  before(async () => {
    await chooseBackend({ requested: 'cpu' });
  });

  describe('by hand, on fixed weights', () => {
    // 1@3×3 → conv 2×2 (weights 1, −2 / 3, 4; no bias) → 1@2×2.
    const tiny = model('tiny', input(1, 3, 3), conv2d(1, 2, { bias: false, name: 'conv' }), flatten(), dense(2, { bias: false, name: 'out' }));
    let compiled: CompiledModel;
    before(() => {
      compiled = compileModel(tiny);
      // tfjs kernel [kh, kw, in, out].
      compiled.model.getLayer('conv').setWeights([tf.tensor4d([1, -2, 3, 4], [2, 2, 1, 1])]);
      // dense [in, out]: the flattened 2×2 map (row-major) → class 0 weights 1, 2, 3, 4; class 1 weights −1, 0, 0, 1.
      compiled.model.getLayer('out').setWeights([tf.tensor2d([1, -1, 2, 0, 3, 0, 4, 1], [4, 2])]);
    });

    it("a convolution unit's effective receptive field is its kernel's magnitude, placed at the unit's window", async () => {
      const x = tf.tensor4d(Array.from({ length: 9 }, (_, index) => index + 1), [1, 3, 3, 1]);
      const erf = await computeEffectiveReceptiveField(compiled, 'conv', { channel: 0, row: 1, column: 0 }, x);
      assert.deepEqual(erf.shape, [3, 3]);
      // Unit (1, 0) sees input rows 1–2, columns 0–1: |1| |−2| / |3| |4|.
      assert.deepEqual(round(erf.values), [0, 0, 0, 1, 2, 0, 3, 4, 0]);
      assert.deepEqual([erf.min, erf.max], [0, 4]);
      // A class score's is the saliency map: Σ over units of (dense weight × kernel), in magnitude.
      const saliency = await computeEffectiveReceptiveField(compiled, 'out', { channel: 1, row: 0, column: 0 }, x);
      // Class 1 = −unit(0,0) + unit(1,1): −[1 −2; 3 4] at (0,0) + [1 −2; 3 4] at (1,1).
      assert.deepEqual(round(saliency.values), [1, 2, 0, 3, 3, 2, 0, 3, 4]);
      await assert.rejects(computeEffectiveReceptiveField(compiled, 'conv', { channel: 0, row: 2, column: 0 }, x), /conv has no unit \(channel 0, row 2, column 0\): its output is 1@2×2/);
      x.dispose();
    });

    it('Grad-CAM: the activations weighted by the mean gradient of the class score, rectified', async () => {
      // Input 1…9 row-major: conv outputs (1·1 − 2·2 + 3·4 + 4·5 = 29, 35 / 47, 53).
      const x = tf.tensor4d(Array.from({ length: 9 }, (_, index) => index + 1), [1, 3, 3, 1]);
      assert.equal(lastConvolution(compiled), 'conv');
      const cam = await computeGradCam(compiled, x, 0);
      // Class 0: ∂y/∂A = 1, 2, 3, 4, α = 2.5; map = ReLU(2.5 · A).
      assert.deepEqual([cam.layer, cam.classIndex, cam.shape], ['conv', 0, [2, 2]]);
      assert.deepEqual(round(cam.values), [72.5, 87.5, 117.5, 132.5]);
      // Scores: class 0 = 29 + 70 + 141 + 212 = 452, class 1 = −29 + 53 = 24.
      assert.equal(cam.score, 452);
      assert.equal(cam.probability, 1);
      // Class 1: ∂y/∂A = −1, 0, 0, 1, α = 0: nothing.
      const other = await computeGradCam(compiled, x, 1, 'conv');
      assert.deepEqual(round(other.values), [0, 0, 0, 0]);
      await assert.rejects(computeGradCam(compiled, x, 2), /tiny has no class 2: its output has 2 classes \(0…1\)/);
      await assert.rejects(computeGradCam(compiled, x, 0, 'out'), /Grad-CAM needs a layer with a spatial output; out's is \[2\]/);
      await assert.rejects(computeGradCam(compiled, x, 0, 'nope'), /tiny has no layer 'nope'/);
      const png = PNG.sync.read(renderGradCam(cam, new Uint8Array(9).fill(0), [1, 3, 3]));
      // 3×3 enlarged by whole pixels to at least 224 a side: 75 × 3.
      assert.deepEqual([png.width, png.height], [225, 225]);
      x.dispose();
    });

    it('a model without a convolution has no default Grad-CAM layer', async () => {
      const flat = compileModel(model('flat', input(1, 2, 2), flatten(), dense(2)));
      assert.equal(lastConvolution(flat), null);
      const x = tf.zeros([1, 2, 2, 1]);
      await assert.rejects(computeGradCam(flat, x, 0), /flat has no convolutional layer for Grad-CAM/);
      x.dispose();
    });
  });

  describe('against PyTorch on the exported model', function () {
    this.timeout(300_000);
    const branchy = model(
      'branchy',
      input(3, 12, 12),
      conv2d(8, 3, { padding: 1 }),
      batchNorm(),
      relu(),
      residual(sequential(conv2d(8, 3, { padding: 1, name: 'inner' }), relu(), conv2d(8, 3, { padding: 1 }))),
      concat(conv2d(4, 1, { name: 'left' }), sequential(maxPool2d(3, { stride: 1, padding: 1 }), conv2d(4, 1))),
      relu(),
      conv2d(8, 3, { stride: 2, padding: 1, name: 'last' }),
      relu(),
      globalAvgPool2d(),
      dense(5),
      softmax(),
    );
    interface Case {
      readonly title: string;
      readonly root: ModelNode;
      readonly kind: 'erf' | 'cam';
      readonly layer: string | null;
      readonly unit?: { channel: number; row: number; column: number };
      readonly classIndex?: number;
    }
    const cases: Case[] = [
      { title: 'LeNet-5: conv2d_2 unit (3, 4, 6)', root: lenet5Mnist, kind: 'erf', layer: 'conv2d_2', unit: { channel: 3, row: 4, column: 6 } },
      { title: 'LeNet-5: maxPool2d_2 unit (5, 0, 4) at the border', root: lenet5Mnist, kind: 'erf', layer: 'maxPool2d_2', unit: { channel: 5, row: 0, column: 4 } },
      { title: 'LeNet-5: class 7 of dense_3 (saliency)', root: lenet5Mnist, kind: 'erf', layer: 'dense_3', unit: { channel: 7, row: 0, column: 0 } },
      { title: 'LeNet-5: Grad-CAM of class 3 over the last convolution', root: lenet5Mnist, kind: 'cam', layer: null, classIndex: 3 },
      { title: 'LeNet-5: Grad-CAM of class 8 over relu_1', root: lenet5Mnist, kind: 'cam', layer: 'relu_1', classIndex: 8 },
      { title: 'branches: a unit inside the residual block', root: branchy, kind: 'erf', layer: 'inner', unit: { channel: 2, row: 5, column: 7 } },
      { title: 'branches: a unit of the concat’s first branch', root: branchy, kind: 'erf', layer: 'left', unit: { channel: 1, row: 0, column: 11 } },
      { title: 'branches: Grad-CAM of class 3 over the last convolution (before softmax)', root: branchy, kind: 'cam', layer: null, classIndex: 3 },
      { title: 'branches: Grad-CAM of class 4 inside the residual block', root: branchy, kind: 'cam', layer: 'inner', classIndex: 4 },
    ];
    const outcomes = new Map<string, { expected: { shape: number[]; values: number[] }; received: { shape: readonly number[]; values: Float32Array } }>();
    let folder: string;

    before(async () => {
      folder = mkdtempSync(path.join(tmpdir(), 'convlens-attribution-'));
      const jobs = [];
      const received: { shape: readonly number[]; values: Float32Array }[][] = [];
      for (const [seed, root] of [[7, lenet5Mnist], [8, branchy]] as const) {
        const base = path.join(folder, root.name);
        const compiled = compileModel(root, { seed });
        // Batch norm's running statistics away from 0 and 1, so eval mode is tested.
        for (const layer of compiled.model.layers.filter((candidate) => candidate.getClassName() === 'BatchNormalization')) {
          const weights = layer.getWeights();
          layer.setWeights(weights.map((weight, index) => tf.tensor(seededValues(weight.size, seed + index, index === 3 ? 0.5 : -0.5, index === 3 ? 2 : 0.5), weight.shape)));
        }
        await writeCheckpoint(path.join(base, 'checkpoint'), { models: { '.': compiled.model }, optimizers: {}, state: { kind: 'classifier', model: root.name, epoch: 1 } });
        await writeExportFiles(path.join(base, 'export'), exportToPyTorch(root, { sourceFile: 'net.ts', exportName: root.name }).files);
        const [channels, height, width] = compiled.inputShape as [number, number, number];
        const x = seededValues(channels * height * width, seed + 100, -1, 1);
        writeFileSync(path.join(base, 'input.bin'), Buffer.from(x.buffer));
        const mine = cases.filter((entry) => entry.root === root);
        jobs.push({
          folder: path.join(base, 'export'),
          checkpoint: path.join(base, 'checkpoint'),
          input: path.join(base, 'input.bin'),
          inputShape: [1, channels, height, width],
          cases: mine.map((entry) => {
            const name = entry.layer ?? lastConvolution(compiled)!;
            const module = compiled.layers.find((layer) => layer.name === name)!.path;
            const closing = compiled.layers.filter((layer) => !layer.aux).at(-1)!;
            return entry.kind === 'erf'
              ? { kind: 'erf', module, ...entry.unit }
              : { kind: 'cam', module, scoreModule: closing.node.kind === 'softmax' ? closing.path : null, classIndex: entry.classIndex };
          }),
        });
        // The runtime's side, on the same checkpoint and input (channels last).
        const input = tf.transpose(tf.tensor4d(x, [1, channels, height, width]), [0, 2, 3, 1]);
        const values = [];
        for (const entry of mine) {
          values.push(entry.kind === 'erf' ? await computeEffectiveReceptiveField(compiled, entry.layer!, entry.unit!, input) : await computeGradCam(compiled, input, entry.classIndex!, entry.layer));
        }
        received.push(values);
        input.dispose();
        compiled.model.dispose();
      }
      // Both models in one PyTorch process (importing PyTorch takes seconds); the probe that
      // names what is missing only when it fails.
      writeFileSync(path.join(folder, 'jobs.json'), JSON.stringify(jobs));
      const run = spawnSync(python, [oracleScript, path.join(folder, 'jobs.json'), path.join(folder, 'result.json')], { encoding: 'utf8' });
      if (run.status !== 0) {
        const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
        if (probe.status !== 0) throw new Error(`these tests need ${python} with PyTorch (apt-get install python3-torch): ${(probe.stderr ?? String(probe.error)).trim().split('\n').pop()}`);
      }
      assert.equal(run.status, 0, run.stderr);
      const results = JSON.parse(readFileSync(path.join(folder, 'result.json'), 'utf8')) as { shape: number[]; values: number[] }[][];
      for (const [job, root] of [lenet5Mnist, branchy].entries()) {
        for (const [index, entry] of cases.filter((candidate) => candidate.root === root).entries()) {
          outcomes.set(entry.title, { expected: results[job]![index]!, received: received[job]![index]! });
        }
      }
    });

    after(() => {
      if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
    });

    for (const { title } of cases) {
      it(`${title}: PyTorch's values within 1e-4 of the largest`, () => {
        const { expected, received } = outcomes.get(title)!;
        assert.deepEqual(received.shape, expected.shape);
        const peak = Math.max(...expected.values.map(Math.abs));
        let difference = 0;
        for (const [index, value] of expected.values.entries()) difference = Math.max(difference, Math.abs(value - received.values[index]!));
        // Not a map of zeros: something to compare.
        assert.ok(peak > 0, `the largest value is ${peak}`);
        assert.ok(difference <= 1e-4 * peak, `max |ConvLens − PyTorch| = ${difference} (largest value ${peak})`);
        if (process.env['CONVLENS_ATTRIBUTION_VERBOSE'] !== undefined) console.log(`      ${title}: max abs difference ${difference.toExponential(2)} of ${peak.toExponential(2)}`);
      });
    }
  });
});
