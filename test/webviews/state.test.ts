import assert from 'node:assert/strict';
import type { HostMessage } from '../../webviews/protocol';
import {
  applyHostMessage,
  initialState,
  inputOfShownMaps,
  LIVE_POINTS,
  partsChangedBy,
  PERSISTED_GRIDS,
  PERSISTED_IMAGE_BYTES,
  PERSISTED_VALUES,
  persistable,
  requestedFeatureMaps,
  requestedGradCam,
  requestedInterpolation,
  restoreState,
  sameRun,
  selectLayer,
  selectUnit,
  selectTab,
  setSteps,
  setTimeline,
  shownGrid,
  thin,
  timelineIndex,
  TIMELINE_GRIDS,
  toggleSample,
  type PanelState,
} from '../../webviews/panel/state';
import * as f from './fixtures';

function fold(state: PanelState, ...messages: HostMessage[]): PanelState {
  return messages.reduce((state, message) => applyHostMessage(state, message), state);
}

describe('webviews: panel state reducer', () => {
  it('starts from the embedded initial state', () => {
    const state = initialState({ title: 'lenet5', tab: 'training', summary: f.LENET_SUMMARY });
    assert.equal(state.title, 'lenet5');
    assert.equal(state.kind, 'model');
    assert.equal(state.tab, 'training');
    assert.equal(state.summary, f.LENET_SUMMARY);
    assert.equal(initialState().title, 'ConvLens');
    assert.equal(initialState({ summary: f.DCGAN_SUMMARY }).kind, 'gan');
  });

  it('a summary sets title and kind; showTab switches', () => {
    const state = fold(initialState(), f.summaryUpdated(f.DCGAN_SUMMARY), { type: 'showTab', tab: 'samples' });
    assert.equal(state.title, 'dcgan');
    assert.equal(state.kind, 'gan');
    assert.equal(state.tab, 'samples');
  });

  it('training: progress feeds the live trace of the running epoch, epoch ends become history', () => {
    let state = fold(initialState(), f.trainingStarted('classifier', 5), f.progressed(1, 50), f.progressed(1, 100));
    assert.equal(state.training.status, 'running');
    assert.deepEqual(
      state.training.live.map((point) => point.x),
      [0.5, 1],
    );
    assert.equal(state.training.progress?.imagesPerSecond, 2150.4);
    state = fold(state, f.epochEnded(1));
    assert.deepEqual(state.training.live, [], 'the epoch point replaces its live trace');
    assert.deepEqual(
      state.training.history.map((point) => point.epoch),
      [1],
    );
    state = fold(state, f.progressed(2, 10));
    assert.deepEqual(
      state.training.live.map((point) => point.x),
      [1.1],
    );
  });

  it('a restarted run (progress going backwards) starts a new live trace; a replayed epoch replaces the old point', () => {
    let state = fold(initialState(), f.trainingStarted(), f.progressed(3, 50), f.progressed(1, 10));
    assert.deepEqual(
      state.training.live.map((point) => point.x),
      [0.1],
    );
    state = fold(state, f.epochEnded(1), f.epochEnded(2), { ...f.epochEnded(2), loss: 9 } as HostMessage);
    assert.deepEqual(
      state.training.history.map((point) => [point.epoch, point.loss === 9]),
      [
        [1, false],
        [2, true],
      ],
    );
  });

  it('keeps the live trace bounded however many batches an epoch has', () => {
    let state = fold(initialState(), f.trainingStarted());
    for (let batch = 1; batch <= 5000; batch++) state = applyHostMessage(state, f.progressed(1, batch, 5, 5000));
    assert.ok(state.training.live.length <= LIVE_POINTS);
    assert.equal(state.training.live[0]!.x, 1 / 5000, 'the first point is kept');
    assert.equal(state.training.live[state.training.live.length - 1]!.x, 1, 'the newest point is kept');
  });

  it('a new run resets the training state, finishing and stopping set the status', () => {
    let state = fold(initialState(), f.trainingStarted(), f.epochEnded(1), f.trainingFinished());
    assert.equal(state.training.status, 'finished');
    assert.equal(state.training.testAccuracy, 0.9871);
    assert.equal(state.training.confusionMatrix?.length, 10);
    state = fold(state, f.trainingStarted());
    assert.deepEqual(state.training.history, []);
    assert.equal(state.training.testAccuracy, null);
    state = fold(state, { type: 'trainingStopped', epoch: 2 });
    assert.equal(state.training.status, 'stopped');
    assert.equal(state.training.stoppedAtEpoch, 2);
    state = fold(state, { type: 'trainingFailed', message: 'boom' });
    assert.equal(state.training.status, 'failed');
    assert.equal(state.training.message, 'boom');
  });

  it('feature maps: the layer list keeps the picked layer, a request shows busy until the maps arrive', () => {
    let state = fold(initialState(), f.LAYERS);
    assert.equal(state.featureMaps.layer, 'C1', 'the first layer by default');
    state = selectLayer(state, 'C3');
    state = fold(state, f.LAYERS);
    assert.equal(state.featureMaps.layer, 'C3');
    state = fold(state, { type: 'layersListed', layers: [{ name: 'conv1', kind: 'conv2d', output: '8@28×28' }] });
    assert.equal(state.featureMaps.layer, 'conv1', 'a layer that is gone falls back to the first');
    state = requestedFeatureMaps(state, 'conv1', { source: 'testSample', index: 4 });
    assert.equal(state.featureMaps.busy, true);
    state = fold(state, { type: 'featureMapsComputed', layer: 'conv1', maps: f.featureMaps(8) });
    assert.equal(state.featureMaps.busy, false);
    assert.deepEqual(state.featureMaps.input, { source: 'testSample', index: 4 });
    state = requestedFeatureMaps(state, 'conv1', { source: 'imageFile' });
    state = fold(state, { type: 'inspectionFailed', message: 'no checkpoint' });
    assert.equal(state.featureMaps.busy, false);
    assert.equal(state.featureMaps.message, 'no checkpoint');
  });

  it('feature maps: the input image comes with the maps and goes with maps that bring none', () => {
    let state = fold(initialState(), f.LAYERS);
    assert.equal(state.featureMaps.image, null);
    state = requestedFeatureMaps(state, 'C1', { source: 'testSample', index: 12 });
    state = fold(state, { type: 'featureMapsComputed', layer: 'C1', maps: f.featureMaps(), input: f.inputImage('test sample #12') });
    assert.deepEqual(state.featureMaps.image, f.inputImage('test sample #12'));
    assert.equal(state.featureMaps.image?.caption, 'test sample #12');
    // A new request keeps showing the last picture until its answer; a failure keeps it too.
    state = requestedFeatureMaps(state, 'C1', { source: 'imageFile' });
    assert.equal(state.featureMaps.image?.caption, 'test sample #12');
    state = fold(state, { type: 'inspectionFailed', message: 'not a PNG' });
    assert.equal(state.featureMaps.image?.caption, 'test sample #12');
    state = fold(state, { type: 'featureMapsComputed', layer: 'C1', maps: f.featureMaps(), input: f.inputImage('seven.png', 32, 32, 3) });
    assert.deepEqual([state.featureMaps.image?.caption, state.featureMaps.image?.width, state.featureMaps.image?.channels], ['seven.png', 32, 3]);
    state = fold(state, { type: 'featureMapsComputed', layer: 'C3', maps: f.featureMaps(16, 10, 10) });
    assert.equal(state.featureMaps.image, null, 'maps without an image are not of the last one');
  });

  it('predictions are kept most probable first', () => {
    const state = fold(initialState(), f.PREDICTIONS);
    assert.deepEqual(
      state.featureMaps.predictions?.map((prediction) => prediction.label),
      ['7', '3', '1', '9'],
    );
  });

  it('GAN samples: the timeline follows the newest grid unless moved back', () => {
    let state = fold(initialState(), f.trainingStarted('gan'), f.samplesReady(1), f.samplesReady(2));
    assert.equal(state.kind, 'gan');
    assert.equal(shownGrid(state.samples)?.epoch, 2);
    state = setTimeline(state, 0);
    state = fold(state, f.samplesReady(3));
    assert.equal(shownGrid(state.samples)?.epoch, 1, 'a moved timeline stays where it was');
    state = setTimeline(state, 2);
    assert.equal(state.samples.position, null, 'moving to the end follows again');
    state = fold(state, f.samplesReady(4));
    assert.equal(shownGrid(state.samples)?.epoch, 4);
    state = fold(state, f.trainingStarted('gan'));
    assert.deepEqual(state.samples.grids, [], 'a new run starts a new timeline');
  });

  it('a replayed run (continuing) keeps the timeline position, picks and interpolation; a new run does not', () => {
    let state = fold(initialState(), f.trainingStarted('gan', 6), f.samplesReady(1), f.samplesReady(2), f.samplesReady(3));
    state = setTimeline(toggleSample(toggleSample(state, 5), 10), 1);
    state = requestedInterpolation(state, 5, 10);
    state = fold(state, { type: 'interpolationReady', png: 'strip', steps: 8 });
    const start = f.trainingStarted('gan', 6);
    assert.ok(start.type === 'trainingStarted' && sameRun(state.training, start));
    assert.ok(start.type === 'trainingStarted' && !sameRun(state.training, { ...start, epochs: 7 }));
    // The extension's replay after the panel was shown again.
    let replayed = applyHostMessage(state, start, { continuing: true });
    replayed = fold(replayed, f.samplesReady(1), f.samplesReady(2), f.samplesReady(3), { type: 'interpolationReady', png: 'strip', steps: 8 });
    assert.equal(shownGrid(replayed.samples)?.epoch, 2);
    assert.equal(timelineIndex(replayed.samples), 1);
    assert.deepEqual(replayed.samples.selection, [5, 10]);
    assert.deepEqual(replayed.samples.interpolation, { png: 'strip', steps: 8, from: 5, to: 10 });
    assert.equal(replayed.samples.grids.length, 3, 'replayed grids are not doubled');
    // A new run starts from nothing.
    const fresh = applyHostMessage(state, start);
    assert.deepEqual([fresh.samples.grids, fresh.samples.selection, fresh.samples.interpolation, fresh.samples.position], [[], [], null, null]);
  });

  it('a failed interpolation says why on the samples tab; a failed feature-map request on its own', () => {
    let state = fold(initialState(), f.trainingStarted('gan'), f.samplesReady(1));
    state = requestedInterpolation(toggleSample(toggleSample(state, 1), 2), 1, 2);
    state = fold(state, { type: 'inspectionFailed', message: 'No checkpoint of dcgan yet' });
    assert.deepEqual([state.samples.pending, state.samples.message, state.featureMaps.message], [null, 'No checkpoint of dcgan yet', null]);
    state = requestedInterpolation(state, 1, 2);
    assert.equal(state.samples.message, null, 'a new request clears the old reason');
    state = fold(state, { type: 'interpolationReady', png: 'strip', steps: 8 });
    assert.deepEqual([state.samples.message, state.samples.interpolation?.from, state.samples.interpolation?.to], [null, 1, 2]);
    state = fold(state, { type: 'inspectionFailed', message: 'no model' });
    assert.deepEqual([state.featureMaps.message, state.samples.message], ['no model', null]);
  });

  it('keeps at most TIMELINE_GRIDS grids, the first and the newest always', () => {
    let state = initialState({ kind: 'gan' });
    for (let epoch = 1; epoch <= 200; epoch++) state = applyHostMessage(state, { type: 'samplesReady', epoch, png: `png${epoch}`, rows: 1, columns: 1 });
    assert.ok(state.samples.grids.length <= TIMELINE_GRIDS);
    assert.equal(state.samples.grids[0]!.epoch, 1);
    assert.equal(state.samples.grids[state.samples.grids.length - 1]!.epoch, 200);
  });

  it('interpolation: two picks, a request, the strip remembers its ends', () => {
    let state = toggleSample(toggleSample(initialState({ kind: 'gan' }), 3), 7);
    assert.deepEqual(state.samples.selection, [3, 7]);
    assert.deepEqual(toggleSample(state, 9).samples.selection, [9], 'a third pick starts over');
    assert.deepEqual(toggleSample(state, 3).samples.selection, [7], 'picking again unpicks');
    state = requestedInterpolation(setSteps(state, 12), 3, 7);
    state = fold(state, { type: 'interpolationReady', png: 'strip', steps: 12 });
    assert.deepEqual(state.samples.interpolation, { png: 'strip', steps: 12, from: 3, to: 7 });
    assert.equal(state.samples.pending, null);
    assert.equal(setSteps(state, 1000).samples.steps, 32);
    assert.equal(setSteps(state, 0).samples.steps, 2);
  });

  it('thins a list by dropping every other entry, first and last kept', () => {
    assert.deepEqual(thin([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5), [0, 4, 8, 9]);
    assert.deepEqual(thin([0, 1, 2], 5), [0, 1, 2]);
  });

  it('names the parts each message redraws', () => {
    assert.deepEqual(partsChangedBy(f.progressed(1, 1)), ['status', 'charts']);
    assert.deepEqual(partsChangedBy({ type: 'featureMapsComputed', layer: 'C1', maps: f.featureMaps() }), ['maps', 'layers']);
    assert.deepEqual(partsChangedBy({ type: 'showTab', tab: 'summary' }), ['tabs']);
  });

  it('persists through JSON and restores; big feature maps are dropped; anything else restores as null', () => {
    let state = fold(initialState(), f.summaryUpdated(), f.trainingStarted(), f.epochEnded(1), f.progressed(2, 40), f.LAYERS, {
      type: 'featureMapsComputed',
      layer: 'C1',
      maps: f.featureMaps(),
    });
    state = selectTab(selectLayer(state, 'S2'), 'featureMaps');
    const restored = restoreState(JSON.parse(JSON.stringify(persistable(state))));
    assert.deepEqual(restored, JSON.parse(JSON.stringify(state)));
    const big = fold(state, { type: 'featureMapsComputed', layer: 'C1', maps: f.featureMaps(90, 28, 28) });
    assert.ok(90 * 28 * 28 > PERSISTED_VALUES);
    assert.equal(persistable(big).featureMaps.maps, null);
    const drawn = fold(state, { type: 'featureMapsComputed', layer: 'C1', maps: f.featureMaps(), input: f.inputImage('drawing') });
    const saved = JSON.parse(JSON.stringify(persistable(drawn))) as unknown;
    assert.deepEqual(restoreState(saved)?.featureMaps.image, { caption: 'drawing', width: 28, height: 28, channels: 1, pixels: f.inputImage().pixels });
    assert.ok(JSON.stringify(saved).length - JSON.stringify(persistable(state)).length < 1200, 'a 28×28 input adds about 1 KB to the saved state');
    const photo = fold(state, { type: 'featureMapsComputed', layer: 'C1', maps: f.featureMaps(), input: f.inputImage('photo.jpg', 224, 224, 3) });
    assert.ok(224 * 224 * 3 > PERSISTED_IMAGE_BYTES && 64 * 64 * 3 <= PERSISTED_IMAGE_BYTES);
    assert.equal(persistable(photo).featureMaps.image, null, 'a big input image is not persisted');
    assert.equal(persistable(photo).featureMaps.maps?.layer, 'C1', 'its small maps are');
    // A state saved before input images existed, or with a damaged one, restores without one.
    const old = JSON.parse(JSON.stringify(persistable(state))) as { featureMaps: Record<string, unknown> };
    delete old.featureMaps['image'];
    assert.equal(restoreState(old)?.featureMaps.image, null);
    assert.equal(restoreState({ ...old, featureMaps: { ...old.featureMaps, image: { ...f.inputImage(), pixels: 'AP8=' } } })?.featureMaps.image, null);
    let gan = fold(initialState({ kind: 'gan' }), f.trainingStarted('gan', 40));
    for (let epoch = 1; epoch <= 40; epoch++) gan = applyHostMessage(gan, { type: 'samplesReady', epoch, png: `png${epoch}`, rows: 1, columns: 1 });
    gan = setTimeline(gan, 22);
    const kept = persistable(gan).samples.grids.map((grid) => grid.epoch);
    assert.ok(kept.length <= PERSISTED_GRIDS, `${kept.length} grids persisted`);
    assert.deepEqual([kept[0], kept.at(-1), kept.includes(23)], [1, 40, true], 'the first, the newest and the shown grid are kept');
    for (const garbage of [undefined, null, 'state', [], {}, { ...state, version: 0 }, { ...state, tab: 'nope' }, { ...state, training: null }, { ...state, samples: { grids: 'x' } }]) {
      assert.equal(restoreState(JSON.parse(JSON.stringify(garbage ?? null))), null, JSON.stringify(garbage)?.slice(0, 40));
    }
  });
});

describe('webviews: panel state — receptive fields and Grad-CAM', () => {
  const image = f.inputImage();
  const mapsOf = (input = image): HostMessage => ({ type: 'featureMapsComputed', layer: 'C3', maps: f.featureMaps(16, 10, 10), input });
  const field: HostMessage = { type: 'effectiveReceptiveFieldComputed', layer: 'C3', unit: { channel: 3, row: 4, column: 6 }, field: { shape: [28, 28], values: new Array(784).fill(0.5), min: 0.5, max: 0.5 } };
  const cam: HostMessage = { type: 'gradCamComputed', layer: 'C3', classIndex: 7, label: '7', probability: 0.91, cam: { shape: [10, 10], values: new Array(100).fill(1), min: 1, max: 1 } };

  it('a clicked unit waits for its effective field, which then stands until other maps come', () => {
    let state = fold(initialState(), mapsOf());
    state = selectUnit(state, 'C3', { channel: 3, row: 4, column: 6 });
    assert.deepEqual([state.featureMaps.selectedUnit, state.featureMaps.busy], [{ layer: 'C3', unit: { channel: 3, row: 4, column: 6 } }, true]);
    state = fold(state, field);
    assert.deepEqual([state.featureMaps.effectiveField?.unit, state.featureMaps.busy], [{ channel: 3, row: 4, column: 6 }, false]);
    assert.deepEqual(partsChangedBy(field), ['maps', 'layers']);
    // A late answer to an earlier click changes nothing: the unit clicked last waits on.
    const later = selectUnit(state, 'C3', { channel: 0, row: 0, column: 0 });
    assert.equal(fold(later, field), later);
    state = fold(state, mapsOf());
    assert.deepEqual([state.featureMaps.selectedUnit, state.featureMaps.effectiveField], [null, null]);
    assert.equal(fold(state, field), state, 'nor an answer after the maps changed');
  });

  it('Grad-CAM stands for the picture it was of: kept with other maps of it, dropped for another picture', () => {
    let state = requestedGradCam(fold(initialState(), mapsOf()), 'C3');
    assert.deepEqual([state.featureMaps.camLayer, state.featureMaps.busy], ['C3', true]);
    state = fold(state, cam);
    assert.deepEqual([state.featureMaps.gradCam?.label, state.featureMaps.gradCam?.probability, state.featureMaps.busy], ['7', 0.91, false]);
    assert.deepEqual(partsChangedBy(cam), ['predictions', 'layers']);
    assert.equal(fold(state, mapsOf()).featureMaps.gradCam?.classIndex, 7);
    assert.equal(fold(state, mapsOf(f.inputImage('drawing'))).featureMaps.gradCam, null);
  });

  it('persisted when small; a state saved before them restores without them', () => {
    const state = fold(selectUnit(fold(initialState(), mapsOf()), 'C3', { channel: 3, row: 4, column: 6 }), field, cam);
    const saved = JSON.parse(JSON.stringify(persistable(state))) as PanelState;
    assert.equal(restoreState(saved)?.featureMaps.gradCam?.label, '7');
    assert.equal(restoreState(saved)?.featureMaps.effectiveField?.layer, 'C3');
    const old = JSON.parse(JSON.stringify(persistable(fold(initialState(), mapsOf())))) as Record<string, any>;
    for (const key of ['selectedUnit', 'effectiveField', 'gradCam', 'camLayer']) delete old['featureMaps'][key];
    const restored = restoreState(old);
    assert.deepEqual([restored?.featureMaps.selectedUnit, restored?.featureMaps.effectiveField, restored?.featureMaps.gradCam, restored?.featureMaps.camLayer], [null, null, null, null]);
  });
});

describe('webviews: panel state — the input a unit or Grad-CAM is asked about', () => {
  const shown = (input: Parameters<typeof requestedFeatureMaps>[2] | null, caption: string) => {
    const base = input === null ? initialState() : requestedFeatureMaps(initialState(), 'C1', input);
    return fold(base, { type: 'featureMapsComputed', layer: 'C1', maps: f.featureMaps(1, 2, 2), input: f.inputImage(caption, 2, 1, 1, (_row, column) => [0, 255][column]!) });
  };

  it('the input the panel asked for; an image file is the one picked last', () => {
    assert.deepEqual(inputOfShownMaps(shown({ source: 'testSample', index: 4 }, 'test sample #4')), { source: 'testSample', index: 4 });
    assert.deepEqual(inputOfShownMaps(shown({ source: 'imageFile' }, 'cat.png')), { source: 'imageFile', reuse: true });
  });

  it("for maps the extension showed unasked, the one the picture's caption names", () => {
    assert.deepEqual(inputOfShownMaps(shown(null, 'test sample #0')), { source: 'testSample', index: 0 });
    assert.deepEqual(inputOfShownMaps(shown(null, 'drawing')), { source: 'drawing', width: 2, height: 1, pixels: [0, 1] });
    assert.deepEqual(inputOfShownMaps(shown(null, 'seven.png')), { source: 'imageFile', reuse: true });
    assert.equal(inputOfShownMaps(initialState()), null);
  });
});
