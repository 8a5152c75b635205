import assert from 'node:assert/strict';
import { formatCount, formatPercent, formatRate, formatSi, formatValue } from '../../webviews/panel/format';
import { accuracyCurves, confusionShares, lossCurves, overallProgress, perClassAccuracy, visibleTabs } from '../../webviews/panel/view-model';
import { applyHostMessage, initialState } from '../../webviews/panel/state';
import * as f from './fixtures';

describe('webviews: formatting', () => {
  it('formats counts, SI magnitudes, percentages, values and rates', () => {
    assert.equal(formatCount(61_706), '61,706');
    assert.equal(formatCount(null), '?');
    assert.equal(formatSi(1_814_073_344), '1.81 G');
    assert.equal(formatSi(416_520), '417 k');
    assert.equal(formatSi(48_000), '48.0 k');
    assert.equal(formatSi(840), '840');
    assert.equal(formatSi(null), '?');
    assert.equal(formatPercent(0.98714), '98.71%');
    assert.equal(formatPercent(0.5, 1), '50.0%');
    assert.equal(formatValue(0.123456), '0.1235');
    assert.equal(formatValue(0.00001234), '1.23e-5');
    assert.equal(formatValue(0), '0');
    assert.equal(formatValue(-2), '-2');
    assert.equal(formatRate(2150.4), '2,150 images/s');
  });
});

describe('webviews: view model', () => {
  it('loss curves: per-epoch train and validation with markers, the running epoch as a live trace', () => {
    let state = applyHostMessage(initialState(), f.trainingStarted('classifier', 5));
    for (const message of [f.epochEnded(1), f.epochEnded(2), f.progressed(3, 50)]) state = applyHostMessage(state, message);
    const loss = lossCurves(state.training);
    assert.deepEqual(
      loss.series.map((series) => series.id),
      ['train', 'train-live', 'validation'],
    );
    assert.deepEqual(
      loss.series[0]!.points.map((point) => point.x),
      [1, 2],
    );
    assert.deepEqual(
      loss.series[1]!.points.map((point) => point.x),
      [2, 2.5],
      'the live trace starts at the last epoch point',
    );
    assert.equal(loss.xMax, 5);
    const accuracy = accuracyCurves(state.training)!;
    assert.equal(accuracy.yPercent, true);
    assert.deepEqual(accuracy.yClamp, [0, 1]);
  });

  it('a GAN plots discriminator and generator losses and no accuracy', () => {
    let state = applyHostMessage(initialState(), f.trainingStarted('gan', 3));
    state = applyHostMessage(state, f.epochEnded(1, true));
    assert.deepEqual(
      lossCurves(state.training).series.map((series) => series.label),
      ['discriminator', 'discriminator (this epoch)', 'generator', 'generator (this epoch)'],
    );
    assert.equal(accuracyCurves(state.training), null);
  });

  it('overall progress and confusion shares', () => {
    assert.equal(overallProgress({ epoch: 2, epochs: 4, batch: 50, batches: 100, loss: 1, accuracy: null, generatorLoss: null, imagesPerSecond: 1 }, 4), 0.375);
    assert.equal(overallProgress(null, 4), 0);
    assert.deepEqual(
      confusionShares([
        [3, 1],
        [0, 0],
      ]),
      [
        [0.75, 0.25],
        [0, 0],
      ],
    );
    assert.deepEqual(perClassAccuracy(f.confusionMatrix()), new Array(10).fill(0.97));
  });

  it('offers feature maps for models and samples for GANs', () => {
    assert.deepEqual(visibleTabs(initialState({ kind: 'model' })), ['summary', 'training', 'featureMaps']);
    assert.deepEqual(visibleTabs(initialState({ kind: 'gan' })), ['summary', 'training', 'samples']);
    assert.deepEqual(visibleTabs(initialState({ kind: 'gan', tab: 'featureMaps' })), ['summary', 'training', 'featureMaps', 'samples']);
  });
});
