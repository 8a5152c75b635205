/**
 * What the extension reads from a run's files and decides before starting one: filters
 * from a checkpoint's weights, predictions from an output layer, whether a dataset fits,
 * whether a document imports convlens. Pure or on temporary files; no VS Code, no tfjs.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { dependsOnConvLens, importsConvLens } from '../extension/analysis/convlens-imports';
import {
  checkpointFolder,
  classesOf,
  describeMissingCheckpoint,
  findRunCheckpoint,
  hasCheckpoint,
  readCheckpointClasses,
  readConvolutionFilters,
  runFolder,
  toFilterBank,
  toPredictions,
} from '../extension/inspection/checkpoint-files';
import { Inspector, inputCaption, toInterpolationRequest } from '../extension/inspection/inspector';
import { readSavedSamples } from '../extension/inspection/saved-samples';
import { describeDatasetMismatch } from '../extension/training/dataset-fit';
import type { GanNode } from 'convlens/ir';
import type { InterpolateSamplesRequest, InterpolationReadyEvent } from 'convlens-runtime/protocol';
import { RuntimeProcessError, type RuntimeClient } from 'convlens-runtime/runtime-client';
import { dense, flatten, gan, input, model, reshape, sequential } from 'convlens';

describe('extension: checkpoint files', () => {
  it("a TensorFlow.js kernel [kh, kw, in, out] becomes PyTorch's filter-major [out·in, kh, kw]", () => {
    // kh = 1, kw = 2, in = 2, out = 2: value = 1000·row + 100·column + 10·channel + filter.
    const kernel = new Float32Array([0, 1, 10, 11, 100, 101, 110, 111]);
    assert.deepEqual(toFilterBank(kernel, [1, 2, 2, 2]), {
      shape: [4, 1, 2],
      // filter 0 / channel 0, filter 0 / channel 1, filter 1 / channel 0, filter 1 / channel 1; columns 0, 1.
      values: [0, 100, 10, 110, 1, 101, 11, 111],
      min: 0,
      max: 111,
    });
  });

  it('reads a kernel from model.json and weights.bin by layer name, after other weights', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'convlens-checkpoint-'));
    try {
      const weights = [
        { name: 'dense_1/kernel', shape: [2, 1], dtype: 'float32' },
        { name: 'conv2d_1/kernel', shape: [1, 1, 1, 3], dtype: 'float32' },
        { name: 'conv2d_1/bias', shape: [3], dtype: 'float32' },
      ];
      writeFileSync(path.join(folder, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'], weights }] }));
      writeFileSync(path.join(folder, 'weights.bin'), Buffer.from(new Float32Array([9, 9, -1, 0.5, 2, 7, 7, 7]).buffer));
      writeFileSync(path.join(folder, 'training.json'), JSON.stringify({ kind: 'classifier', classes: ['zero', 'one'] }));
      assert.deepEqual(await readConvolutionFilters(folder, 'conv2d_1'), { shape: [3, 1, 1], values: [-1, 0.5, 2], min: -1, max: 2 });
      assert.equal(await readConvolutionFilters(folder, 'dense_1'), null);
      assert.equal(await readConvolutionFilters(folder, 'conv2d_9'), null);
      assert.deepEqual(await readCheckpointClasses(folder), ['zero', 'one']);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("a GAN's saved sample grids, in epoch order, and its interpolation", async () => {
    const run = mkdtempSync(path.join(tmpdir(), 'convlens-run-'));
    try {
      assert.deepEqual(await readSavedSamples(run), []);
      mkdirSync(path.join(run, 'samples'));
      for (const epoch of [10, 2, 1]) writeFileSync(path.join(run, 'samples', `epoch-${String(epoch).padStart(4, '0')}.png`), `png ${epoch}`);
      writeFileSync(path.join(run, 'samples', 'notes.txt'), 'not a grid');
      writeFileSync(path.join(run, 'interpolation.png'), 'strip');
      const messages = await readSavedSamples(run);
      assert.deepEqual(
        messages.map((message) => (message.type === 'samplesReady' ? `${message.epoch} ${Buffer.from(message.png, 'base64').toString()} ${message.rows}×${message.columns}` : message.type)),
        ['1 png 1 8×8', '2 png 2 8×8', '10 png 10 8×8', 'interpolationReady'],
      );
    } finally {
      rmSync(run, { recursive: true, force: true });
    }
  });

  it('runs live where `convlens train` puts them', () => {
    assert.equal(runFolder('/w', 'lenet5Mnist'), path.join('/w', '.convlens', 'runs', 'lenet5Mnist'));
  });

  it('predictions: logits through softmax, the likeliest first', () => {
    const predictions = toPredictions([0, Math.log(3), 0, Math.log(4)], ['a', 'b', 'c', 'd'], false, 3);
    assert.deepEqual(
      predictions.map((entry) => entry.label),
      ['d', 'b', 'a'],
    );
    assert.ok(Math.abs(predictions[0]!.probability - 4 / 9) < 1e-12);
    assert.ok(Math.abs(predictions[1]!.probability - 3 / 9) < 1e-12);
  });

  it('predictions: a softmax output is taken as it is; labels default to the index, which each carries', () => {
    assert.deepEqual(toPredictions([0.1, 0.7, 0.2], null, true, 2), [
      { label: '1', probability: 0.7, index: 1 },
      { label: '2', probability: 0.2, index: 2 },
    ]);
  });

  it('softmax of large logits does not overflow', () => {
    const [top] = toPredictions([1000, 999], null, false, 1);
    assert.equal(top?.label, '0');
    assert.ok(Number.isFinite(top?.probability));
  });
});

/**
 * A classifier checkpoint as the runtime writes it, by its files alone (the completeness
 * rule of runtime/training/checkpoint-folders.ts reads nothing else): model.json whose
 * manifest names weights.bin, weights.bin with exactly the bytes its specs add up to, and
 * training.json (last) with the epoch and step. The first convolution's two filters are
 * `[epoch, -epoch]`, so which checkpoint was read shows in them.
 */
function writeClassifierCheckpoint(folder: string, epoch: number, options: { withState?: boolean } = {}): void {
  mkdirSync(folder, { recursive: true });
  const weights = [
    { name: 'conv2d_1/kernel', shape: [1, 1, 1, 2], dtype: 'float32' },
    { name: 'conv2d_1/bias', shape: [2], dtype: 'float32' },
  ];
  writeFileSync(path.join(folder, 'weights.bin'), Buffer.from(new Float32Array([epoch, -epoch, 0, 0]).buffer));
  writeFileSync(path.join(folder, 'model.json'), JSON.stringify({ modelTopology: {}, format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights }] }));
  writeFileSync(path.join(folder, 'optimizer-model.json'), JSON.stringify([{ name: 'iter', shape: [], dtype: 'float32' }]));
  writeFileSync(path.join(folder, 'optimizer-model.bin'), Buffer.from(new Float32Array([epoch * 5]).buffer));
  if (options.withState === false) return;
  const state = { kind: 'classifier', model: 'net', epoch, step: epoch * 5, dataset: 'fashion-mnist', classes: [`a${epoch}`, `b${epoch}`] };
  writeFileSync(path.join(folder, 'training.json'), `${JSON.stringify(state, null, 2)}\n`);
}

describe('extension: the checkpoint of a run killed in the middle of a checkpoint swap', () => {
  let workspace: string;
  let run: string;

  beforeEach(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'convlens-swap-'));
    run = runFolder(workspace, 'net');
    mkdirSync(run, { recursive: true });
  });

  afterEach(() => {
    rmSync(workspace, { recursive: true, force: true });
  });

  async function filtersOf(folder: string): Promise<readonly number[] | undefined> {
    return (await readConvolutionFilters(folder, 'conv2d_1'))?.values;
  }

  it('a plain checkpoint/ is read as it is, with no recovery to log', async () => {
    writeClassifierCheckpoint(checkpointFolder(run), 2);
    const found = await findRunCheckpoint(run);
    assert.equal(found?.folder, checkpointFolder(run));
    assert.equal(found?.recovery, null);
    assert.deepEqual([found?.epoch, found?.step], [2, 10]);
    assert.equal(await hasCheckpoint(run), true);
  });

  it('killed between the renames (checkpoint/ moved aside, the new one not yet in place): only .checkpoint-old-* is complete, and it is found and read', async () => {
    writeClassifierCheckpoint(path.join(run, '.checkpoint-old-1a2b3c'), 3);
    // The new folder of the same swap was renamed away already; an older swap's torn new folder, newer on paper, stays beside it.
    writeClassifierCheckpoint(path.join(run, '.checkpoint-new-000000'), 9, { withState: false });
    assert.equal(existsSync(checkpointFolder(run)), false);
    assert.equal(await hasCheckpoint(run), true);
    const found = await findRunCheckpoint(run);
    assert.equal(found?.folder, path.join(run, '.checkpoint-old-1a2b3c'));
    assert.deepEqual([found?.epoch, found?.step], [3, 15]);
    assert.match(found?.recovery ?? '', /is missing: a training run was interrupted while replacing it; using the newest complete one, epoch 3, step 15: .*\.checkpoint-old-1a2b3c$/);
    // What the panel reads comes from that folder: filters, class names (and the dataset, from the same state).
    assert.deepEqual(await filtersOf(found!.folder), [3, -3]);
    assert.deepEqual(classesOf(found!.state), ['a3', 'b3']);
    assert.deepEqual(await readCheckpointClasses(found!.folder), ['a3', 'b3']);
    assert.equal(found?.state['dataset'], 'fashion-mnist');
    // Readers never delete: both leftovers are still there.
    assert.deepEqual(readdirSync(run).sort(), ['.checkpoint-new-000000', '.checkpoint-old-1a2b3c']);
  });

  it('killed after the new folder was complete but before the swap: a newer complete .checkpoint-new-* beats the older checkpoint/', async () => {
    writeClassifierCheckpoint(checkpointFolder(run), 2);
    writeClassifierCheckpoint(path.join(run, '.checkpoint-new-4d5e6f'), 3);
    const found = await findRunCheckpoint(run);
    assert.equal(found?.folder, path.join(run, '.checkpoint-new-4d5e6f'));
    assert.match(found?.recovery ?? '', /holds epoch 2, step 10, but an interrupted training run left a newer complete checkpoint beside it; using the newest complete one, epoch 3, step 15/);
    assert.deepEqual(await filtersOf(found!.folder), [3, -3]);
    assert.deepEqual(classesOf(found!.state), ['a3', 'b3']);
    // checkpoint/ itself still holds epoch 2: the extension does not read it.
    assert.deepEqual(await filtersOf(checkpointFolder(run)), [2, -2]);
    assert.deepEqual(readdirSync(run).sort(), ['.checkpoint-new-4d5e6f', 'checkpoint']);
  });

  it('a newer leftover that is not complete (weights cut short, no training.json) does not stand in for checkpoint/', async () => {
    writeClassifierCheckpoint(checkpointFolder(run), 2);
    writeClassifierCheckpoint(path.join(run, '.checkpoint-new-aaaaaa'), 3);
    truncateSync(path.join(run, '.checkpoint-new-aaaaaa', 'weights.bin'), 12);
    writeClassifierCheckpoint(path.join(run, '.checkpoint-new-bbbbbb'), 4, { withState: false });
    const found = await findRunCheckpoint(run);
    assert.equal(found?.folder, checkpointFolder(run));
    assert.equal(found?.recovery, null);
    assert.deepEqual(await filtersOf(found!.folder), [2, -2]);
  });

  it('no complete checkpoint: none found, and the panel is told why (none yet, or a torn checkpoint/)', async () => {
    assert.equal(await findRunCheckpoint(run), null);
    assert.equal(await hasCheckpoint(run), false);
    assert.equal(describeMissingCheckpoint(run, 'net', workspace), `No checkpoint of net yet: train it first (it goes to ${path.join('.convlens', 'runs', 'net')}).`);
    // A training.json alone no longer counts (it used to: hasCheckpoint looked for it only).
    mkdirSync(checkpointFolder(run));
    writeFileSync(path.join(checkpointFolder(run), 'training.json'), JSON.stringify({ kind: 'classifier', epoch: 1 }));
    assert.equal(await hasCheckpoint(run), false);
    assert.equal(describeMissingCheckpoint(run, 'net', workspace), `${path.join('.convlens', 'runs', 'net', 'checkpoint')} is not a complete checkpoint of net (a file is missing or torn): train it again.`);
  });

  it("the extension's way to it loads no TensorFlow.js (the extension host never does)", () => {
    const entry = require.resolve('convlens-runtime/training/checkpoint-folders');
    const probe = `require(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(require.cache)));`;
    const result = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout) as string[], [entry]);
  });
});

describe('extension: the caption under the input image', () => {
  it('a test sample by its index, an image file by its base name, a drawn digit as drawing', () => {
    assert.equal(inputCaption({ source: 'testSample', index: 12 }, { dataset: 'mnist', testIndex: 12 }), 'test sample #12');
    assert.equal(inputCaption({ source: 'imageFile' }, { image: path.join('/w', 'digits', 'seven.png') }), 'seven.png');
    assert.equal(inputCaption({ source: 'imageFile', reuse: true }, { image: path.join('/w', 'cat.jpeg') }), 'cat.jpeg');
    // The runtime reads a drawing from a temporary PNG; its name is not the user's.
    assert.equal(inputCaption({ source: 'drawing', width: 1, height: 1, pixels: [1] }, { image: path.join('/tmp', 'convlens-drawing-x', 'drawing.png') }), 'drawing');
  });
});

describe("extension: a panel's interpolate → the runtime's interpolateSamples", () => {
  const generatorNet = gan('g', { latent: 4, image: [1, 2, 2], generator: sequential(dense(4), reshape(1, 2, 2)), discriminator: sequential(flatten(), dense(1)) }) as GanNode;

  it("asks for the cells and steps the panel picked, from the GAN's checkpoint in its run folder", () => {
    assert.deepEqual(toInterpolationRequest(generatorNet, '/w', 'g', { type: 'interpolate', from: 3, to: 42, steps: 6 }), {
      root: generatorNet,
      checkpoint: path.join('/w', '.convlens', 'runs', 'g', 'checkpoint'),
      from: 3,
      to: 42,
      steps: 6,
      cwd: '/w',
    });
  });

  it('goes through the inspection process one request at a time; a refusal keeps the process, an exit replaces it', async () => {
    const sent: string[] = [];
    let started = 0;
    let pending = 0;
    const fake = (): RuntimeClient => {
      started += 1;
      const id = started;
      return {
        interpolateSamples: async (request: Omit<InterpolateSamplesRequest, 'type'>): Promise<InterpolationReadyEvent> => {
          pending += 1;
          assert.equal(pending, 1, 'two requests at once');
          sent.push(`${id}: ${request.from}→${request.to} in ${request.steps}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
          pending -= 1;
          if (request.steps === 1) throw new RuntimeProcessError('an interpolation takes 2 to 64 steps, not 1');
          if (request.steps === 99) throw new RuntimeProcessError('the runtime process exited (SIGKILL)');
          return { event: 'interpolationReady', from: request.from, to: request.to, steps: request.steps, png: 'cGln' };
        },
        dispose: () => undefined,
      } as unknown as RuntimeClient;
    };
    const inspector = new Inspector(fake);
    const ask = (from: number, to: number, steps: number): Promise<InterpolationReadyEvent> => inspector.interpolation(toInterpolationRequest(generatorNet, '/w', 'g', { type: 'interpolate', from, to, steps }));
    const [first, refused, second] = await Promise.allSettled([ask(0, 1, 2), ask(0, 1, 1), ask(5, 9, 8)]);
    assert.deepEqual(first, { status: 'fulfilled', value: { event: 'interpolationReady', from: 0, to: 1, steps: 2, png: 'cGln' } });
    assert.ok(refused.status === 'rejected' && (refused.reason as Error).message === 'an interpolation takes 2 to 64 steps, not 1');
    assert.ok(second.status === 'fulfilled' && second.value.steps === 8);
    await assert.rejects(ask(1, 2, 99), /exited/);
    await ask(2, 3, 4);
    assert.deepEqual(sent, ['1: 0→1 in 2', '1: 0→1 in 1', '1: 5→9 in 8', '1: 1→2 in 99', '2: 2→3 in 4']);
    inspector.dispose();
  });
});

describe('extension: does the dataset fit the model', () => {
  const mnistNet = model('m', input(1, 28, 28), flatten(), dense(10));
  const lenet32 = model('l', input(1, 32, 32), flatten(), dense(10));
  const cifarNet = model('c', input(3, 32, 32), flatten(), dense(10));
  const digits = gan('g', { latent: 8, image: [1, 28, 28], generator: sequential(dense(784), reshape(1, 28, 28)), discriminator: sequential(flatten(), dense(1)) });

  it('fits', () => {
    assert.equal(describeDatasetMismatch('mnist', mnistNet, 'm'), null);
    assert.equal(describeDatasetMismatch('fashion-mnist', mnistNet, 'm'), null);
    assert.equal(describeDatasetMismatch('cifar10', cifarNet, 'c'), null);
    assert.equal(describeDatasetMismatch('mnist', digits, 'g'), null);
    // A folder is resized to the model's input by the runtime.
    assert.equal(describeDatasetMismatch('my-images', lenet32, 'l'), null);
  });

  it('says which dataset would fit', () => {
    assert.equal(describeDatasetMismatch('mnist', cifarNet, 'cifarNet'), "cifarNet takes 3@32×32 images but mnist's are 1@28×28: set convlens.training.dataset to 'cifar10'");
    assert.equal(
      describeDatasetMismatch('mnist', lenet32, 'lenet5'),
      "lenet5 takes 1@32×32 images but mnist's are 1@28×28: set convlens.training.dataset to a folder of images with one subfolder per class (they are resized to the input)",
    );
    assert.equal(
      describeDatasetMismatch('cifar10', mnistNet, 'net'),
      "net takes 1@28×28 images but cifar10's are 3@32×32: set convlens.training.dataset to 'mnist' or 'fashion-mnist'",
    );
  });
});

describe('extension: activation check', () => {
  const cases: readonly [string, boolean][] = [
    ["import { model } from 'convlens';", true],
    ['import * as cl from "convlens";', true],
    ["import { analyze } from 'convlens/engine';", true],
    ["export { conv2d } from 'convlens';", true],
    ["const cl = require('convlens');", true],
    ["const cl = await import('convlens');", true],
    ["import type { ModelNode } from 'convlens';", true],
    ["import { model } from 'convlens-extra';", false],
    ["import { model } from './convlens';", false],
    ['// convlens is great', false],
    ["const name = 'convlens';", false],
  ];
  for (const [text, expected] of cases) {
    it(`${expected ? 'imports' : 'does not import'}: ${text}`, () => assert.equal(importsConvLens(text), expected));
  }

  it('a package.json that depends on convlens', () => {
    assert.equal(dependsOnConvLens('{ "dependencies": { "convlens": "^0.1.0" } }'), true);
    assert.equal(dependsOnConvLens('{ "devDependencies": { "convlens": "^0.1.0" } }'), true);
    assert.equal(dependsOnConvLens('{ "dependencies": { "react": "^19" } }'), false);
    assert.equal(dependsOnConvLens('{ "dependencies": '), false);
  });
});
