import assert from 'node:assert/strict';
import { isBase64Of, isHostMessage, isInputImage, isPanelInitialState, isPanelMessage, PROTOCOL_LIMITS, type HostMessage, type PanelMessage } from '../../webviews/protocol';
import { loadable, passesWithInheritedElement } from '../protocol-corpus';
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
  effectiveReceptiveFieldComputed: { type: 'effectiveReceptiveFieldComputed', layer: 'C1', unit: { channel: 0, row: 1, column: 2 }, field: { shape: [1, 2], values: [0, 1], min: 0, max: 1 } },
  gradCamComputed: { type: 'gradCamComputed', layer: 'C1', classIndex: 3, label: '3', probability: 0.5, cam: { shape: [1, 1], values: [2], min: 2, max: 2 } },
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
  saveDiagram: [
    { type: 'saveDiagram', format: 'svg', data: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' },
    // A 1×1 PNG's signature and IHDR.
    { type: 'saveDiagram', format: 'png', data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==' },
  ],
  computeEffectiveReceptiveField: [{ type: 'computeEffectiveReceptiveField', layer: 'C1', unit: { channel: 0, row: 1, column: 2 }, input: { source: 'testSample', index: 0 } }],
  computeGradCam: [{ type: 'computeGradCam', layer: null, classIndex: null, input: { source: 'imageFile', reuse: true } }],
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
      ['diagram as HTML', { type: 'saveDiagram', format: 'svg', data: '<html><svg></svg></html>' }],
      ['diagram PNG that is not one', { type: 'saveDiagram', format: 'png', data: 'PHN2Zz4=' }],
      ['diagram SVG sent as PNG', { type: 'saveDiagram', format: 'png', data: '<svg></svg>' }],
      ['diagram as JPEG', { type: 'saveDiagram', format: 'jpeg', data: '<svg></svg>' }],
    ];
    for (const [what, message] of malformed) assert.equal(isPanelMessage(message), false, what);
  });

  it('reads only own fields of plain objects: nothing from a prototype, no __proto__ key, no class instance', () => {
    const interpolate = { type: 'interpolate', from: 0, to: 1, steps: 8 };
    assert.equal(isPanelMessage(interpolate), true);
    assert.equal(isPanelMessage(Object.assign(Object.create(null), interpolate)), true, 'a null prototype is plain');
    assert.equal(isPanelMessage(Object.create(interpolate)), false, 'every field on the prototype');
    assert.equal(isPanelMessage(Object.assign(Object.create({ steps: 8 }), { type: 'interpolate', from: 0, to: 1 })), false, 'steps on the prototype');
    assert.equal(isPanelMessage(JSON.parse('{"__proto__": {"type": "interpolate", "from": 0, "to": 1, "steps": 8}}')), false, 'fields under an own __proto__ key');
    assert.equal(isPanelMessage(JSON.parse('{"type": "ready", "__proto__": {"polluted": true}}')), false, 'an own __proto__ key');
    assert.equal(isPanelMessage(Object.assign(new (class Request {})(), interpolate)), false, 'a class instance');
    const polluted = Object.prototype as Record<string, unknown>;
    polluted['steps'] = 8;
    try {
      assert.equal(isPanelMessage({ type: 'interpolate', from: 0, to: 1 }), false, 'steps from a polluted Object.prototype');
    } finally {
      delete polluted['steps'];
    }
  });

  it('rejects sparse arrays: every index must be an own element', () => {
    const finished = { type: 'trainingFinished', testAccuracy: 0.5, confusionMatrix: [[1, 0], [0, 1]], classes: ['a', 'b'] };
    assert.equal(isHostMessage(finished), true);
    assert.equal(isHostMessage({ ...finished, confusionMatrix: [[1, , ], [0, 1]] }), false, 'a hole in a row');
    assert.equal(isHostMessage({ ...finished, classes: new Array(2) }), false, 'two holes');
    assert.equal(isHostMessage({ type: 'predictionsComputed', predictions: [, { label: '7', probability: 1 }] }), false);
    assert.equal(isPanelMessage({ type: 'computeFeatureMaps', layer: 'C1', input: { source: 'drawing', width: 2, height: 1, pixels: [0, ,] } }), false);
    // pixels: [,] with Array.prototype[0] = 0.5 meanwhile, in the corpus's isolated thread
    // (an element on Array.prototype slows every array of the process for good: test/protocol-corpus.ts).
    const panelMessages = loadable(isPanelMessage, require.resolve('../../webviews/protocol'), 'isPanelMessage');
    const drawing = { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'drawing', width: 1, height: 1, pixels: [0.5] } };
    assert.equal(panelMessages(drawing), true);
    assert.equal(passesWithInheritedElement(panelMessages, drawing, ['input', 'pixels', 0]), false, 'a hole filled by Array.prototype');
  });

  it('holds every number to its range: counts, probabilities, steps, the sample grid', () => {
    const finished = (matrix: number[][]): unknown => ({ type: 'trainingFinished', testAccuracy: 0.5, confusionMatrix: matrix, classes: null });
    assert.equal(isHostMessage(finished([[3, 0], [1, 2]])), true);
    assert.equal(isHostMessage(finished([[3, -1], [1, 2]])), false, 'a negative count');
    assert.equal(isHostMessage(finished([[3, 0.5], [1, 2]])), false, 'a fractional count');
    assert.equal(isHostMessage({ type: 'trainingFinished', testAccuracy: 1.5, confusionMatrix: null, classes: null }), false, 'an accuracy of 150%');
    const predictions = (probability: number): unknown => ({ type: 'predictionsComputed', predictions: [{ label: '7', probability }] });
    assert.deepEqual([0, 1, 7, -0.1, 1.0000001].map((p) => isHostMessage(predictions(p))), [true, true, false, false, false]);
    const interpolate = (from: number, to: number, steps: number): boolean => isPanelMessage({ type: 'interpolate', from, to, steps });
    assert.deepEqual(
      [interpolate(0, 63, 2), interpolate(63, 0, 32), interpolate(0, 1, 33), interpolate(0, 1, 1e9), interpolate(0, 64, 8), interpolate(0.5, 1, 8)],
      [true, true, false, false, false, false],
    );
    const strip = (steps: number): boolean => isHostMessage({ type: 'interpolationReady', png: f.gridPng(1, 64, 1, () => [0, 0, 0]), steps });
    assert.deepEqual([strip(2), strip(64), strip(65)], [true, true, false], 'a strip from the runtime may have up to 64 steps');
    const grid = (rows: number, columns: number, png = f.gridPng(8, 8, 1, () => [0, 0, 0])): boolean => isHostMessage({ type: 'samplesReady', epoch: 1, png, rows, columns });
    assert.deepEqual([grid(8, 8), grid(1, 64, f.gridPng(1, 64, 1, () => [0, 0, 0])), grid(8, 9), grid(1e9, 1e9), grid(0, 8)], [true, true, false, false, false]);
    assert.equal(grid(8, 8, f.gridPng(4, 4, 1, () => [0, 0, 0])), false, 'a 4×4-pixel PNG for 8×8 cells');
    const progress = f.progressed(2, 10);
    assert.equal(isHostMessage({ ...progress, epoch: 6 }), false, 'epoch 6 of 5');
    assert.equal(isHostMessage({ ...progress, batch: 101 }), false, 'batch 101 of 100');
    assert.equal(isHostMessage({ ...progress, batch: 0 }), false, 'batches count from 1');
    assert.equal(isHostMessage({ ...progress, imagesPerSecond: -1 }), false);
    assert.equal(isHostMessage(f.epochEnded(0)), false, 'epochs count from 1');
    assert.equal(isHostMessage({ type: 'trainingStopped', epoch: 0 }), true, 'stopped before the first epoch ended');
    assert.equal(isHostMessage({ type: 'featureMapsComputed', layer: 'C1', maps: { ...f.featureMaps(), max: 2.5 } }), false, 'a value above max');
    assert.equal(isHostMessage(f.summaryUpdated({ ...f.LENET_SUMMARY, totals: { ...f.LENET_SUMMARY.totals, trainable: -1 } })), false, 'negative parameters');
    assert.equal(isHostMessage(f.summaryUpdated({ ...f.LENET_SUMMARY, findings: [{ code: 'CL1', severity: 'info', message: 'm', line: 0 }] })), false, 'line 0 (lines are 1-based)');
  });

  it('bounds the sizes a receiver allocates for: images, drawings, tensors, text', () => {
    const base64Of = (bytes: number): string => `${'A'.repeat(4 * Math.ceil(bytes / 3) - ((3 - (bytes % 3)) % 3))}${'='.repeat((3 - (bytes % 3)) % 3)}`;
    const image = (width: number, height: number, channels: 1 | 3): unknown => ({ caption: 'big', width, height, channels, pixels: base64Of(width * height * channels) });
    assert.deepEqual(PROTOCOL_LIMITS.imageBytes, 16_777_216);
    assert.equal(isInputImage(image(4_096, 4_096, 1)), true, '16 MiB of grey');
    assert.equal(isInputImage(image(4_096, 4_096, 3)), false, '48 MiB of RGB');
    assert.equal(isInputImage(image(4_097, 1, 1)), false, 'wider than 4,096');
    const drawing = (width: number, height: number, pixels: number[]): boolean => isPanelMessage({ type: 'computeFeatureMaps', layer: 'C1', input: { source: 'drawing', width, height, pixels } });
    assert.equal(drawing(2, 1, [0, 1]), true);
    assert.equal(drawing(2, 1, [0, 1.5]), false, 'grey above 1');
    assert.equal(drawing(1e9, 1e9, [0]), false);
    const tensor = (shape: number[], values: number[]): boolean => isHostMessage({ type: 'filtersComputed', layer: 'C1', filters: { shape, values, min: 0, max: 0 } });
    assert.equal(tensor([1, 1, 1, 1, 1, 1, 1, 1], [0]), true, 'rank 8');
    assert.equal(tensor([1, 1, 1, 1, 1, 1, 1, 1, 1], [0]), false, 'rank 9');
    assert.equal(tensor([0, 5, 5], []), true, 'an empty filter bank');
    assert.equal(tensor([1e9, 1e9], [0]), false);
    assert.equal(isHostMessage({ type: 'trainingFailed', message: 'x'.repeat(1_048_576) }), true);
    assert.equal(isHostMessage({ type: 'trainingFailed', message: 'x'.repeat(1_048_577) }), false);
    assert.equal(isPanelMessage({ type: 'computeFeatureMaps', layer: 'x'.repeat(32_769), input: { source: 'imageFile' } }), false);
    assert.equal(isHostMessage({ type: 'predictionsComputed', predictions: Array.from({ length: 1_025 }, () => ({ label: '7', probability: 0 })) }), false, 'more predictions than classes');
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
