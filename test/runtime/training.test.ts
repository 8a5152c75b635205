/**
 * Short seeded training runs on a subset of MNIST: the loss falls and the accuracy rises
 * above chance; checkpoints load in plain TensorFlow.js and predict exactly as the trained
 * model; --resume continues where a checkpoint stopped; a cancel stops between batches and
 * leaves the checkpoint byte for byte; a diverging loss is reported, not trained through;
 * an aux head learns only through its weighted loss; a GAN writes its sample grids.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { aux, conv2d, dense, flatten, globalAvgPool2d, input, maxPool2d, model, relu, sequential } from 'convlens';
import type { ModelNode } from 'convlens/ir';
import { chooseBackend, type BackendChoice } from 'convlens-runtime/backend-choice';
import { compileModel } from 'convlens-runtime/compile';
import type { Dataset } from 'convlens-runtime/datasets/dataset';
import { loadDataset } from 'convlens-runtime/datasets/load-dataset';
import type { EpochEndedEvent, TrainingEvent, TrainingSettings } from 'convlens-runtime/protocol';
import { assignWeights, loadCheckpointModel, readCheckpointState, readModelWeights } from 'convlens-runtime/training/checkpoint';
import { assembleBatch, NO_AUGMENTATION, toNormalization } from 'convlens-runtime/training/batch-assembly';
import { trainClassifier, type ClassifierState } from 'convlens-runtime/training/train-classifier';
import { trainGan } from 'convlens-runtime/training/train-gan';
import { TrainingError } from 'convlens-runtime/training/training-error';
import { dcganMnist } from '../../examples/dcgan';
import { lenet5Mnist } from '../../examples/lenet5';

function toSettings(outDirectory: string | null, overrides: Partial<TrainingSettings> = {}): TrainingSettings {
  return {
    dataset: 'mnist',
    epochs: 2,
    batchSize: 32,
    learningRate: 1e-3,
    optimizer: 'adam',
    validationSplit: 0.1,
    augmentation: { cropPadding: 0, mirror: false },
    tta: false,
    seed: 7,
    backend: 'wasm',
    outDirectory,
    resume: false,
    workers: 1,
    limit: { train: 1024, test: 500 },
    cwd: process.cwd(),
    ...overrides,
  };
}

describe('runtime: training', function () {
  this.timeout(300_000);
  let backend: BackendChoice;
  let mnist: Dataset;
  let folder: string;

  before(async () => {
    backend = await chooseBackend({ requested: 'wasm' });
    mnist = await loadDataset('mnist', { inputShape: [1, 28, 28] });
  });
  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'convlens-training-'));
  });
  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('a seeded LeNet-5 run: the loss falls, accuracy beats chance, the checkpoint loads in TensorFlow.js', async () => {
    const events: TrainingEvent[] = [];
    const out = path.join(folder, 'run');
    const result = await trainClassifier(lenet5Mnist, mnist, toSettings(out), backend, { onEvent: (event) => events.push(event) });
    const epochs = events.filter((event): event is EpochEndedEvent => event.event === 'epochEnded');
    assert.equal(epochs.length, 2);
    const [first, second] = epochs as [EpochEndedEvent, EpochEndedEvent];
    // Chance is 10% and the initial loss ln 10 ≈ 2.30.
    assert.ok(first.loss < 2.3 && second.loss < first.loss, `losses ${first.loss}, ${second.loss}`);
    assert.ok((second.validationAccuracy ?? 0) > 0.5, `validation accuracy ${second.validationAccuracy}`);
    assert.equal(result.event, 'finished');
    assert.ok(result.event === 'finished' && (result.testAccuracy ?? 0) > 0.5, `test accuracy ${JSON.stringify(result)}`);
    assert.deepEqual(events.map((event) => event.event).filter((name) => name !== 'progress'), ['started', 'epochEnded', 'epochEnded', 'finished']);
    const progress = events.filter((event) => event.event === 'progress');
    assert.ok(progress.length >= 2 && progress.every((event) => event.event === 'progress' && event.imagesPerSecond > 0));

    // The checkpoint: tfjs's LayersModel format, loadable as any tfjs user would, same predictions.
    const checkpoint = path.join(out, 'checkpoint');
    const state = await readCheckpointState<ClassifierState>(checkpoint);
    assert.deepEqual([state.kind, state.model, state.epoch, state.classes.length], ['classifier', 'lenet5Mnist', 2, 10]);
    const loaded = await loadCheckpointModel(checkpoint);
    const trained = compileModel(lenet5Mnist, { zeros: true });
    assignWeights(trained.model, (await readModelWeights(checkpoint)).weights, 'checkpoint');
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 3);
    const [a, b] = [await (loaded.predict(x) as tf.Tensor).data(), await (trained.predictor.predict(x) as tf.Tensor).data()];
    assert.deepEqual(Array.from(a), Array.from(b));

    // The confusion matrix of the test split, against one counted here from the loaded
    // checkpoint's own predictions of the same 500 test images.
    const testCount = 500;
    const images = new Float32Array(testCount * 784);
    const labels = new Int32Array(testCount);
    const order = Int32Array.from({ length: testCount }, (_, index) => index);
    assembleBatch(mnist.test!, [1, 28, 28], order, 0, testCount, toNormalization(mnist), NO_AUGMENTATION, () => 0, images, labels);
    const predicted = await (tf.argMax(loaded.predict(tf.tensor(images, [testCount, 28, 28, 1])) as tf.Tensor, -1)).data();
    const expected = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    labels.forEach((label, index) => {
      const row = expected[label]!;
      row[predicted[index]!] = (row[predicted[index]!] ?? 0) + 1;
    });
    assert.ok(result.event === 'finished');
    assert.deepEqual(result.confusionMatrix, expected);
    assert.deepEqual(result.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(expected.reduce((total, row, index) => total + row[index]!, 0) / testCount, result.testAccuracy);

    const metrics = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { event: string });
    assert.deepEqual(metrics.map((line) => line.event), ['started', 'epochEnded', 'epochEnded', 'finished']);
  });

  it('--resume continues after the checkpoint’s epoch; a cancel leaves that checkpoint byte for byte; a fresh run keeps it', async () => {
    const out = path.join(folder, 'run');
    await trainClassifier(lenet5Mnist, mnist, toSettings(out, { epochs: 1 }), backend, { onEvent: () => undefined });
    const checkpoint = path.join(out, 'checkpoint');
    const before = readFileSync(path.join(checkpoint, 'weights.bin'));

    const controller = new AbortController();
    const events: TrainingEvent[] = [];
    const stopped = await trainClassifier(lenet5Mnist, mnist, toSettings(out, { epochs: 3, resume: true }), backend, {
      signal: controller.signal,
      onEvent: (event) => {
        events.push(event);
        if (event.event === 'progress') controller.abort();
      },
    });
    assert.equal(events[0]?.event === 'started' && events[0].startEpoch, 1);
    assert.deepEqual(stopped, { event: 'stopped', reason: 'cancelled', epoch: 1, checkpoint });
    assert.deepEqual(readFileSync(path.join(checkpoint, 'weights.bin')), before);
    assert.equal((await readCheckpointState<ClassifierState>(checkpoint)).epoch, 1);
    assert.deepEqual(readdirSync(out).filter((name) => name.startsWith('.checkpoint')), []);

    // A fresh run into the same folder keeps the earlier checkpoint under another name.
    const fresh: TrainingEvent[] = [];
    await trainClassifier(lenet5Mnist, mnist, toSettings(out, { epochs: 1, limit: { train: 128, test: 64 } }), backend, { onEvent: (event) => fresh.push(event) });
    const kept = fresh[0]?.event === 'started' ? fresh[0].previousCheckpoint : null;
    assert.ok(kept !== null && path.basename(kept).startsWith('checkpoint-'), `kept ${kept}`);
    assert.deepEqual(readFileSync(path.join(kept, 'weights.bin')), before);
    rmSync(checkpoint, { recursive: true });
    renameSync(kept, checkpoint);

    const resumed: TrainingEvent[] = [];
    await trainClassifier(lenet5Mnist, mnist, toSettings(out, { epochs: 2, resume: true }), backend, { onEvent: (event) => resumed.push(event) });
    assert.deepEqual(resumed.filter((event) => event.event === 'epochEnded').map((event) => event.event === 'epochEnded' && event.epoch), [2]);
    assert.equal((await readCheckpointState<ClassifierState>(checkpoint)).epoch, 2);
  });

  it('data-parallel workers train as one thread does (synchronous SGD over shared memory)', async () => {
    const weights: Float32Array[][] = [];
    const accuracies: (number | null)[] = [];
    for (const workers of [1, 2]) {
      const out = path.join(folder, `workers-${workers}`);
      const settings = toSettings(out, { epochs: 1, workers, limit: { train: 640, test: 200 } });
      const result = await trainClassifier(lenet5Mnist, mnist, settings, backend, { onEvent: () => undefined });
      accuracies.push(result.event === 'finished' ? result.testAccuracy : null);
      const saved = (await readModelWeights(path.join(out, 'checkpoint'))).weights;
      weights.push(await Promise.all(Object.keys(saved).sort().map(async (name) => (await saved[name]!.data()) as Float32Array)));
    }
    // The same updates up to float rounding: each worker averages its share, then the shares
    // are summed, which orders the additions differently from one thread's mean. After ten
    // Adam steps of 0.001 the weights agree far closer than one step moves them.
    let largest = 0;
    weights[0]!.forEach((values, index) => values.forEach((value, element) => (largest = Math.max(largest, Math.abs(value - (weights[1]![index]![element] as number))))));
    assert.ok(largest < 1e-4, `largest difference ${largest}`);
    assert.ok(Math.abs((accuracies[0] ?? 0) - (accuracies[1] ?? 1)) <= 0.01, `accuracies ${accuracies}`);
  });

  it('stops with a clear message when the loss diverges', async () => {
    await assert.rejects(
      trainClassifier(lenet5Mnist, mnist, toSettings(null, { optimizer: 'sgd', learningRate: 1e12, epochs: 1 }), backend, { onEvent: () => undefined }),
      (error: unknown) => error instanceof TrainingError && /the loss became (NaN|Infinity|-Infinity) in epoch 1, batch \d+: training diverged\. Lower the learning rate \(now 1000000000000\)/.test(error.message),
    );
  });

  it('refuses a dataset that does not fit the model', async () => {
    const wrongClasses = model('three', input(1, 28, 28), flatten(), dense(3));
    await assert.rejects(trainClassifier(wrongClasses, mnist, toSettings(null), backend, { onEvent: () => undefined }), /three outputs \[3\] but mnist has 10 classes; end the model with dense\(10\)/);
    const wrongSize = model('big', input(1, 32, 32), flatten(), dense(10));
    await assert.rejects(trainClassifier(wrongSize, mnist, toSettings(null), backend, { onEvent: () => undefined }), /mnist's images are 1@28×28 but big takes 1@32×32/);
  });

  it('an aux head learns through its weighted loss; augmentation and test-time mirroring run', async () => {
    const withAux: ModelNode = model(
      'withAux',
      input(1, 28, 28),
      conv2d(4, 3, { stride: 2 }),
      relu(),
      aux('side', sequential(globalAvgPool2d(), dense(10, { name: 'sideOut' })), { weight: 0.5 }),
      maxPool2d(2),
      flatten(),
      dense(10),
    );
    const events: TrainingEvent[] = [];
    const out = path.join(folder, 'aux');
    const result = await trainClassifier(withAux, mnist, toSettings(out, { epochs: 1, augmentation: { cropPadding: 2, mirror: true }, tta: true }), backend, { onEvent: (event) => events.push(event) });
    assert.ok(result.event === 'finished' && result.testAccuracy !== null && result.testAccuracy > 0.1);
    // The head's dense layer gets gradients only from the aux loss: its weights must have moved.
    const saved = (await readModelWeights(path.join(out, 'checkpoint'))).weights;
    const fresh = compileModel(withAux, { seed: 7 });
    const initial = await fresh.model.getLayer('sideOut').getWeights()[0]!.data();
    const trained = (await saved['sideOut/kernel']!.data()) as Float32Array;
    assert.ok(Array.from(trained).some((value, index) => Math.abs(value - (initial[index] as number)) > 1e-4), 'the aux head did not train');
  });

  it('a GAN run writes a sample grid per epoch, an interpolation strip and both networks’ checkpoints', async () => {
    const out = path.join(folder, 'gan');
    const events: TrainingEvent[] = [];
    const result = await trainGan(dcganMnist, mnist, toSettings(out, { epochs: 2, batchSize: 16, learningRate: 2e-4, validationSplit: 0, limit: { train: 64 } }), backend, { onEvent: (event) => events.push(event) });
    const samples = events.filter((event) => event.event === 'samplesReady');
    assert.equal(samples.length, 2);
    for (const event of samples) {
      assert.ok(event.event === 'samplesReady' && event.path !== null && existsSync(event.path));
      assert.ok(event.event === 'samplesReady' && Buffer.from(event.png, 'base64').subarray(1, 4).toString() === 'PNG');
    }
    assert.ok(result.event === 'finished' && result.samples === path.join(out, 'samples', 'epoch-0002.png'));
    assert.ok(result.event === 'finished' && result.interpolation !== null && result.interpolation !== undefined && existsSync(result.interpolation));
    for (const network of ['generator', 'discriminator']) assert.ok(existsSync(path.join(out, 'checkpoint', network, 'model.json')), network);
    const progress = events.find((event) => event.event === 'progress');
    assert.ok(progress?.event === 'progress' && typeof progress.generatorLoss === 'number' && Number.isFinite(progress.loss));
  });
});
