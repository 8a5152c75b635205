import assert from 'node:assert/strict';
import { isHostMessage, isPanelInitialState, isPanelMessage, type HostMessage, type PanelMessage } from '../../webviews/protocol';
import * as f from './fixtures';

/** One valid message of every HostMessage type (the Record makes a new type a compile error here). */
const VALID_HOST: Readonly<Record<HostMessage['type'], HostMessage>> = {
  summaryUpdated: f.summaryUpdated(),
  showTab: { type: 'showTab', tab: 'featureMaps' },
  trainingStarted: f.trainingStarted(),
  trainingProgressed: f.progressed(1, 10),
  epochEnded: f.epochEnded(1),
  trainingFinished: f.trainingFinished(),
  trainingStopped: { type: 'trainingStopped', epoch: 0 },
  trainingFailed: { type: 'trainingFailed', message: 'out of memory' },
  layersListed: f.LAYERS,
  featureMapsComputed: { type: 'featureMapsComputed', layer: 'C1', maps: f.featureMaps() },
  filtersComputed: { type: 'filtersComputed', layer: 'C1', filters: f.filters() },
  predictionsComputed: f.PREDICTIONS,
  samplesReady: f.samplesReady(1),
  interpolationReady: { type: 'interpolationReady', png: 'iVBORw0KGgo=', steps: 8 },
  inspectionFailed: { type: 'inspectionFailed', message: 'no checkpoint yet' },
};

const VALID_PANEL: Readonly<Record<PanelMessage['type'], readonly PanelMessage[]>> = {
  ready: [{ type: 'ready' }],
  revealLine: [{ type: 'revealLine', line: 21 }],
  stopTraining: [{ type: 'stopTraining' }],
  startTraining: [{ type: 'startTraining' }],
  computeFeatureMaps: [
    { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'testSample', index: 0 } },
    { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'imageFile' } },
    { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'imageFile', reuse: true } },
    { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'drawing', width: 2, height: 2, pixels: [0, 0.5, 1, 0] } },
  ],
  interpolate: [{ type: 'interpolate', from: 0, to: 15, steps: 8 }],
};

/** A deep copy with one change (messages are plain JSON). */
function changed<T>(message: T, edit: (copy: Record<string, any>) => void): unknown {
  const copy = JSON.parse(JSON.stringify(message)) as Record<string, any>;
  edit(copy);
  return copy;
}

describe('webviews: protocol validators', () => {
  it('accepts a valid message of every host type, also after a JSON round trip', () => {
    for (const [type, message] of Object.entries(VALID_HOST)) {
      assert.equal(isHostMessage(message), true, type);
      assert.equal(isHostMessage(JSON.parse(JSON.stringify(message))), true, `${type} after JSON`);
    }
  });

  it('accepts every panel request', () => {
    for (const [type, messages] of Object.entries(VALID_PANEL)) for (const message of messages) assert.equal(isPanelMessage(message), true, type);
  });

  it('rejects what is not a message at all', () => {
    for (const value of [null, undefined, 0, 'summaryUpdated', [], [{ type: 'showTab', tab: 'summary' }], {}, { type: 42 }, { tab: 'summary' }]) {
      assert.equal(isHostMessage(value), false, JSON.stringify(value) ?? String(value));
      assert.equal(isPanelMessage(value), false, JSON.stringify(value) ?? String(value));
    }
  });

  it('rejects unknown types, including names inherited from Object.prototype', () => {
    for (const type of ['nope', 'toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      assert.equal(isHostMessage({ type }), false, type);
      assert.equal(isPanelMessage({ type }), false, type);
    }
    assert.equal(isHostMessage({ type: 'stopTraining' }), false, 'a panel request is not a host message');
    assert.equal(isPanelMessage({ type: 'summaryUpdated', summary: f.LENET_SUMMARY }), false, 'a host message is not a panel request');
  });

  it('rejects malformed host messages field by field', () => {
    const malformed: [string, unknown][] = [
      ['summary missing', { type: 'summaryUpdated' }],
      ['summary rows not an array', changed(VALID_HOST.summaryUpdated, (m) => (m['summary'].rows = {}))],
      ['row without a name', changed(VALID_HOST.summaryUpdated, (m) => delete m['summary'].rows[1].name)],
      ['row with a negative depth', changed(VALID_HOST.summaryUpdated, (m) => (m['summary'].rows[1].depth = -1))],
      ['row params as text', changed(VALID_HOST.summaryUpdated, (m) => (m['summary'].rows[1].params = '156'))],
      ['row line fractional', changed(VALID_HOST.summaryUpdated, (m) => (m['summary'].rows[1].line = 2.5))],
      ['finding with unknown severity', changed(VALID_HOST.summaryUpdated, (m) => (m['summary'].findings[0].severity = 'fatal'))],
      ['totals missing', changed(VALID_HOST.summaryUpdated, (m) => delete m['summary'].totals)],
      ['summary kind', changed(VALID_HOST.summaryUpdated, (m) => (m['summary'].kind = 'net'))],
      ['unknown tab', { type: 'showTab', tab: 'filters' }],
      ['training kind', changed(VALID_HOST.trainingStarted, (m) => (m['kind'] = 'regressor'))],
      ['dataset missing', changed(VALID_HOST.trainingStarted, (m) => delete m['dataset'])],
      ['loss NaN', { ...(VALID_HOST.trainingProgressed as object), loss: NaN }],
      ['loss Infinity', { ...(VALID_HOST.trainingProgressed as object), loss: Infinity }],
      ['loss as text', changed(VALID_HOST.trainingProgressed, (m) => (m['loss'] = '0.3'))],
      ['batch negative', changed(VALID_HOST.trainingProgressed, (m) => (m['batch'] = -1))],
      ['images/s missing', changed(VALID_HOST.trainingProgressed, (m) => delete m['imagesPerSecond'])],
      ['validation loss missing (not null)', changed(VALID_HOST.epochEnded, (m) => delete m['validationLoss'])],
      ['confusion matrix not square', changed(VALID_HOST.trainingFinished, (m) => m['confusionMatrix'][0].pop())],
      ['classes do not match the matrix', changed(VALID_HOST.trainingFinished, (m) => m['classes'].pop())],
      ['confusion cell as text', changed(VALID_HOST.trainingFinished, (m) => (m['confusionMatrix'][2][2] = '97'))],
      ['stopped epoch missing', { type: 'trainingStopped' }],
      ['failure without message', { type: 'trainingFailed', message: 42 }],
      ['layer without kind', { type: 'layersListed', layers: [{ name: 'C1', output: '6@28×28' }] }],
      ['values fewer than the shape', changed(VALID_HOST.featureMapsComputed, (m) => m['maps'].values.pop())],
      ['min above max', changed(VALID_HOST.featureMapsComputed, (m) => (m['maps'].min = 10))],
      ['shape with a fraction', changed(VALID_HOST.filtersComputed, (m) => (m['filters'].shape = [6, 5.5, 5]))],
      ['empty shape', { type: 'featureMapsComputed', layer: 'C1', maps: { shape: [], values: [1], min: 1, max: 1 } }],
      ['probability missing', { type: 'predictionsComputed', predictions: [{ label: '7' }] }],
      ['zero rows of samples', changed(VALID_HOST.samplesReady, (m) => (m['rows'] = 0))],
      ['samples png missing', changed(VALID_HOST.samplesReady, (m) => delete m['png'])],
      ['interpolation steps missing', { type: 'interpolationReady', png: 'x' }],
    ];
    for (const [what, message] of malformed) assert.equal(isHostMessage(message), false, what);
  });

  it('rejects malformed panel requests', () => {
    const malformed: [string, unknown][] = [
      ['line 0', { type: 'revealLine', line: 0 }],
      ['line as text', { type: 'revealLine', line: '21' }],
      ['layer missing', { type: 'computeFeatureMaps', input: { source: 'testSample', index: 0 } }],
      ['unknown source', { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'camera' } }],
      ['negative sample', { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'testSample', index: -1 } }],
      ['reuse not boolean', { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'imageFile', reuse: 'yes' } }],
      ['pixels do not match the size', { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'drawing', width: 28, height: 28, pixels: [0, 1] } }],
      ['pixel NaN', { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'drawing', width: 1, height: 1, pixels: [NaN] } }],
      ['one step', { type: 'interpolate', from: 0, to: 1, steps: 1 }],
      ['from missing', { type: 'interpolate', to: 1, steps: 8 }],
    ];
    for (const [what, message] of malformed) assert.equal(isPanelMessage(message), false, what);
  });

  it('checks the initial state embedded in the HTML', () => {
    assert.equal(isPanelInitialState({}), true);
    assert.equal(isPanelInitialState({ title: 'lenet5', kind: 'model', tab: 'training', summary: f.LENET_SUMMARY }), true);
    assert.equal(isPanelInitialState({ tab: 'nope' }), false);
    assert.equal(isPanelInitialState({ kind: 'classifier' }), false);
    assert.equal(isPanelInitialState({ summary: { title: 'x' } }), false);
    assert.equal(isPanelInitialState(null), false);
    assert.equal(isPanelInitialState([]), false);
  });
});
