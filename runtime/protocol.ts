/**
 * The runtime's message protocol (runtime/README.md, "Process"): what a client (the VS Code extension,
 * the CLI) asks of a training process and what the process reports back. One file that
 * both sides import; every message is plain JSON, discriminated by `type` (requests,
 * imperative) or `event` (events, past tense) — the shapes `convlens train --json` prints.
 */
import type { GanNode, LayerKind, LayerNode, ModelNode, Num, Pair } from 'convlens/ir';
import type { BackendName, PassedOver } from './backend-choice';

// ── Requests: client → runtime process ──────────────────────────────────────────────

export interface TrainingSettings {
  /** `mnist`, `fashion-mnist`, `cifar10` or a folder of images, one subfolder per class. */
  readonly dataset: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly optimizer: 'sgd' | 'adam';
  /** Fraction of the training images held out to validate each epoch. */
  readonly validationSplit: number;
  /** Zero padding for the random crop (0 = none) and random horizontal mirroring. */
  readonly augmentation: { readonly cropPadding: number; readonly mirror: boolean };
  /** Test-time augmentation: average the predictions for each test image and its mirror. */
  readonly tta: boolean;
  readonly seed: number;
  /** A backend name or 'auto'. */
  readonly backend: BackendName | 'auto';
  /** Where checkpoints, the metrics log and sample grids go; null keeps nothing. */
  readonly outDirectory: string | null;
  /** Continue from the checkpoint in outDirectory. */
  readonly resume: boolean;
  /** Data-parallel worker threads (1 = train on the calling thread). */
  readonly workers: number;
  /** Use only the first N training / test images (quick runs, tests). */
  readonly limit?: { readonly train?: number; readonly test?: number };
  /** Folder names resolve against it; also where a workspace's @tensorflow/tfjs-node is found. */
  readonly cwd: string;
  /** Dataset cache folder; default `~/.cache/convlens/datasets`. */
  readonly cacheDirectory?: string;
  /** Download missing built-in datasets (default true). */
  readonly download?: boolean;
}

export interface StartTrainingRequest {
  readonly type: 'startTraining';
  readonly root: ModelNode | GanNode;
  readonly settings: TrainingSettings;
}

export interface CancelTrainingRequest {
  readonly type: 'cancelTraining';
}

/** Feature maps of one layer of a checkpoint, for an image file or a test sample. */
export interface ComputeFeatureMapsRequest {
  readonly type: 'computeFeatureMaps';
  readonly root: ModelNode;
  readonly checkpoint: string;
  /** The layer's display name, as `convlens summary` shows it. */
  readonly layer: string;
  readonly input: { readonly image: string } | { readonly dataset: string; readonly testIndex: number };
  readonly cwd: string;
}

/**
 * A latent interpolation through a trained GAN's generator: from one cell of the run's
 * fixed-latent sample grid to another (row-major indices into its 8×8 grid), in `steps`
 * steps (2 to 64). Answered with `interpolationReady` or `failed`.
 */
export interface InterpolateSamplesRequest {
  readonly type: 'interpolateSamples';
  readonly root: GanNode;
  /** The run's checkpoint folder (with `generator/` and `training.json`); relative to `cwd`. */
  readonly checkpoint: string;
  readonly from: number;
  readonly to: number;
  readonly steps: number;
  readonly cwd: string;
}

export type RuntimeRequest = StartTrainingRequest | CancelTrainingRequest | ComputeFeatureMapsRequest | InterpolateSamplesRequest;

// ── Events: runtime → client ─────────────────────────────────────────────────────────

export interface StartedEvent {
  readonly event: 'started';
  readonly kind: 'classifier' | 'gan';
  readonly model: string;
  readonly backend: BackendName;
  readonly passedOver: readonly PassedOver[];
  readonly dataset: string;
  readonly trainImages: number;
  readonly validationImages: number;
  readonly testImages: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly workers: number;
  /** Epochs already done by the checkpoint resumed from (0 for a fresh run). */
  readonly startEpoch: number;
  /** Where a fresh run moved the checkpoint it found in its folder (kept, never overwritten). */
  readonly previousCheckpoint: string | null;
}

export interface ProgressEvent {
  readonly event: 'progress';
  readonly epoch: number;
  readonly epochs: number;
  readonly batch: number;
  readonly batches: number;
  /** Mean training loss over the epoch so far (a GAN: the discriminator's). */
  readonly loss: number;
  /** Training accuracy over the epoch so far; null for a GAN. */
  readonly accuracy: number | null;
  /** A GAN's generator loss over the epoch so far. */
  readonly generatorLoss?: number;
  readonly imagesPerSecond: number;
}

export interface EpochEndedEvent {
  readonly event: 'epochEnded';
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  readonly accuracy: number | null;
  readonly generatorLoss?: number;
  readonly validationLoss: number | null;
  readonly validationAccuracy: number | null;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  /** The checkpoint written at the end of the epoch. */
  readonly checkpoint: string | null;
}

/** A GAN's sample grid from the fixed latent vectors. */
export interface SamplesReadyEvent {
  readonly event: 'samplesReady';
  readonly epoch: number;
  /** The PNG written, when the run has an out directory. */
  readonly path: string | null;
  readonly rows: number;
  readonly columns: number;
  /** The grid as a PNG, base64 (for panels that cannot read the file). */
  readonly png: string;
}

/**
 * An image as the network received it: resized to the model's input and converted to its
 * channels, before normalisation.
 */
export interface InputPixels {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** `height × width × channels` bytes 0–255, row-major, channels last, base64. */
  readonly pixels: string;
}

export interface FeatureMapsEvent {
  readonly event: 'featureMaps';
  readonly layer: string;
  /** Channels first: [C, H, W] (or [F] for a vector). */
  readonly shape: readonly number[];
  /** The values, channels first, flat. */
  readonly values: readonly number[];
  readonly min: number;
  readonly max: number;
  /** The input the maps are of (a test sample's bytes, an image file resized to the model's input). */
  readonly input: InputPixels;
}

/** The strip an `interpolateSamples` request asked for. */
export interface InterpolationReadyEvent {
  readonly event: 'interpolationReady';
  readonly from: number;
  readonly to: number;
  readonly steps: number;
  /** One row of `steps` images as a PNG, base64 (the sample grid's cell size and gap). */
  readonly png: string;
}

export interface StoppedEvent {
  readonly event: 'stopped';
  readonly reason: 'cancelled';
  readonly epoch: number;
  /** The last complete checkpoint, untouched by the cancelled epoch. */
  readonly checkpoint: string | null;
}

export interface FailedEvent {
  readonly event: 'failed';
  readonly message: string;
}

export interface FinishedEvent {
  readonly event: 'finished';
  /** Accuracy on the test split (with test-time averaging if asked); null without one or for a GAN. */
  readonly testAccuracy: number | null;
  readonly testLoss: number | null;
  readonly checkpoint: string | null;
  /** On the test split, confusionMatrix[label][predicted] (rows are the truth); null without one or for a GAN. */
  readonly confusionMatrix?: readonly (readonly number[])[] | null;
  /** The class names the matrix's rows and columns stand for. */
  readonly classes?: readonly string[] | null;
  /** A GAN's last sample grid. */
  readonly samples?: string | null;
  /** A GAN's latent interpolation strip. */
  readonly interpolation?: string | null;
}

export type TrainingEvent =
  | StartedEvent
  | ProgressEvent
  | EpochEndedEvent
  | SamplesReadyEvent
  | StoppedEvent
  | FailedEvent
  | FinishedEvent;

export type RuntimeEvent = TrainingEvent | FeatureMapsEvent | InterpolationReadyEvent;

// ── Validation ───────────────────────────────────────────────────────────────────────
//
// Messages are validated on receipt: a process boundary is a trust boundary, and the IPC
// channel's advanced serialization carries sparse arrays, typed arrays, NaN and Infinity as
// they are. Only a plain object (prototype Object.prototype or null, no own `__proto__` key)
// or a dense array (every index an own element) passes, only own fields are read, and every
// field must be within its range below; other fields are ignored. The validators are
// declarations built from the few predicates that follow, and the `satisfies` clauses make
// the compiler check that each declaration covers its message type. (This file stays free of
// run-time imports: the extension host loads it, and never TensorFlow.js.)

/**
 * The limits the validators hold messages to. Generous where a real run may come near (a
 * failure message, a path, an ImageNet-sized class list); tight where a number sizes a buffer
 * the receiver allocates (images, tensors, PNGs, batches, the sample grid).
 */
export const RUNTIME_PROTOCOL_LIMITS = Object.freeze({
  /** Characters of one-line text: names, paths (Windows long paths: 32,767), dataset names. */
  text: 32_768,
  /** Characters of free text: failure messages, reasons. */
  message: 1_048_576,
  /** Layers in one list of the IR, and IR nodes in a whole model. */
  list: 100_000,
  irNodes: 100_000,
  /** Nesting depth of the IR's containers. */
  irDepth: 256,
  /** Images per training step, and data-parallel workers. */
  batchSize: 65_536,
  workers: 256,
  /** Classes of a confusion matrix (rows = columns = classes). */
  classes: 1_024,
  /** A tensor's rank and its number of values (2^24; VGG-16's first maps at 224×224 are 3.2 M). */
  tensorRank: 8,
  tensorValues: 16_777_216,
  /** An input image's width, height and channels, and its bytes (width × height × channels); also the crop padding. */
  imageSide: 4_096,
  imageBytes: 16_777_216,
  /** A PNG's width and height, its pixels (so the decoded RGBA buffer is ≤ 64 MiB) and its bytes. */
  pngSide: 16_384,
  pngPixels: 16_777_216,
  pngBytes: 67_108_864,
  /** Cells of a GAN's sample grid (training/train-gan.ts's SAMPLE_GRID, 8 × 8): one per fixed latent vector. */
  sampleCells: 64,
  /** Interpolation steps (inspection/gan-interpolation.ts's 2 to MAX_INTERPOLATION_STEPS). */
  minSteps: 2,
  maxSteps: 64,
});

const LIMITS = RUNTIME_PROTOCOL_LIMITS;

/** A predicate that, where it holds, proves the value's type. */
type Guard<T> = (value: unknown) => value is T;

/** Reads a field only if the object holds it itself (never from a prototype). */
function own(record: object, key: string): unknown {
  return Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined;
}

/** An object literal or JSON object: prototype Object.prototype or null, no own `__proto__` key. */
function isPlainRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && !Object.hasOwn(value, '__proto__');
}

/** An array (not a subclass, not a typed array) of `minLength`…`maxLength` own elements, no holes, each passing `item`. */
function isDenseArray<T>(item: Guard<T>, maxLength: number, minLength = 0): Guard<readonly T[]> {
  return (value): value is readonly T[] => {
    if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype) return false;
    if (value.length < minLength || value.length > maxLength) return false;
    for (let index = 0; index < value.length; index++) if (!Object.hasOwn(value, index) || !item(value[index])) return false;
    return true;
  };
}

/** A finite number in [min, max]. */
function isNumberIn(min: number, max: number): Guard<number> {
  return (value): value is number => typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

/** An integer in [min, max]; max defaults to the largest safe integer. */
function isIntegerIn(min: number, max = Number.MAX_SAFE_INTEGER): Guard<number> {
  return (value): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/** A string of at most `max` characters. */
function isBoundedString(max: number): Guard<string> {
  return (value): value is string => typeof value === 'string' && value.length <= max;
}

/** Exactly one of these values. */
function isLiteral<const T extends string | number>(...values: readonly T[]): Guard<T> {
  return (value): value is T => (values as readonly unknown[]).includes(value);
}

/** One member of a string enum; the record makes a member missing from it a compile error. */
function isOneOf<T extends string>(members: Readonly<Record<T, true>>): Guard<T> {
  return (value): value is T => typeof value === 'string' && Object.hasOwn(members, value);
}

function nullable<T>(check: Guard<T>): Guard<T | null> {
  return (value): value is T | null => value === null || check(value);
}

function isAnyOf<A, B>(first: Guard<A>, second: Guard<B>): Guard<A | B> {
  return (value): value is A | B => first(value) || second(value);
}

const isBoolean: Guard<boolean> = (value): value is boolean => typeof value === 'boolean';
const isFiniteNumber = isNumberIn(-Number.MAX_VALUE, Number.MAX_VALUE);
const isNonNegative = isNumberIn(0, Number.MAX_VALUE);
const isUnitInterval = isNumberIn(0, 1);
const isCount = isIntegerIn(0);
const isPositiveInteger = isIntegerIn(1);
const isText = isBoundedString(LIMITS.text);
const isMessageText = isBoundedString(LIMITS.message);

type Fields = Readonly<Record<string, Guard<unknown>>>;
type Checked<F extends Fields> = { readonly [K in keyof F]: F[K] extends Guard<infer T> ? T : never };

/**
 * A plain object whose own fields pass their checks: every `required` one, and each
 * `optional` one that is present (absent or `undefined` is fine).
 */
function record<F extends Fields, O extends Fields = {}>(required: F, optional?: O): Guard<Checked<F> & Partial<Checked<O>>> {
  const requiredChecks = Object.entries(required);
  const optionalChecks = Object.entries(optional ?? {});
  return (value): value is Checked<F> & Partial<Checked<O>> => {
    if (!isPlainRecord(value)) return false;
    for (const [key, check] of requiredChecks) if (!check(own(value, key))) return false;
    for (const [key, check] of optionalChecks) {
      const field = own(value, key);
      if (field !== undefined && !check(field)) return false;
    }
    return true;
  };
}

/** What passes `check` and then `rule`, a relation between fields (batch ≤ batches). */
function where<T>(check: Guard<T>, rule: (value: T) => boolean): Guard<T> {
  return (value): value is T => check(value) && rule(value);
}

/** A plain object whose own string field `tag` names one of `variants`, which it then passes. */
function taggedUnion<T>(tag: string, variants: Readonly<Record<string, Guard<T>>>): Guard<T> {
  return (value): value is T => {
    if (!isPlainRecord(value)) return false;
    const name = own(value, tag);
    return typeof name === 'string' && Object.hasOwn(variants, name) && (variants[name] as Guard<T>)(value);
  };
}

// ── base64 and PNG ─────────────────────────────────────────────────────────────────

/** The 6-bit value of a standard base64 character, or -1. */
function sextet(code: number): number {
  if (code >= 65 && code <= 90) return code - 65; // A-Z
  if (code >= 97 && code <= 122) return code - 71; // a-z
  if (code >= 48 && code <= 57) return code + 4; // 0-9
  return code === 43 ? 62 : code === 47 ? 63 : -1; // + /
}

/** The bytes a padded standard base64 string holds, or -1 when it is not one. */
function base64Bytes(value: string): number {
  if (value.length % 4 !== 0) return -1;
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  for (let index = 0; index < value.length - padding; index++) if (sextet(value.charCodeAt(index)) < 0) return -1;
  return (value.length / 4) * 3 - padding;
}

/** The first `count` bytes of a valid base64 string. */
function base64Prefix(value: string, count: number): number[] {
  const bytes: number[] = [];
  for (let index = 0; bytes.length < count; index += 4) {
    const [a, b, c, d] = [0, 1, 2, 3].map((offset) => Math.max(0, sextet(value.charCodeAt(index + offset))));
    const group = ((a as number) << 18) | ((b as number) << 12) | ((c as number) << 6) | (d as number);
    bytes.push((group >> 16) & 255, (group >> 8) & 255, group & 255);
  }
  return bytes.slice(0, count);
}

/** Characters of base64 for `bytes` bytes. */
const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);

/** Padded standard base64 of exactly `bytes` bytes (checked without decoding). */
function isBase64Of(value: unknown, bytes: number): boolean {
  return typeof value === 'string' && Number.isSafeInteger(bytes) && bytes >= 0 && value.length === base64Length(bytes) && base64Bytes(value) === bytes;
}

/** The 8-byte PNG signature, then the IHDR chunk's length (13) and type. */
const PNG_HEADER = [137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82];

/**
 * A PNG in base64 of at most `pngBytes` bytes: the PNG signature, and (unless the signature is
 * all there is) an IHDR whose width and height are within `pngSide`, at most `pngPixels` in
 * all, and at least `minWidth` × `minHeight` (one pixel per grid cell or strip step).
 */
function isPngOf(value: string, minWidth: number, minHeight: number): boolean {
  // The signature's first 7½ bytes, before a scan of what may be megabytes.
  if (!value.startsWith('iVBORw0KGg')) return false;
  const size = base64Bytes(value);
  if (size < 8 || size > LIMITS.pngBytes || (size > 8 && size < 24)) return false;
  const head = base64Prefix(value, Math.min(size, 24));
  const expected = size === 8 ? PNG_HEADER.slice(0, 8) : PNG_HEADER;
  if (!expected.every((byte, index) => head[index] === byte)) return false;
  if (size === 8) return true;
  const uint32 = (at: number): number => (head[at] as number) * 2 ** 24 + (((head[at + 1] as number) << 16) | ((head[at + 2] as number) << 8) | (head[at + 3] as number));
  const width = uint32(16);
  const height = uint32(20);
  return width >= Math.max(1, minWidth) && height >= Math.max(1, minHeight) && width <= LIMITS.pngSide && height <= LIMITS.pngSide && width * height <= LIMITS.pngPixels;
}

const isPngText = isBoundedString(base64Length(LIMITS.pngBytes));

// ── the IR (convlens/ir), as far as a message's shape goes ─────────────────────────────
//
// Types only: every number finite or null (null: unknown to static evaluation), pairs of
// two, names bounded. Whether a value makes sense (filters ≥ 1, a kernel that fits) is the
// engine's and the compiler's to say, with a message that names the layer.

const isNum: Guard<Num> = nullable(isFiniteNumber);
const isFlag = nullable(isBoolean);
const isPair = isDenseArray(isNum, 2, 2) as Guard<Pair>;
const isConvPadding = isAnyOf(isLiteral('same'), isPair);
const isShape = isDenseArray(isNum, LIMITS.tensorRank);
const isUserName = nullable(isText);

/** Depth and node count of the IR walk in progress (validation is synchronous). */
const irWalk = { depth: 0, nodes: 0 };

/** A layer, its containers' children within `irDepth` levels and the whole tree within `irNodes` nodes. */
function isLayerNode(value: unknown): value is LayerNode {
  if (irWalk.depth >= LIMITS.irDepth || irWalk.nodes >= LIMITS.irNodes) return false;
  irWalk.depth += 1;
  irWalk.nodes += 1;
  const valid = isLayerVariant(value);
  irWalk.depth -= 1;
  return valid;
}

const isLayers = isDenseArray(isLayerNode, LIMITS.list);

const LAYER_CHECKS = {
  unknown: record({ kind: isLiteral('unknown'), reason: isMessageText }),
  conv2d: record({ kind: isLiteral('conv2d'), filters: isNum, kernelSize: isPair, stride: isPair, padding: isConvPadding, dilation: isPair, groups: isNum, bias: isFlag, name: isUserName }),
  conv2dTranspose: record({ kind: isLiteral('conv2dTranspose'), filters: isNum, kernelSize: isPair, stride: isPair, padding: isConvPadding, outputPadding: isPair, bias: isFlag, name: isUserName }),
  maxPool2d: record({ kind: isLiteral('maxPool2d'), kernelSize: isPair, stride: isPair, padding: isConvPadding, ceilMode: isFlag, name: isUserName }),
  avgPool2d: record({ kind: isLiteral('avgPool2d'), kernelSize: isPair, stride: isPair, padding: isConvPadding, ceilMode: isFlag, countIncludePad: isFlag, name: isUserName }),
  adaptiveAvgPool2d: record({ kind: isLiteral('adaptiveAvgPool2d'), outputSize: isPair }),
  globalAvgPool2d: record({ kind: isLiteral('globalAvgPool2d') }),
  flatten: record({ kind: isLiteral('flatten') }),
  reshape: record({ kind: isLiteral('reshape'), shape: isShape }),
  zeroPad2d: record({ kind: isLiteral('zeroPad2d'), padding: isDenseArray(isNum, 4, 4) as Guard<readonly [Num, Num, Num, Num]> }),
  upsample2d: record({ kind: isLiteral('upsample2d'), scale: isPair }),
  dense: record({ kind: isLiteral('dense'), units: isNum, bias: isFlag, name: isUserName }),
  dropout: record({ kind: isLiteral('dropout'), rate: isNum }),
  batchNorm: record({ kind: isLiteral('batchNorm'), momentum: isNum, epsilon: isNum, name: isUserName }),
  lrn: record({ kind: isLiteral('lrn'), size: isNum, alpha: isNum, beta: isNum, k: isNum }),
  relu: record({ kind: isLiteral('relu') }),
  leakyRelu: record({ kind: isLiteral('leakyRelu'), alpha: isNum }),
  tanh: record({ kind: isLiteral('tanh') }),
  sigmoid: record({ kind: isLiteral('sigmoid') }),
  softmax: record({ kind: isLiteral('softmax') }),
  sequential: record({ kind: isLiteral('sequential'), layers: isLayers }),
  residual: record({ kind: isLiteral('residual'), main: isLayerNode, shortcut: nullable(isLayerNode) }),
  concat: record({ kind: isLiteral('concat'), branches: isLayers }),
  aux: record({ kind: isLiteral('aux'), name: isText, head: isLayerNode, weight: isNum }),
} satisfies { readonly [K in LayerKind]: Guard<Extract<LayerNode, { kind: K }>> };

const isLayerVariant = taggedUnion<LayerNode>('kind', LAYER_CHECKS);

const isModelRecord: Guard<ModelNode> = record({
  kind: isLiteral('model'),
  name: isText,
  input: record({ kind: isLiteral('input'), shape: isShape }),
  layers: isLayers,
});

const isGanRecord: Guard<GanNode> = record({
  kind: isLiteral('gan'),
  name: isText,
  latent: isNum,
  image: isDenseArray(isNum, 3, 3) as Guard<readonly [Num, Num, Num]>,
  generator: isLayerNode,
  discriminator: isLayerNode,
});

/** Starts a fresh walk (depth and node budget) for one root. */
function startingWalk<T>(check: Guard<T>): Guard<T> {
  return (value): value is T => {
    irWalk.depth = 0;
    irWalk.nodes = 0;
    return check(value);
  };
}

const isModelNode = startingWalk(isModelRecord);
const isGanNode = startingWalk(isGanRecord);

// ── requests ─────────────────────────────────────────────────────────────────────────

const isPath = isText;
const isBackendName = isOneOf<BackendName>({ webgpu: true, tensorflow: true, wasm: true, cpu: true });
const isRequestedBackend = isAnyOf(isBackendName, isLiteral('auto'));
const isCell = isIntegerIn(0, LIMITS.sampleCells - 1);
const isSteps = isIntegerIn(LIMITS.minSteps, LIMITS.maxSteps);

const isSettings: Guard<TrainingSettings> = record(
  {
    dataset: isText,
    epochs: isPositiveInteger,
    batchSize: isIntegerIn(1, LIMITS.batchSize),
    learningRate: isNumberIn(Number.MIN_VALUE, Number.MAX_VALUE),
    optimizer: isOneOf<TrainingSettings['optimizer']>({ sgd: true, adam: true }),
    /** [0, 1): 1 − 2^-53 is the largest double below 1. */
    validationSplit: isNumberIn(0, 1 - Number.EPSILON / 2),
    augmentation: record({ cropPadding: isIntegerIn(0, LIMITS.imageSide), mirror: isBoolean }),
    tta: isBoolean,
    seed: isIntegerIn(Number.MIN_SAFE_INTEGER),
    backend: isRequestedBackend,
    outDirectory: nullable(isPath),
    resume: isBoolean,
    workers: isIntegerIn(1, LIMITS.workers),
    cwd: isPath,
  },
  {
    limit: record({}, { train: isPositiveInteger, test: isPositiveInteger }),
    cacheDirectory: isPath,
    download: isBoolean,
  },
);

type RequestChecks = { readonly [K in RuntimeRequest['type']]: Guard<Extract<RuntimeRequest, { type: K }>> };

const REQUEST_CHECKS = {
  startTraining: record({ type: isLiteral('startTraining'), root: isAnyOf(isModelNode, isGanNode), settings: isSettings }),
  cancelTraining: record({ type: isLiteral('cancelTraining') }),
  computeFeatureMaps: record({
    type: isLiteral('computeFeatureMaps'),
    root: isModelNode,
    checkpoint: isPath,
    layer: isText,
    /** An image file, or a test sample of a dataset; never both. */
    input: isAnyOf(
      where(record({ image: isPath }), (input) => !Object.hasOwn(input, 'dataset') && !Object.hasOwn(input, 'testIndex')),
      where(record({ dataset: isText, testIndex: isCount }), (input) => !Object.hasOwn(input, 'image')),
    ),
    cwd: isPath,
  }),
  interpolateSamples: record({ type: isLiteral('interpolateSamples'), root: isGanNode, checkpoint: isPath, from: isCell, to: isCell, steps: isSteps, cwd: isPath }),
} satisfies RequestChecks;

// ── events ───────────────────────────────────────────────────────────────────────────

/** A square matrix of counts, one row and column per class (when the classes are given). */
function isConfusion(matrix: readonly (readonly number[])[] | null | undefined, classes: readonly string[] | null | undefined): boolean {
  return matrix === null || matrix === undefined || (matrix.every((row) => row.length === matrix.length) && (classes === null || classes === undefined || classes.length === matrix.length));
}

/** Rows of counts, at most one per class (squareness and the class list: isConfusion). */
const isConfusionMatrix = isDenseArray(isDenseArray(isCount, LIMITS.classes, 1), LIMITS.classes, 1);
const isClassList = isDenseArray(isText, LIMITS.classes);

/** An image's bytes in base64: width × height × channels of them. */
const isInputPixels: Guard<InputPixels> = where(
  record({
    width: isIntegerIn(1, LIMITS.imageSide),
    height: isIntegerIn(1, LIMITS.imageSide),
    channels: isIntegerIn(1, LIMITS.imageSide),
    pixels: isBoundedString(base64Length(LIMITS.imageBytes)),
  }),
  ({ width, height, channels, pixels }) => width * height * channels <= LIMITS.imageBytes && isBase64Of(pixels, width * height * channels),
);

type EventChecks = { readonly [K in RuntimeEvent['event']]: Guard<Extract<RuntimeEvent, { event: K }>> };

const EVENT_CHECKS = {
  started: record({
    event: isLiteral('started'),
    kind: isOneOf<StartedEvent['kind']>({ classifier: true, gan: true }),
    model: isText,
    backend: isBackendName,
    passedOver: isDenseArray(record({ backend: isBackendName, reason: isMessageText }), 4),
    dataset: isText,
    trainImages: isCount,
    validationImages: isCount,
    testImages: isCount,
    epochs: isPositiveInteger,
    batchSize: isIntegerIn(1, LIMITS.batchSize),
    workers: isIntegerIn(1, LIMITS.workers),
    /** Epochs the resumed checkpoint had done (0 for a fresh run). */
    startEpoch: isCount,
    previousCheckpoint: nullable(isPath),
  }),
  progress: where(
    record(
      {
        event: isLiteral('progress'),
        epoch: isPositiveInteger,
        epochs: isPositiveInteger,
        batch: isPositiveInteger,
        batches: isPositiveInteger,
        loss: isFiniteNumber,
        accuracy: nullable(isUnitInterval),
        imagesPerSecond: isNonNegative,
      },
      { generatorLoss: isFiniteNumber },
    ),
    (e) => e.epoch <= e.epochs && e.batch <= e.batches,
  ),
  epochEnded: where(
    record(
      {
        event: isLiteral('epochEnded'),
        epoch: isPositiveInteger,
        epochs: isPositiveInteger,
        loss: isFiniteNumber,
        accuracy: nullable(isUnitInterval),
        validationLoss: nullable(isFiniteNumber),
        validationAccuracy: nullable(isUnitInterval),
        seconds: isNonNegative,
        imagesPerSecond: isNonNegative,
        checkpoint: nullable(isPath),
      },
      { generatorLoss: isFiniteNumber },
    ),
    (e) => e.epoch <= e.epochs,
  ),
  /** A grid of rows × columns cells (at most one per fixed latent vector), at least a pixel each. */
  samplesReady: where(
    record({
      event: isLiteral('samplesReady'),
      epoch: isPositiveInteger,
      path: nullable(isPath),
      rows: isIntegerIn(1, LIMITS.sampleCells),
      columns: isIntegerIn(1, LIMITS.sampleCells),
      png: isPngText,
    }),
    (e) => e.rows * e.columns <= LIMITS.sampleCells && isPngOf(e.png, e.columns, e.rows),
  ),
  /** Sizes whose product is the number of values, every value within [min, max]. */
  featureMaps: where(
    record({
      event: isLiteral('featureMaps'),
      layer: isText,
      shape: isDenseArray(isIntegerIn(0, LIMITS.tensorValues), LIMITS.tensorRank, 1),
      values: isDenseArray(isFiniteNumber, LIMITS.tensorValues),
      min: isFiniteNumber,
      max: isFiniteNumber,
      input: isInputPixels,
    }),
    ({ shape, values, min, max }) => min <= max && shape.reduce((product, size) => product * size, 1) === values.length && values.every((value) => value >= min && value <= max),
  ),
  /** One row of `steps` images, at least a pixel each. */
  interpolationReady: where(
    record({ event: isLiteral('interpolationReady'), from: isCell, to: isCell, steps: isSteps, png: isPngText }),
    (e) => isPngOf(e.png, e.steps, 1),
  ),
  /** The epochs completed before the cancel: 0 when the first was cancelled. */
  stopped: record({ event: isLiteral('stopped'), reason: isOneOf<StoppedEvent['reason']>({ cancelled: true }), epoch: isCount, checkpoint: nullable(isPath) }),
  failed: record({ event: isLiteral('failed'), message: isMessageText }),
  finished: where(
    record(
      { event: isLiteral('finished'), testAccuracy: nullable(isUnitInterval), testLoss: nullable(isFiniteNumber), checkpoint: nullable(isPath) },
      { confusionMatrix: nullable(isConfusionMatrix), classes: nullable(isClassList), samples: nullable(isPath), interpolation: nullable(isPath) },
    ),
    (e) => isConfusion(e.confusionMatrix, e.classes),
  ),
} satisfies EventChecks;

const isRequest = taggedUnion<RuntimeRequest>('type', REQUEST_CHECKS);
const isEvent = taggedUnion<RuntimeEvent>('event', EVENT_CHECKS);

/** A request for the runtime process, every field within its range (the IR as far as its shape goes). */
export function isRuntimeRequest(value: unknown): value is RuntimeRequest {
  return isRequest(value);
}

/** An event from the runtime process, every field within its range. */
export function isRuntimeEvent(value: unknown): value is RuntimeEvent {
  return isEvent(value);
}
