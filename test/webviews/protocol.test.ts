import assert from 'node:assert/strict';
import { isBase64Of, isHostMessage, isInputImage, isPanelInitialState, isPanelMessage, type HostMessage, type PanelMessage } from '../../webviews/protocol';
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

  it('feature maps may carry the input image the network received: grey or RGB bytes in base64', () => {
    const maps = { type: 'featureMapsComputed', layer: 'C1', maps: f.featureMaps() };
    const valid: [string, unknown][] = [
      ['MNIST-sized grey', { ...maps, input: f.inputImage() }],
      ['2×1 grey: black, white', { ...maps, input: { caption: 'test sample #0', width: 2, height: 1, channels: 1, pixels: 'AP8=' } }],
      ['1×1 RGB: red', { ...maps, input: { caption: 'red.png', width: 1, height: 1, channels: 3, pixels: '/wAA' } }],
      ['CIFAR-sized RGB', { ...maps, input: f.inputImage('cat.png', 32, 32, 3) }],
    ];
    for (const [what, message] of valid) assert.equal(isHostMessage(message), true, what);
    assert.equal(f.inputImage().pixels.length, 1048, '784 bytes are 1,048 characters of base64');
    const input = { caption: 'drawing', width: 2, height: 1, channels: 1, pixels: 'AP8=' };
    const malformed: [string, unknown][] = [
      ['caption missing', { ...input, caption: undefined }],
      ['caption not text', { ...input, caption: 12 }],
      ['width 0', { ...input, width: 0, pixels: '' }],
      ['fractional height', { ...input, height: 0.5 }],
      ['two channels', { ...input, channels: 2 }],
      ['four channels', { ...input, channels: 4, width: 1, height: 1, pixels: 'AAAAAA==' }],
      ['fewer bytes than the size', { ...input, width: 3 }],
      ['more bytes than the size', { ...input, pixels: 'AP8A' }],
      ['not base64', { ...input, pixels: 'AP*=' }],
      ['wrong padding', { ...input, pixels: 'AP==' }],
      ['pixels as numbers', { ...input, pixels: [0, 255] }],
      ['null', null],
    ];
    for (const [what, image] of malformed) {
      assert.equal(isInputImage(image), false, what);
      assert.equal(isHostMessage({ ...maps, input: image }), false, `featureMapsComputed with ${what}`);
    }
    assert.equal(isInputImage(input), true);
  });

  it('base64 of exactly n bytes, padded', () => {
    const cases: [string, number, boolean][] = [
      ['', 0, true],
      ['AA==', 1, true],
      ['AAA=', 2, true],
      ['AAAA', 3, true],
      ['AAAAAA==', 4, true],
      ['AAA=', 1, false],
      ['AA==', 2, false],
      ['AA=A', 2, false],
      ['AAAA', 2, false],
      ['AAAA=', 3, false],
      ['AA AA', 3, false],
      ['AAAA====', 3, false],
    ];
    for (const [text, bytes, expected] of cases) assert.equal(isBase64Of(text, bytes), expected, `${JSON.stringify(text)} as ${bytes} bytes`);
    assert.equal(isBase64Of(Buffer.from([0, 255, 7, 9, 1]).toString('base64'), 5), true);
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
