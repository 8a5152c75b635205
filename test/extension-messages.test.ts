/**
 * What the extension tells panels and the status bar about a training run: runtime events
 * → HostMessages (each one valid by the webview protocol's own validator), the progress
 * throttle, the replay a reloaded panel gets, and the status bar's words.
 */
import * as assert from 'node:assert/strict';
import { ProgressThrottle, REPLAYED_SAMPLE_GRIDS, toFeatureMapsMessage, toHostMessages, TrainingReplay } from '../extension/panels/host-messages';
import { toStatusText } from '../extension/training/status-text';
import type { FeatureMapsEvent, RuntimeEvent } from 'convlens-runtime/protocol';
import { isHostMessage, type HostMessage } from '../webviews/protocol';

const STARTED: RuntimeEvent = {
  event: 'started',
  kind: 'classifier',
  model: 'lenet5Mnist',
  backend: 'wasm',
  passedOver: [{ backend: 'webgpu', reason: 'no adapter' }],
  dataset: 'mnist',
  trainImages: 54_000,
  validationImages: 6_000,
  testImages: 10_000,
  epochs: 2,
  batchSize: 64,
  workers: 1,
  startEpoch: 0,
  previousCheckpoint: null,
};

const progress = (epoch: number, batch: number): RuntimeEvent => ({
  event: 'progress',
  epoch,
  epochs: 2,
  batch,
  batches: 844,
  loss: 0.5,
  accuracy: 0.9,
  imagesPerSecond: 2150,
});

const EPOCH_ENDED: RuntimeEvent = {
  event: 'epochEnded',
  epoch: 1,
  epochs: 2,
  loss: 0.31,
  accuracy: 0.91,
  validationLoss: 0.12,
  validationAccuracy: 0.965,
  seconds: 25.1,
  imagesPerSecond: 2150,
  checkpoint: '/w/.convlens/runs/lenet5Mnist/checkpoint',
};

describe('extension: runtime events → panel messages', () => {
  const cases: readonly [string, RuntimeEvent, HostMessage[]][] = [
    ['started', STARTED, [{ type: 'trainingStarted', kind: 'classifier', backend: 'wasm', dataset: 'mnist', epochs: 2, batchesPerEpoch: 844 }]],
    [
      'progress',
      progress(1, 10),
      [{ type: 'trainingProgressed', epoch: 1, epochs: 2, batch: 10, batches: 844, loss: 0.5, accuracy: 0.9, generatorLoss: null, imagesPerSecond: 2150 }],
    ],
    [
      'a GAN\'s progress',
      { event: 'progress', epoch: 1, epochs: 5, batch: 3, batches: 938, loss: 1.2, accuracy: null, generatorLoss: 0.8, imagesPerSecond: 900 },
      [{ type: 'trainingProgressed', epoch: 1, epochs: 5, batch: 3, batches: 938, loss: 1.2, accuracy: null, generatorLoss: 0.8, imagesPerSecond: 900 }],
    ],
    ['epochEnded', EPOCH_ENDED, [{ type: 'epochEnded', epoch: 1, loss: 0.31, accuracy: 0.91, validationLoss: 0.12, validationAccuracy: 0.965, generatorLoss: null }]],
    [
      'samplesReady',
      { event: 'samplesReady', epoch: 2, path: null, rows: 8, columns: 8, png: 'iVBORw0KGgo=' },
      [{ type: 'samplesReady', epoch: 2, png: 'iVBORw0KGgo=', rows: 8, columns: 8 }],
    ],
    ['stopped', { event: 'stopped', reason: 'cancelled', epoch: 1, checkpoint: null }, [{ type: 'trainingStopped', epoch: 1 }]],
    ['failed', { event: 'failed', message: 'the loss diverged' }, [{ type: 'trainingFailed', message: 'the loss diverged' }]],
    ['finished', { event: 'finished', testAccuracy: 0.981, testLoss: 0.06, checkpoint: null }, [{ type: 'trainingFinished', testAccuracy: 0.981, confusionMatrix: null, classes: null }]],
    [
      'finished with a confusion matrix',
      { event: 'finished', testAccuracy: 0.75, testLoss: 0.5, checkpoint: null, confusionMatrix: [[2, 1], [0, 1]], classes: ['cat', 'dog'] },
      [{ type: 'trainingFinished', testAccuracy: 0.75, confusionMatrix: [[2, 1], [0, 1]], classes: ['cat', 'dog'] }],
    ],
    [
      'featureMaps',
      { event: 'featureMaps', layer: 'conv2d_1', shape: [2, 1, 2], values: [0, 1, -1, 2], min: -1, max: 2, input: { width: 2, height: 1, channels: 1, pixels: 'AP8=' } },
      [{ type: 'featureMapsComputed', layer: 'conv2d_1', maps: { shape: [2, 1, 2], values: [0, 1, -1, 2], min: -1, max: 2 } }],
    ],
    [
      "a GAN's interpolation between two picked samples",
      { event: 'interpolationReady', from: 3, to: 42, steps: 6, png: 'iVBORw0KGgo=' },
      [{ type: 'interpolationReady', png: 'iVBORw0KGgo=', steps: 6 }],
    ],
  ];
  for (const [name, event, expected] of cases) {
    it(name, () => {
      const messages = toHostMessages(event, 64);
      assert.deepEqual(messages, expected);
      for (const message of messages) assert.ok(isHostMessage(message), `${message.type} fails the panel's validator`);
    });
  }

  it('batches per epoch are unknown without a batch size', () => {
    assert.deepEqual(toHostMessages(STARTED, 0), [{ type: 'trainingStarted', kind: 'classifier', backend: 'wasm', dataset: 'mnist', epochs: 2, batchesPerEpoch: null }]);
  });
});

describe('extension: feature maps and the input image the network received', () => {
  // A 2×1 grey input: black, white (bytes 0, 255 = base64 AP8=).
  const grey: FeatureMapsEvent = { event: 'featureMaps', layer: 'conv2d_1', shape: [1, 1, 2], values: [0.5, -0.5], min: -0.5, max: 0.5, input: { width: 2, height: 1, channels: 1, pixels: 'AP8=' } };

  it('carries the runtime’s bytes with the caption of the input the user picked', () => {
    const message = toFeatureMapsMessage(grey, 'test sample #12');
    assert.deepEqual(message, {
      type: 'featureMapsComputed',
      layer: 'conv2d_1',
      maps: { shape: [1, 1, 2], values: [0.5, -0.5], min: -0.5, max: 0.5 },
      input: { caption: 'test sample #12', width: 2, height: 1, channels: 1, pixels: 'AP8=' },
    });
    assert.ok(isHostMessage(message));
    assert.ok(isHostMessage(JSON.parse(JSON.stringify(message))), 'after the JSON of postMessage');
  });

  it('an RGB input stays RGB: one red pixel is bytes 255, 0, 0 (/wAA)', () => {
    const rgb: FeatureMapsEvent = { ...grey, input: { width: 1, height: 1, channels: 3, pixels: '/wAA' } };
    assert.deepEqual(toFeatureMapsMessage(rgb, 'red.png').input, { caption: 'red.png', width: 1, height: 1, channels: 3, pixels: '/wAA' });
  });

  it('no image without a caption, or for an input that is neither grey nor RGB', () => {
    assert.equal('input' in toFeatureMapsMessage(grey, null), false);
    assert.equal('input' in toFeatureMapsMessage({ ...grey, input: { width: 1, height: 1, channels: 2, pixels: 'AP8=' } }, 'two channels'), false);
  });
});

/** A clock and timer queue the test advances by hand. */
function fakeTime(): { now: () => number; advance: (ms: number) => void; schedule: (run: () => void, ms: number) => ReturnType<typeof setTimeout>; cancel: (timer: ReturnType<typeof setTimeout>) => void } {
  let time = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; run: () => void }>();
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
      for (const [id, timer] of [...timers].sort(([, a], [, b]) => a.at - b.at)) {
        if (timer.at <= time) {
          timers.delete(id);
          timer.run();
        }
      }
    },
    schedule: (run, ms) => {
      const id = nextId++;
      timers.set(id, { at: time + ms, run });
      return id as unknown as ReturnType<typeof setTimeout>;
    },
    cancel: (timer) => void timers.delete(timer as unknown as number),
  };
}

const progressed = (batch: number): HostMessage => toHostMessages(progress(1, batch), 64)[0]!;
const batchesOf = (messages: readonly HostMessage[]): (number | string)[] => messages.map((message) => (message.type === 'trainingProgressed' ? message.batch : message.type));

describe('extension: progress throttle', () => {
  it('passes one progress per interval, the newest, and holds none back at the end', () => {
    const sent: HostMessage[] = [];
    const time = fakeTime();
    const throttle = new ProgressThrottle((message) => sent.push(message), 100, time.now, time.schedule, time.cancel);
    throttle.push(progressed(1));
    for (let batch = 2; batch <= 5; batch += 1) {
      time.advance(10);
      throttle.push(progressed(batch));
    }
    assert.deepEqual(batchesOf(sent), [1]);
    time.advance(60);
    assert.deepEqual(batchesOf(sent), [1, 5]);
    time.advance(500);
    assert.deepEqual(batchesOf(sent), [1, 5]);
  });

  it('sends other messages at once, after the progress it held (a run keeps its order)', () => {
    const sent: HostMessage[] = [];
    const time = fakeTime();
    const throttle = new ProgressThrottle((message) => sent.push(message), 100, time.now, time.schedule, time.cancel);
    throttle.push(progressed(1));
    time.advance(20);
    throttle.push(progressed(844));
    throttle.push(toHostMessages(EPOCH_ENDED, 64)[0]!);
    assert.deepEqual(batchesOf(sent), [1, 844, 'epochEnded']);
    time.advance(1000);
    assert.deepEqual(batchesOf(sent), [1, 844, 'epochEnded']);
  });

  it('dispose drops what it held', () => {
    const sent: HostMessage[] = [];
    const time = fakeTime();
    const throttle = new ProgressThrottle((message) => sent.push(message), 100, time.now, time.schedule, time.cancel);
    throttle.push(progressed(1));
    throttle.push(progressed(2));
    throttle.dispose();
    time.advance(1000);
    assert.deepEqual(batchesOf(sent), [1]);
  });
});

describe('extension: training replay', () => {
  it('keeps the run in order with only its latest progress', () => {
    const replay = new TrainingReplay();
    const events: RuntimeEvent[] = [STARTED, progress(1, 1), progress(1, 844), EPOCH_ENDED, progress(2, 5), { event: 'finished', testAccuracy: 0.98, testLoss: 0.05, checkpoint: null }];
    for (const event of events) for (const message of toHostMessages(event, 64)) replay.record(message);
    assert.deepEqual(batchesOf(replay.messages()), ['trainingStarted', 'epochEnded', 5, 'trainingFinished']);
  });

  it('a new run replaces the last; messages of no run are not recorded', () => {
    const replay = new TrainingReplay();
    replay.record({ type: 'summaryUpdated', summary: { title: 't', kind: 'model', input: '1', output: '1', rows: [], totals: { trainable: 0, nonTrainable: 0, aux: 0, macs: 0, receptiveField: null }, findings: [] } });
    replay.record(progressed(3));
    assert.deepEqual(replay.messages(), []);
    for (const message of toHostMessages(STARTED, 64)) replay.record(message);
    replay.record(toHostMessages(EPOCH_ENDED, 64)[0]!);
    for (const message of toHostMessages(STARTED, 64)) replay.record(message);
    assert.deepEqual(batchesOf(replay.messages()), ['trainingStarted']);
  });

  it('thins sample grids past the limit, keeping the first and the newest', () => {
    const replay = new TrainingReplay();
    for (const message of toHostMessages({ ...(STARTED as Extract<RuntimeEvent, { event: 'started' }>), kind: 'gan' }, 64)) replay.record(message);
    for (let epoch = 1; epoch <= REPLAYED_SAMPLE_GRIDS + 10; epoch += 1) replay.record({ type: 'samplesReady', epoch, png: 'x', rows: 1, columns: 1 });
    const epochs = replay.messages().flatMap((message) => (message.type === 'samplesReady' ? [message.epoch] : []));
    assert.equal(epochs.length, REPLAYED_SAMPLE_GRIDS);
    assert.equal(epochs[0], 1);
    assert.equal(epochs[epochs.length - 1], REPLAYED_SAMPLE_GRIDS + 10);
    assert.deepEqual([...epochs].sort((a, b) => a - b), epochs);
  });
});

describe('extension: status bar text', () => {
  const cases: readonly [RuntimeEvent, string | undefined, boolean | undefined][] = [
    [STARTED, '$(loading~spin) lenet5Mnist: starting', true],
    [progress(1, 422), '$(loading~spin) lenet5Mnist: epoch 1/2 · 50% · loss 0.500 · acc 90.0%', true],
    [EPOCH_ENDED, '$(loading~spin) lenet5Mnist: epoch 1/2 done · val acc 96.5%', true],
    [{ event: 'finished', testAccuracy: 0.9812, testLoss: 0.05, checkpoint: null }, '$(check) lenet5Mnist: 98.1% test accuracy', false],
    [{ event: 'finished', testAccuracy: null, testLoss: null, checkpoint: null, samples: null }, '$(check) lenet5Mnist: trained', false],
    [{ event: 'stopped', reason: 'cancelled', epoch: 1, checkpoint: '/c' }, '$(debug-stop) lenet5Mnist: stopped after epoch 1', false],
    [{ event: 'failed', message: 'boom' }, '$(error) lenet5Mnist: training failed', false],
    [{ event: 'samplesReady', epoch: 1, path: null, rows: 1, columns: 1, png: '' }, undefined, undefined],
  ];
  for (const [event, text, running] of cases) {
    it(`${event.event}${text === undefined ? ' (no change)' : ''}`, () => {
      const status = toStatusText('lenet5Mnist', event);
      assert.equal(status?.text, text);
      assert.equal(status?.running, running);
    });
  }
});
