/**
 * The runtime process's protocol (runtime/protocol.ts): valid requests and events pass, also
 * after the IPC channel's advanced serialization; a generated corpus (test/protocol-corpus.ts)
 * of every field put outside its range is rejected; the IR is walked within a depth and a
 * node budget (cycles, shared subtrees); and the relations between fields hold.
 */
import assert from 'node:assert/strict';
import { deserialize, serialize } from 'node:v8';
import type { GanNode, LayerNode, ModelNode } from 'convlens/ir';
import { analyze, MAX_LAYER_REPORTS, MAX_NESTING_DEPTH } from 'convlens/engine';
import { MAX_INTERPOLATION_STEPS } from 'convlens-runtime/inspection/gan-interpolation';
import { isRuntimeEvent, isRuntimeRequest, RUNTIME_PROTOCOL_LIMITS, type RuntimeEvent, type RuntimeRequest, type TrainingSettings } from 'convlens-runtime/protocol';
import { SAMPLE_GRID } from 'convlens-runtime/training/train-gan';
import { PROTOCOL_LIMITS } from '../../webviews/protocol';
import { acceptedMutations, BAD_PIXELS, BAD_PNGS, bool, int, list, loadable, num, oneOf, optional, orNull, rec, rejectedVariants, text, type Field, type LoadableValidator, type Spec } from '../protocol-corpus';
import { gridPng } from '../webviews/fixtures';

const TEXT = text(32_768);
const MESSAGE = text(1_048_576);
const COUNT = int(0);
const POSITIVE = int(1);
const FINITE = num();
const UNIT = num(0, 1);
const NUM = orNull(num());
const FLAG = orNull(bool);
const PAIR = list(2, 2);
const BACKENDS = ['webgpu', 'tensorflow', 'wasm', 'cpu'];

/** One layer of every kind (types only: the protocol leaves their sense to the engine). */
const EVERY_LAYER: ModelNode = {
  kind: 'model',
  name: 'everything',
  input: { kind: 'input', shape: [1, 28, 28] },
  layers: [
    { kind: 'conv2d', filters: 6, kernelSize: [5, 5], stride: [1, 1], padding: 'same', dilation: [1, 1], groups: 1, bias: true, name: 'C1' },
    { kind: 'batchNorm', momentum: 0.1, epsilon: 1e-5, name: 'bn' },
    { kind: 'relu' },
    { kind: 'lrn', size: 5, alpha: 1e-4, beta: 0.75, k: 2 },
    { kind: 'maxPool2d', kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], ceilMode: false, name: 'S2' },
    { kind: 'avgPool2d', kernelSize: [3, 3], stride: [1, 1], padding: [1, 1], ceilMode: true, countIncludePad: false, name: 'smooth' },
    { kind: 'zeroPad2d', padding: [1, 1, 2, 2] },
    {
      kind: 'residual',
      main: { kind: 'sequential', layers: [{ kind: 'conv2d', filters: 6, kernelSize: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [2, 2], groups: 2, bias: null, name: 'block' }, { kind: 'leakyRelu', alpha: 0.01 }] },
      shortcut: { kind: 'conv2d', filters: 6, kernelSize: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, bias: false, name: 'projection' },
    },
    {
      kind: 'concat',
      branches: [
        { kind: 'upsample2d', scale: [2, 2] },
        { kind: 'conv2dTranspose', filters: 4, kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], outputPadding: [0, 0], bias: true, name: 'up' },
      ],
    },
    { kind: 'aux', name: 'aux1', head: { kind: 'sequential', layers: [{ kind: 'globalAvgPool2d' }, { kind: 'dense', units: 10, bias: true, name: 'auxOut' }] }, weight: 0.3 },
    { kind: 'adaptiveAvgPool2d', outputSize: [4, 4] },
    { kind: 'dropout', rate: 0.5 },
    { kind: 'tanh' },
    { kind: 'sigmoid' },
    { kind: 'flatten' },
    { kind: 'reshape', shape: [-1] },
    { kind: 'dense', units: 10, bias: true, name: 'out' },
    { kind: 'softmax' },
    { kind: 'unknown', reason: 'a parameter without a default' },
  ],
};

const SMALL_MODEL: ModelNode = {
  kind: 'model',
  name: 'small',
  input: { kind: 'input', shape: [1, 28, 28] },
  layers: [{ kind: 'conv2d', filters: 2, kernelSize: [3, 3], stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, bias: true, name: 'C1' }, { kind: 'flatten' }, { kind: 'dense', units: 10, bias: true, name: 'out' }],
};

const GAN: GanNode = {
  kind: 'gan',
  name: 'dcgan',
  latent: 100,
  image: [1, 28, 28],
  generator: { kind: 'sequential', layers: [{ kind: 'dense', units: 784, bias: true, name: 'g' }, { kind: 'reshape', shape: [1, 28, 28] }, { kind: 'tanh' }] },
  discriminator: { kind: 'sequential', layers: [{ kind: 'flatten' }, { kind: 'dense', units: 1, bias: true, name: 'd' }, { kind: 'sigmoid' }] },
};

/** The IR's fields under `root`: types, nullable numbers and flags, pairs of two. */
function irSpec(kind: 'model' | 'gan'): Spec {
  const spec: Record<string, Field | ((value: unknown, parent: unknown) => Field)> = {
    root: rec,
    'root.kind': oneOf(kind),
    'root.name': TEXT,
    'root.input': rec,
    'root.input.kind': oneOf('input'),
    'root.latent': NUM,
    'root.image': list(3, 3),
    'root.image.*': NUM,
    'root.generator': rec,
    'root.discriminator': rec,
    'root.**.kind': oneOf('unknown', 'conv2d', 'conv2dTranspose', 'maxPool2d', 'avgPool2d', 'adaptiveAvgPool2d', 'globalAvgPool2d', 'flatten', 'reshape', 'zeroPad2d', 'upsample2d', 'dense', 'dropout', 'batchNorm', 'lrn', 'relu', 'leakyRelu', 'tanh', 'sigmoid', 'softmax', 'sequential', 'residual', 'concat', 'aux'),
    'root.**.layers': list(0, 100_000),
    'root.**.layers.*': rec,
    'root.**.branches': list(0, 100_000),
    'root.**.branches.*': rec,
    'root.**.main': rec,
    'root.**.shortcut': orNull(rec),
    'root.**.head': rec,
    'root.**.name': (_, parent) => ((parent as { kind?: unknown }).kind === 'aux' ? TEXT : orNull(TEXT)),
    'root.**.reason': MESSAGE,
    'root.**.padding': (value) => (value === 'same' ? oneOf('same') : list((value as unknown[]).length, (value as unknown[]).length)),
    'root.**.padding.*': NUM,
    'root.**.shape': list(0, 8),
    'root.**.shape.*': NUM,
  };
  for (const pair of ['kernelSize', 'stride', 'dilation', 'outputPadding', 'outputSize', 'scale']) Object.assign(spec, { [`root.**.${pair}`]: PAIR, [`root.**.${pair}.*`]: NUM });
  for (const number of ['filters', 'groups', 'units', 'rate', 'momentum', 'epsilon', 'size', 'alpha', 'beta', 'k', 'weight']) spec[`root.**.${number}`] = NUM;
  for (const flag of ['bias', 'ceilMode', 'countIncludePad']) spec[`root.**.${flag}`] = FLAG;
  return spec;
}

const SETTINGS: TrainingSettings = {
  dataset: 'mnist',
  epochs: 2,
  batchSize: 64,
  learningRate: 1e-3,
  optimizer: 'adam',
  validationSplit: 0.1,
  augmentation: { cropPadding: 2, mirror: true },
  tta: true,
  seed: -7,
  backend: 'wasm',
  outDirectory: '/w/.convlens/runs/lenet5Mnist',
  resume: false,
  workers: 2,
  limit: { train: 512, test: 200 },
  cwd: '/w',
  cacheDirectory: '/home/u/.cache/convlens/datasets',
  download: false,
};

const SETTINGS_SPEC: Spec = {
  settings: rec,
  'settings.dataset': TEXT,
  'settings.epochs': POSITIVE,
  'settings.batchSize': int(1, 65_536),
  'settings.learningRate': num(Number.MIN_VALUE, Number.MAX_VALUE, 0),
  'settings.optimizer': oneOf('sgd', 'adam'),
  'settings.validationSplit': num(0, 1 - Number.EPSILON / 2, 1),
  'settings.augmentation': rec,
  'settings.augmentation.cropPadding': int(0, 4_096),
  'settings.augmentation.mirror': bool,
  'settings.tta': bool,
  'settings.seed': int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 1.5),
  'settings.backend': oneOf('auto', ...BACKENDS),
  'settings.outDirectory': orNull(TEXT),
  'settings.resume': bool,
  'settings.workers': int(1, 256),
  'settings.limit': optional(rec),
  'settings.limit.train': optional(POSITIVE),
  'settings.limit.test': optional(POSITIVE),
  'settings.cwd': TEXT,
  'settings.cacheDirectory': optional(TEXT),
  'settings.download': optional(bool),
};

const tag = (type: string): Spec => ({ type: oneOf(type) });
const event = (name: string): Spec => ({ event: oneOf(name) });

const REQUESTS: { readonly [K in RuntimeRequest['type']]: { readonly examples: readonly Extract<RuntimeRequest, { type: K }>[]; readonly spec: Spec } } = {
  startTraining: {
    examples: [
      { type: 'startTraining', root: EVERY_LAYER, settings: SETTINGS },
      { type: 'startTraining', root: GAN, settings: { ...SETTINGS, dataset: '/data/faces', validationSplit: 0, backend: 'auto', outDirectory: '/w/runs/dcgan', resume: true, workers: 1 } },
    ],
    spec: { ...tag('startTraining'), ...irSpec('model'), 'root.kind': oneOf('model', 'gan'), ...SETTINGS_SPEC },
  },
  cancelTraining: { examples: [{ type: 'cancelTraining' }], spec: tag('cancelTraining') },
  computeFeatureMaps: {
    examples: [
      { type: 'computeFeatureMaps', root: SMALL_MODEL, checkpoint: '/w/.convlens/runs/small/checkpoint', layer: 'C1', input: { dataset: 'mnist', testIndex: 12 }, cwd: '/w' },
      { type: 'computeFeatureMaps', root: SMALL_MODEL, checkpoint: 'runs/small/checkpoint', layer: 'C1', input: { image: 'digits/7.png' }, cwd: '/w' },
    ],
    spec: { ...tag('computeFeatureMaps'), ...irSpec('model'), checkpoint: TEXT, layer: TEXT, input: rec, 'input.dataset': TEXT, 'input.testIndex': COUNT, 'input.image': TEXT, cwd: TEXT },
  },
  interpolateSamples: {
    examples: [{ type: 'interpolateSamples', root: GAN, checkpoint: 'gan/checkpoint', from: 0, to: 63, steps: 64, cwd: '/w' }],
    spec: { ...tag('interpolateSamples'), ...irSpec('gan'), checkpoint: TEXT, from: int(0, 63), to: int(0, 63), steps: int(2, 64), cwd: TEXT },
  },
  computeEffectiveReceptiveField: {
    examples: [
      { type: 'computeEffectiveReceptiveField', root: SMALL_MODEL, checkpoint: 'runs/small/checkpoint', layer: 'C1', unit: { channel: 2, row: 3, column: 4 }, input: { dataset: 'mnist', testIndex: 12 }, cwd: '/w' },
      { type: 'computeEffectiveReceptiveField', root: SMALL_MODEL, checkpoint: 'runs/small/checkpoint', layer: 'C1', unit: { channel: 0, row: 0, column: 0 }, input: { image: 'digits/7.png' }, cwd: '/w' },
    ],
    spec: {
      ...tag('computeEffectiveReceptiveField'),
      ...irSpec('model'),
      checkpoint: TEXT,
      layer: TEXT,
      unit: rec,
      'unit.channel': COUNT,
      'unit.row': COUNT,
      'unit.column': COUNT,
      input: rec,
      'input.dataset': TEXT,
      'input.testIndex': COUNT,
      'input.image': TEXT,
      cwd: TEXT,
    },
  },
  computeGradCam: {
    examples: [
      { type: 'computeGradCam', root: SMALL_MODEL, checkpoint: 'runs/small/checkpoint', layer: 'C1', classIndex: 7, input: { dataset: 'mnist', testIndex: 12 }, cwd: '/w' },
      { type: 'computeGradCam', root: SMALL_MODEL, checkpoint: 'runs/small/checkpoint', layer: null, classIndex: null, input: { image: 'digits/7.png' }, cwd: '/w' },
    ],
    spec: {
      ...tag('computeGradCam'),
      ...irSpec('model'),
      checkpoint: TEXT,
      layer: orNull(TEXT),
      classIndex: orNull(COUNT),
      input: rec,
      'input.dataset': TEXT,
      'input.testIndex': COUNT,
      'input.image': TEXT,
      cwd: TEXT,
    },
  },
};

const EVENTS: { readonly [K in RuntimeEvent['event']]: { readonly examples: readonly Extract<RuntimeEvent, { event: K }>[]; readonly spec: Spec } } = {
  started: {
    examples: [
      {
        event: 'started',
        kind: 'classifier',
        model: 'lenet5Mnist',
        backend: 'wasm',
        passedOver: [{ backend: 'webgpu', reason: 'no hardware adapter' }],
        dataset: 'mnist',
        trainImages: 54_000,
        validationImages: 6_000,
        testImages: 10_000,
        epochs: 2,
        batchSize: 64,
        workers: 2,
        startEpoch: 1,
        previousCheckpoint: '/w/runs/lenet5Mnist/checkpoint-2026-11-28T12-50',
      },
    ],
    spec: {
      ...event('started'),
      kind: oneOf('classifier', 'gan'),
      model: TEXT,
      backend: oneOf(...BACKENDS),
      passedOver: list(0, 4),
      'passedOver.*': rec,
      'passedOver.*.backend': oneOf(...BACKENDS),
      'passedOver.*.reason': MESSAGE,
      dataset: TEXT,
      trainImages: COUNT,
      validationImages: COUNT,
      testImages: COUNT,
      epochs: POSITIVE,
      batchSize: int(1, 65_536),
      workers: int(1, 256),
      startEpoch: COUNT,
      previousCheckpoint: orNull(TEXT),
    },
  },
  progress: {
    examples: [{ event: 'progress', epoch: 2, epochs: 5, batch: 3, batches: 938, loss: 1.2, accuracy: 0.5, generatorLoss: 0.8, imagesPerSecond: 900 }],
    spec: { ...event('progress'), epoch: POSITIVE, epochs: POSITIVE, batch: POSITIVE, batches: POSITIVE, loss: FINITE, accuracy: orNull(UNIT), generatorLoss: optional(FINITE), imagesPerSecond: num(0) },
  },
  epochEnded: {
    examples: [{ event: 'epochEnded', epoch: 1, epochs: 2, loss: 0.31, accuracy: 0.91, generatorLoss: 0.7, validationLoss: 0.12, validationAccuracy: 0.965, seconds: 25.1, imagesPerSecond: 2150, checkpoint: '/w/runs/x/checkpoint' }],
    spec: {
      ...event('epochEnded'),
      epoch: POSITIVE,
      epochs: POSITIVE,
      loss: FINITE,
      accuracy: orNull(UNIT),
      generatorLoss: optional(FINITE),
      validationLoss: orNull(FINITE),
      validationAccuracy: orNull(UNIT),
      seconds: num(0),
      imagesPerSecond: num(0),
      checkpoint: orNull(TEXT),
    },
  },
  samplesReady: {
    examples: [{ event: 'samplesReady', epoch: 2, path: '/w/runs/dcgan/samples/epoch-0002.png', rows: 2, columns: 4, png: gridPng(2, 4, 3, (index) => [index * 30, 0, 0]) }],
    spec: { ...event('samplesReady'), epoch: POSITIVE, path: orNull(TEXT), rows: int(1, 64), columns: int(1, 64), png: text(Infinity, ...BAD_PNGS, gridPng(1, 1, 1, () => [0, 0, 0])) },
  },
  featureMaps: {
    examples: [{ event: 'featureMaps', layer: 'conv2d_1', shape: [2, 1, 2], values: [0, 1, -1, 2], min: -1, max: 2, input: { width: 2, height: 1, channels: 1, pixels: 'AP8=' } }],
    spec: {
      ...event('featureMaps'),
      layer: TEXT,
      shape: list(1, 8),
      'shape.*': int(0, 16_777_216),
      values: list(0, 16_777_216),
      'values.*': FINITE,
      min: FINITE,
      max: FINITE,
      input: rec,
      'input.width': int(1, 4_096),
      'input.height': int(1, 4_096),
      'input.channels': int(1, 4_096),
      'input.pixels': text(Infinity, ...BAD_PIXELS),
    },
  },
  effectiveReceptiveField: {
    examples: [{ event: 'effectiveReceptiveField', layer: 'conv2d_1', unit: { channel: 1, row: 0, column: 3 }, shape: [2, 2], values: [0, 1, 0.5, 2], min: 0, max: 2 }],
    spec: {
      ...event('effectiveReceptiveField'),
      layer: TEXT,
      unit: rec,
      'unit.channel': COUNT,
      'unit.row': COUNT,
      'unit.column': COUNT,
      shape: list(2, 2),
      'shape.*': int(0, 16_777_216),
      values: list(0, 16_777_216),
      'values.*': FINITE,
      min: FINITE,
      max: FINITE,
    },
  },
  gradCam: {
    examples: [{ event: 'gradCam', layer: 'conv2d_2', classIndex: 7, label: '7', probability: 0.9, shape: [1, 2], values: [0, 3], min: 0, max: 3 }],
    spec: {
      ...event('gradCam'),
      layer: TEXT,
      classIndex: COUNT,
      label: TEXT,
      probability: UNIT,
      shape: list(2, 2),
      'shape.*': int(0, 16_777_216),
      values: list(0, 16_777_216),
      'values.*': FINITE,
      min: FINITE,
      max: FINITE,
    },
  },
  interpolationReady: {
    examples: [{ event: 'interpolationReady', from: 3, to: 42, steps: 6, png: gridPng(1, 6, 2, (index) => [index * 40, 0, 0]) }],
    spec: { ...event('interpolationReady'), from: int(0, 63), to: int(0, 63), steps: int(2, 64), png: text(Infinity, ...BAD_PNGS, gridPng(1, 5, 1, () => [0, 0, 0])) },
  },
  stopped: {
    examples: [{ event: 'stopped', reason: 'cancelled', epoch: 1, checkpoint: '/w/runs/x/checkpoint' }],
    spec: { ...event('stopped'), reason: oneOf('cancelled'), epoch: COUNT, checkpoint: orNull(TEXT) },
  },
  failed: { examples: [{ event: 'failed', message: 'the runtime process exited (SIGKILL)' }], spec: { ...event('failed'), message: MESSAGE } },
  finished: {
    examples: [
      { event: 'finished', testAccuracy: 0.75, testLoss: 0.5, checkpoint: '/w/c', confusionMatrix: [[2, 1], [0, 1]], classes: ['cat', 'dog'], samples: '/w/s.png', interpolation: '/w/i.png' },
    ],
    spec: {
      ...event('finished'),
      testAccuracy: orNull(UNIT),
      testLoss: orNull(FINITE),
      checkpoint: orNull(TEXT),
      confusionMatrix: optional(orNull(list(1, 1_024))),
      'confusionMatrix.*': list(1, 1_024),
      'confusionMatrix.*.*': COUNT,
      classes: optional(orNull(list(0, 1_024))),
      'classes.*': TEXT,
      samples: optional(orNull(TEXT)),
      interpolation: optional(orNull(TEXT)),
    },
  },
};

/** What the IPC channel (`serialization: 'advanced'`) delivers. */
const overIpc = (value: unknown): unknown => deserialize(serialize(value));

const start = (root: unknown, settings: unknown = SETTINGS): unknown => ({ type: 'startTraining', root, settings });
const model = (...layers: unknown[]): unknown => ({ ...SMALL_MODEL, layers });
const relu: LayerNode = { kind: 'relu' };

describe('runtime: protocol validators against a generated corpus of malformed messages', function () {
  this.timeout(60_000);
  // The validators imported above, with the module they come from: the corpus loads them again in its isolated thread.
  const protocol = require.resolve('convlens-runtime/protocol');
  const requests = loadable(isRuntimeRequest, protocol, 'isRuntimeRequest');
  const events = loadable(isRuntimeEvent, protocol, 'isRuntimeEvent');
  const directions = [
    ['request', requests, REQUESTS],
    ['event', events, EVENTS],
  ] as const;
  for (const [direction, validator, table] of directions) {
    for (const [name, { examples, spec }] of Object.entries(table) as [string, { examples: readonly unknown[]; spec: Spec }][]) {
      it(`${direction} ${name}: passes as sent, over IPC and in every valid variant; no field outside its range passes`, () => {
        for (const example of examples) assert.equal(validator(overIpc(example)), true, 'over IPC');
        assert.deepEqual(rejectedVariants(validator, examples, spec), []);
        assert.deepEqual(acceptedMutations(validator, examples, spec).accepted, []);
      });
    }
  }

  it('the corpus: 8,296 malformed messages (6,653 requests, 1,643 events)', () => {
    const count = (validator: LoadableValidator, table: Readonly<Record<string, { examples: readonly unknown[]; spec: Spec }>>): number =>
      Object.values(table).reduce((total, { examples, spec }) => total + acceptedMutations(validator, examples, spec).cases, 0);
    const requestCases = count(requests, REQUESTS);
    const eventCases = count(events, EVENTS);
    assert.deepEqual({ requests: requestCases, events: eventCases, total: requestCases + eventCases }, { requests: 6_653, events: 1_643, total: 8_296 });
  });
});

describe('runtime: protocol validators, literal cases', () => {
  it('its limits are the runtime\'s own, and the panel accepts whatever an event may carry', () => {
    assert.equal(RUNTIME_PROTOCOL_LIMITS.sampleCells, SAMPLE_GRID.rows * SAMPLE_GRID.columns);
    assert.equal(RUNTIME_PROTOCOL_LIMITS.maxSteps, MAX_INTERPOLATION_STEPS);
    const shared = ['text', 'message', 'classes', 'tensorRank', 'tensorValues', 'imageSide', 'imageBytes', 'pngSide', 'pngPixels', 'pngBytes', 'sampleCells', 'minSteps'] as const;
    const pick = (limits: Readonly<Record<(typeof shared)[number], number>>): Record<string, number> => Object.fromEntries(shared.map((name) => [name, limits[name]]));
    assert.deepEqual(pick(RUNTIME_PROTOCOL_LIMITS), pick(PROTOCOL_LIMITS));
    assert.equal(RUNTIME_PROTOCOL_LIMITS.maxSteps, PROTOCOL_LIMITS.maxStripSteps);
  });

  it('what the IPC channel keeps and JSON would not: holes, NaN, typed arrays', () => {
    assert.equal(isRuntimeRequest(overIpc(REQUESTS.startTraining.examples[0])), true);
    const holey = overIpc({ event: 'finished', testAccuracy: 0.5, testLoss: 1, checkpoint: null, confusionMatrix: [[1, , 0], [0, 1, 0], [0, 0, 1]], classes: null });
    assert.equal(Object.hasOwn((holey as { confusionMatrix: number[][] }).confusionMatrix[0] as number[], 1), false, 'the hole arrives');
    assert.equal(isRuntimeEvent(holey), false);
    const maps = EVENTS.featureMaps.examples[0]!;
    assert.equal(isRuntimeEvent(overIpc({ ...maps, values: [0, 1, NaN, 2] })), false);
    assert.equal(isRuntimeEvent(overIpc({ ...maps, values: Float32Array.from(maps.values) })), false);
    assert.equal(isRuntimeEvent(overIpc({ ...EVENTS.progress.examples[0]!, loss: Infinity })), false);
  });

  it('the IR is walked within 1,010 levels and 250,000 nodes; cycles and shared subtrees end the walk', () => {
    const nested = (depth: number): LayerNode => (depth === 1 ? relu : { kind: 'sequential', layers: [nested(depth - 1)] });
    assert.equal(RUNTIME_PROTOCOL_LIMITS.irDepth, 1_010);
    assert.equal(isRuntimeRequest(start(model(nested(1_010)))), true);
    assert.equal(isRuntimeRequest(start(model(nested(1_011)))), false);
    // Whatever the engine analyses, the runtime accepts: containers 1,000 deep, and a GAN's
    // two networks of 100,000 layers (regression: the limit was 256 levels, so a model the
    // editor showed without a finding could not be trained from it).
    const deepest = model(nested(MAX_NESTING_DEPTH));
    assert.deepEqual(analyze(deepest as ModelNode).findings.filter((finding) => finding.code === 'CL1018'), []);
    assert.equal(isRuntimeRequest(start(deepest)), true);
    assert.ok(RUNTIME_PROTOCOL_LIMITS.irNodes >= 2 * MAX_LAYER_REPORTS + 2 && PROTOCOL_LIMITS.list >= 2 * MAX_LAYER_REPORTS + 2 && PROTOCOL_LIMITS.depth >= MAX_NESTING_DEPTH + 1);
    assert.equal(isRuntimeRequest(start(model(...Array.from({ length: 100_000 }, () => relu)))), true);
    assert.equal(isRuntimeRequest(start(model(...Array.from({ length: 100_001 }, () => relu)))), false);
    const cycle: { kind: 'sequential'; layers: unknown[] } = { kind: 'sequential', layers: [] };
    cycle.layers.push(cycle);
    assert.equal(isRuntimeRequest(start(model(cycle))), false);
    assert.equal(isRuntimeRequest(overIpc(start(model(cycle)))), false, 'the cycle survives the IPC channel');
    // 2^60 paths through 60 shared nodes: the node budget ends the walk.
    let shared: LayerNode = relu;
    for (let level = 0; level < 60; level++) shared = { kind: 'residual', main: shared, shortcut: shared };
    assert.equal(isRuntimeRequest(start(model(shared))), false);
    // A budget is per message: the next one starts afresh.
    assert.equal(isRuntimeRequest(start(model(nested(200)))), true);
  });

  it('requests: which root each takes, the input of feature maps, interpolation cells and steps', () => {
    const maps = REQUESTS.computeFeatureMaps.examples[0]!;
    assert.equal(isRuntimeRequest({ ...maps, root: GAN }), false, 'feature maps of a GAN');
    assert.equal(isRuntimeRequest({ ...REQUESTS.interpolateSamples.examples[0]!, root: SMALL_MODEL }), false, 'interpolation of a classifier');
    assert.equal(isRuntimeRequest({ ...maps, input: { image: 'a.png', dataset: 'mnist', testIndex: 1 } }), false, 'an image and a test sample');
    assert.equal(isRuntimeRequest({ ...maps, input: { image: 'a.png', testIndex: 1 } }), false);
    assert.equal(isRuntimeRequest({ ...maps, input: {} }), false);
    const interpolate = (from: number, to: number, steps: number): boolean => isRuntimeRequest({ type: 'interpolateSamples', root: GAN, checkpoint: 'c', from, to, steps, cwd: '/w' });
    assert.deepEqual(
      [interpolate(0, 63, 2), interpolate(63, 0, 64), interpolate(5, 5, 8), interpolate(0, 64, 8), interpolate(-1, 1, 8), interpolate(0, 1, 1), interpolate(0, 1, 65), interpolate(0, 1, 1e9)],
      [true, true, true, false, false, false, false, false],
    );
    assert.equal(isRuntimeRequest({ type: 'startTraining' }), false, 'a request without its fields');
    assert.equal(isRuntimeRequest(start(SMALL_MODEL, { ...SETTINGS, validationSplit: 1 })), false);
    assert.equal(isRuntimeRequest(start(SMALL_MODEL, { ...SETTINGS, batchSize: 65_537 })), false);
    assert.equal(isRuntimeRequest(start(SMALL_MODEL, { ...SETTINGS, batchSize: 65_536, workers: 256, validationSplit: 0.999 })), true);
  });

  it('events: relations between fields', () => {
    const progress = EVENTS.progress.examples[0]!;
    assert.equal(isRuntimeEvent({ ...progress, epoch: 6 }), false, 'epoch 6 of 5');
    assert.equal(isRuntimeEvent({ ...progress, batch: 939 }), false, 'batch 939 of 938');
    assert.equal(isRuntimeEvent({ ...progress, epoch: 5, batch: 938 }), true);
    assert.equal(isRuntimeEvent({ ...EVENTS.epochEnded.examples[0]!, epoch: 3 }), false, 'epoch 3 of 2');
    const maps = EVENTS.featureMaps.examples[0]!;
    assert.equal(isRuntimeEvent({ ...maps, shape: [2, 2, 2] }), false, '8 values promised, 4 sent');
    assert.equal(isRuntimeEvent({ ...maps, max: 1.5 }), false, 'a value above max');
    assert.equal(isRuntimeEvent({ ...maps, min: 3, max: 2 }), false, 'min above max');
    assert.equal(isRuntimeEvent({ ...maps, input: { ...maps.input, width: 3 } }), false, '2 bytes for 3 pixels');
    assert.equal(isRuntimeEvent({ ...maps, input: { ...maps.input, channels: 4 } }), false, '2 bytes for 4 channels');
    const bytes = RUNTIME_PROTOCOL_LIMITS.imageBytes;
    const image = (width: number, height: number, channels: number, size = width * height * channels): unknown => ({ ...maps, input: { width, height, channels, pixels: `${'A'.repeat(4 * Math.ceil(size / 3) - ((3 - (size % 3)) % 3))}${'='.repeat((3 - (size % 3)) % 3)}` } });
    assert.equal(isRuntimeEvent(image(4_096, 4_096, 1)), true, `${bytes} bytes`);
    assert.equal(isRuntimeEvent(image(4_096, 4_096, 2)), false, 'twice that');
    const finished = EVENTS.finished.examples[0]!;
    assert.equal(isRuntimeEvent({ ...finished, confusionMatrix: [[2, 1], [0]] }), false, 'not square');
    assert.equal(isRuntimeEvent({ ...finished, classes: ['cat'] }), false, 'one class for a 2×2 matrix');
    assert.equal(isRuntimeEvent({ ...finished, confusionMatrix: [[2, -1], [0, 1]] }), false, 'a negative count');
    assert.equal(isRuntimeEvent({ ...finished, confusionMatrix: [[2, 0.5], [0, 1]] }), false, 'a fractional count');
    const samples = EVENTS.samplesReady.examples[0]!;
    assert.equal(isRuntimeEvent({ ...samples, rows: 8, columns: 9, png: gridPng(8, 9, 1, () => [0, 0, 0]) }), false, '72 cells, 64 latent vectors');
    assert.equal(isRuntimeEvent({ ...samples, rows: 1e9, columns: 1e9 }), false);
    assert.equal(isRuntimeEvent({ ...samples, rows: 8, columns: 8, png: gridPng(8, 8, 1, () => [0, 0, 0]) }), true);
    assert.equal(isRuntimeEvent({ ...samples, png: 'iVBORw0KGgo=' }), true, 'the PNG signature alone (no size to check)');
  });
});
