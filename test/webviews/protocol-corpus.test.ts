/**
 * The panel protocol's validators (webviews/protocol.ts) against a generated corpus
 * (test/protocol-corpus.ts): one valid example of every message in both directions and of
 * the initial state, every field's range declared here, and every mutation that puts one
 * field outside its range must be rejected while the valid variants pass.
 */
import assert from 'node:assert/strict';
import { isHostMessage, isPanelInitialState, isPanelMessage, type HostMessage, type PanelMessage } from '../../webviews/protocol';
import { acceptedMutations, BAD_PIXELS, BAD_PNGS, bool, int, list, loadable, num, oneOf, optional, orNull, rec, rejectedVariants, text, type LoadableValidator, type Spec } from '../protocol-corpus';
import { gridPng } from './fixtures';

const TEXT = text(32_768);
const MESSAGE = text(1_048_576);
const LINE = orNull(int(1));
const COUNT = int(0);
const POSITIVE = int(1);
const FINITE = num();
const UNIT = num(0, 1);
const SIDE = int(1, 4_096);

const tag = (type: string): Spec => ({ type: oneOf(type) });

function summarySpec(summary: typeof rec): Spec {
  return {
    summary,
    'summary.title': TEXT,
    'summary.kind': oneOf('model', 'gan'),
    'summary.input': TEXT,
    'summary.output': TEXT,
    'summary.rows': list(0, 200_010),
    'summary.rows.*': rec,
    'summary.rows.*.name': TEXT,
    'summary.rows.*.kind': TEXT,
    'summary.rows.*.depth': int(0, 1_010),
    'summary.rows.*.container': bool,
    'summary.rows.*.aux': bool,
    'summary.rows.*.output': TEXT,
    'summary.rows.*.params': orNull(COUNT),
    'summary.rows.*.macs': orNull(COUNT),
    'summary.rows.*.receptiveField': orNull(TEXT),
    'summary.rows.*.line': LINE,
    'summary.totals': rec,
    'summary.totals.trainable': orNull(COUNT),
    'summary.totals.nonTrainable': orNull(COUNT),
    'summary.totals.aux': orNull(COUNT),
    'summary.totals.macs': orNull(COUNT),
    'summary.totals.receptiveField': orNull(TEXT),
    'summary.findings': list(0, 200_010),
    'summary.findings.*': rec,
    'summary.findings.*.code': TEXT,
    'summary.findings.*.severity': oneOf('error', 'warning', 'info'),
    'summary.findings.*.message': MESSAGE,
    'summary.findings.*.line': LINE,
  };
}

const SUMMARY = {
  title: 'lenet5',
  kind: 'model',
  input: '1@32×32',
  output: '10',
  rows: [
    { name: 'features', kind: 'sequential', depth: 0, container: true, aux: false, output: '6@28×28', params: 156, macs: 117_600, receptiveField: '5×5 / 1', line: 21 },
    { name: 'C1', kind: 'conv2d', depth: 1, container: false, aux: true, output: '6@28×28', params: 156, macs: 117_600, receptiveField: '5×5 / 1', line: 22 },
  ],
  totals: { trainable: 156, nonTrainable: 0, aux: 0, macs: 117_600, receptiveField: '5×5, jump 1×1' },
  findings: [{ code: 'CL2003', severity: 'warning', message: 'tanh after avgPool2d', line: 22 }],
} as const;

const TENSOR = (path: string): Spec => ({
  [path]: rec,
  [`${path}.shape`]: list(1, 8),
  [`${path}.shape.*`]: int(0, 16_777_216),
  [`${path}.values`]: list(0, 16_777_216),
  [`${path}.values.*`]: FINITE,
  [`${path}.min`]: FINITE,
  [`${path}.max`]: FINITE,
});
const MAPS = { shape: [2, 1, 2], values: [-1, 0, 0.5, 2], min: -1, max: 2 };
/** A heat map: rank 2, nothing negative. */
const HEAT = { shape: [2, 2], values: [0, 0.25, 1, 0.5], min: 0, max: 1 };
const HEAT_SPEC = (path: string): Spec => ({ ...TENSOR(path), [`${path}.shape`]: list(2, 2), [`${path}.min`]: num(0) });

/** Valid examples of every host message, every nullable field set, every optional one present, and the spec of its fields. */
const HOST: { readonly [K in HostMessage['type']]: { readonly examples: readonly Extract<HostMessage, { type: K }>[]; readonly spec: Spec } } = {
  summaryUpdated: { examples: [{ type: 'summaryUpdated', summary: SUMMARY }], spec: { ...tag('summaryUpdated'), ...summarySpec(rec) } },
  showTab: { examples: [{ type: 'showTab', tab: 'samples' }], spec: { ...tag('showTab'), tab: oneOf('summary', 'training', 'featureMaps', 'samples') } },
  trainingStarted: {
    examples: [{ type: 'trainingStarted', kind: 'gan', backend: 'wasm', dataset: '/data/faces', epochs: 5, batchesPerEpoch: 938 }],
    spec: { ...tag('trainingStarted'), kind: oneOf('classifier', 'gan'), backend: TEXT, dataset: TEXT, epochs: POSITIVE, batchesPerEpoch: orNull(POSITIVE) },
  },
  trainingProgressed: {
    examples: [{ type: 'trainingProgressed', epoch: 2, epochs: 5, batch: 10, batches: 938, loss: 0.31, accuracy: 0.9, generatorLoss: 1.2, imagesPerSecond: 2150.5 }],
    spec: { ...tag('trainingProgressed'), epoch: POSITIVE, epochs: POSITIVE, batch: POSITIVE, batches: POSITIVE, loss: FINITE, accuracy: orNull(UNIT), generatorLoss: orNull(FINITE), imagesPerSecond: num(0) },
  },
  epochEnded: {
    examples: [{ type: 'epochEnded', epoch: 1, loss: 0.31, accuracy: 0.91, validationLoss: 0.12, validationAccuracy: 0.965, generatorLoss: 0.8 }],
    spec: { ...tag('epochEnded'), epoch: POSITIVE, loss: FINITE, accuracy: orNull(UNIT), validationLoss: orNull(FINITE), validationAccuracy: orNull(UNIT), generatorLoss: orNull(FINITE) },
  },
  trainingFinished: {
    examples: [{ type: 'trainingFinished', testAccuracy: 0.75, confusionMatrix: [[2, 1], [0, 1]], classes: ['cat', 'dog'] }],
    spec: { ...tag('trainingFinished'), testAccuracy: orNull(UNIT), confusionMatrix: orNull(list(1, 1_024)), 'confusionMatrix.*': list(1, 1_024), 'confusionMatrix.*.*': COUNT, classes: orNull(list(0, 1_024)), 'classes.*': TEXT },
  },
  trainingStopped: { examples: [{ type: 'trainingStopped', epoch: 3 }], spec: { ...tag('trainingStopped'), epoch: COUNT } },
  trainingFailed: { examples: [{ type: 'trainingFailed', message: 'out of memory' }], spec: { ...tag('trainingFailed'), message: MESSAGE } },
  layersListed: {
    examples: [
      {
        type: 'layersListed',
        layers: [
          { name: 'C1', kind: 'conv2d', output: '6@28×28', receptiveField: { size: [5, 5], jump: [1, 1], start: [2, -0.5] } },
          { name: 'F6', kind: 'dense', output: '84' },
        ],
      },
    ],
    spec: {
      ...tag('layersListed'),
      layers: list(0, 200_010),
      'layers.*': rec,
      'layers.*.name': TEXT,
      'layers.*.kind': TEXT,
      'layers.*.output': TEXT,
      'layers.*.receptiveField': optional(rec),
      'layers.*.receptiveField.size': list(2, 2),
      'layers.*.receptiveField.size.*': num(Number.MIN_VALUE),
      'layers.*.receptiveField.jump': list(2, 2),
      'layers.*.receptiveField.jump.*': num(Number.MIN_VALUE),
      'layers.*.receptiveField.start': list(2, 2),
      'layers.*.receptiveField.start.*': FINITE,
    },
  },
  featureMapsComputed: {
    examples: [{ type: 'featureMapsComputed', layer: 'C1', maps: MAPS, input: { caption: 'test sample #12', width: 2, height: 1, channels: 1, pixels: 'AP8=' } }],
    spec: {
      ...tag('featureMapsComputed'),
      layer: TEXT,
      ...TENSOR('maps'),
      input: optional(rec),
      'input.caption': TEXT,
      'input.width': SIDE,
      'input.height': SIDE,
      'input.channels': int(1, 3, 2),
      'input.pixels': text(Infinity, ...BAD_PIXELS),
    },
  },
  filtersComputed: { examples: [{ type: 'filtersComputed', layer: 'C1', filters: MAPS }], spec: { ...tag('filtersComputed'), layer: TEXT, ...TENSOR('filters') } },
  predictionsComputed: {
    examples: [{ type: 'predictionsComputed', predictions: [{ label: '7', probability: 0.91, index: 7 }, { label: '1', probability: 0.09, index: 1 }] }],
    spec: { ...tag('predictionsComputed'), predictions: list(0, 1_024), 'predictions.*': rec, 'predictions.*.label': TEXT, 'predictions.*.probability': UNIT, 'predictions.*.index': optional(COUNT) },
  },
  samplesReady: {
    examples: [{ type: 'samplesReady', epoch: 3, png: gridPng(2, 4, 3, (index) => [index * 30, 0, 0]), rows: 2, columns: 4 }],
    spec: { ...tag('samplesReady'), epoch: POSITIVE, png: text(Infinity, ...BAD_PNGS, gridPng(1, 1, 1, () => [0, 0, 0])), rows: int(1, 64), columns: int(1, 64) },
  },
  interpolationReady: {
    examples: [{ type: 'interpolationReady', png: gridPng(1, 8, 2, (index) => [index * 30, 0, 0]), steps: 8 }],
    spec: { ...tag('interpolationReady'), png: text(Infinity, ...BAD_PNGS, gridPng(1, 7, 1, () => [0, 0, 0])), steps: int(2, 64) },
  },
  inspectionFailed: { examples: [{ type: 'inspectionFailed', message: 'no checkpoint yet' }], spec: { ...tag('inspectionFailed'), message: MESSAGE } },
  effectiveReceptiveFieldComputed: {
    examples: [{ type: 'effectiveReceptiveFieldComputed', layer: 'C3', unit: { channel: 3, row: 4, column: 6 }, field: HEAT }],
    spec: { ...tag('effectiveReceptiveFieldComputed'), layer: TEXT, unit: rec, 'unit.channel': COUNT, 'unit.row': COUNT, 'unit.column': COUNT, ...HEAT_SPEC('field') },
  },
  gradCamComputed: {
    examples: [{ type: 'gradCamComputed', layer: 'C3', classIndex: 7, label: '7', probability: 0.93, cam: HEAT }],
    spec: { ...tag('gradCamComputed'), layer: TEXT, classIndex: COUNT, label: TEXT, probability: UNIT, ...HEAT_SPEC('cam') },
  },
};

const PANEL: { readonly [K in PanelMessage['type']]: { readonly examples: readonly Extract<PanelMessage, { type: K }>[]; readonly spec: Spec } } = {
  ready: { examples: [{ type: 'ready' }], spec: tag('ready') },
  revealLine: { examples: [{ type: 'revealLine', line: 21 }], spec: { ...tag('revealLine'), line: POSITIVE } },
  stopTraining: { examples: [{ type: 'stopTraining' }], spec: tag('stopTraining') },
  startTraining: { examples: [{ type: 'startTraining' }], spec: tag('startTraining') },
  computeFeatureMaps: {
    examples: [
      { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'testSample', index: 12 } },
      { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'imageFile', reuse: true } },
      { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'drawing', width: 2, height: 2, pixels: [0, 0.5, 1, 0.25] } },
    ],
    spec: {
      ...tag('computeFeatureMaps'),
      layer: TEXT,
      input: rec,
      'input.source': (value) => oneOf(value as string),
      'input.index': COUNT,
      'input.reuse': optional(bool),
      'input.width': SIDE,
      'input.height': SIDE,
      'input.pixels': list(0, 16_777_216),
      'input.pixels.*': UNIT,
    },
  },
  interpolate: { examples: [{ type: 'interpolate', from: 0, to: 63, steps: 32 }], spec: { ...tag('interpolate'), from: int(0, 63), to: int(0, 63), steps: int(2, 32) } },
  saveDiagram: {
    examples: [
      { type: 'saveDiagram', format: 'svg', data: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' },
      { type: 'saveDiagram', format: 'png', data: gridPng(1, 1, 2, () => [0, 0, 0]) },
    ],
    spec: {
      ...tag('saveDiagram'),
      format: (value) => oneOf(value as string),
      // SVG text starts with its element; a PNG is a PNG (its data is never the other's).
      data: (_value, parent) => ((parent as { format: string }).format === 'svg' ? text(16_777_216, '<html></html>', ' <svg>', gridPng(1, 1, 2, () => [0, 0, 0])) : text(Infinity, ...BAD_PNGS, '<svg></svg>')),
    },
  },
  computeEffectiveReceptiveField: {
    examples: [
      { type: 'computeEffectiveReceptiveField', layer: 'C3', unit: { channel: 3, row: 4, column: 6 }, input: { source: 'testSample', index: 12 } },
      { type: 'computeEffectiveReceptiveField', layer: 'F6', unit: { channel: 80, row: 0, column: 0 }, input: { source: 'imageFile', reuse: true } },
    ],
    spec: {
      ...tag('computeEffectiveReceptiveField'),
      layer: TEXT,
      unit: rec,
      'unit.channel': COUNT,
      'unit.row': COUNT,
      'unit.column': COUNT,
      input: rec,
      'input.source': (value) => oneOf(value as string),
      'input.index': COUNT,
      'input.reuse': optional(bool),
    },
  },
  computeGradCam: {
    examples: [
      { type: 'computeGradCam', layer: 'C3', classIndex: 7, input: { source: 'testSample', index: 12 } },
      { type: 'computeGradCam', layer: null, classIndex: null, input: { source: 'drawing', width: 2, height: 1, pixels: [0, 1] } },
    ],
    spec: {
      ...tag('computeGradCam'),
      layer: orNull(TEXT),
      classIndex: orNull(COUNT),
      input: rec,
      'input.source': (value) => oneOf(value as string),
      'input.index': COUNT,
      'input.width': SIDE,
      'input.height': SIDE,
      'input.pixels': list(0, 16_777_216),
      'input.pixels.*': UNIT,
    },
  },
};

const INITIAL_STATE = {
  examples: [{ title: 'lenet5', kind: 'model', tab: 'training', summary: SUMMARY }],
  spec: { title: optional(TEXT), kind: optional(oneOf('model', 'gan')), tab: optional(oneOf('summary', 'training', 'featureMaps', 'samples')), ...summarySpec(optional(rec)) },
};

const jsonRoundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('webviews: protocol validators against a generated corpus of malformed messages', () => {
  // The validators imported above, with the module they come from: the corpus loads them again in its isolated thread.
  const protocol = require.resolve('../../webviews/protocol');
  const hostMessages = loadable(isHostMessage, protocol, 'isHostMessage');
  const panelMessages = loadable(isPanelMessage, protocol, 'isPanelMessage');
  const initialStates = loadable(isPanelInitialState, protocol, 'isPanelInitialState');
  const directions = [
    ['extension → panel', hostMessages, HOST],
    ['panel → extension', panelMessages, PANEL],
  ] as const;
  for (const [direction, validator, table] of directions) {
    for (const [type, { examples, spec }] of Object.entries(table) as [string, { examples: readonly unknown[]; spec: Spec }][]) {
      it(`${direction}: ${type} passes as sent, after JSON and in every valid variant; no field outside its range passes`, () => {
        for (const example of examples) assert.equal(validator(jsonRoundTrip(example)), true, 'after the JSON of postMessage');
        assert.deepEqual(rejectedVariants(validator, examples, spec), []);
        const { accepted, cases } = acceptedMutations(validator, examples, spec);
        assert.deepEqual(accepted, []);
        assert.ok(cases > 0);
      });
    }
  }

  it('the initial state the HTML embeds', () => {
    assert.deepEqual(rejectedVariants(isPanelInitialState, INITIAL_STATE.examples, INITIAL_STATE.spec), []);
    assert.deepEqual(acceptedMutations(initialStates, INITIAL_STATE.examples, INITIAL_STATE.spec).accepted, []);
  });

  it('the corpus: 4,165 malformed messages (2,561 from the extension, 1,102 from the panel, 502 initial states)', () => {
    const count = (validator: LoadableValidator, table: Readonly<Record<string, { examples: readonly unknown[]; spec: Spec }>>): number =>
      Object.values(table).reduce((total, { examples, spec }) => total + acceptedMutations(validator, examples, spec).cases, 0);
    const host = count(hostMessages, HOST);
    const panel = count(panelMessages, PANEL);
    const initial = acceptedMutations(initialStates, INITIAL_STATE.examples, INITIAL_STATE.spec).cases;
    assert.deepEqual({ host, panel, initial, total: host + panel + initial }, { host: 2_561, panel: 1_102, initial: 502, total: 4_165 });
  });
});
