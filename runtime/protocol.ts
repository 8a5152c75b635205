/**
 * The runtime's message protocol (runtime/README.md, "Process"): what a client (the VS Code extension,
 * the CLI) asks of a training process and what the process reports back. One file that
 * both sides import; every message is plain JSON, discriminated by `type` (requests,
 * imperative) or `event` (events, past tense) — the shapes `convlens train --json` prints.
 */
import { childrenOf, type GanNode, type LayerNode, type ModelNode, type Num } from 'convlens/ir';
import * as v from 'valibot';
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

/** A unit of a layer's output: a pixel (row, column) of one channel, or entry `channel` of a vector (row and column 0). */
export interface UnitPosition {
  readonly channel: number;
  readonly row: number;
  readonly column: number;
}

/**
 * The effective receptive field of one unit of a checkpoint's layer for an input (the
 * gradient of the unit with respect to the network's input). Answered with
 * `effectiveReceptiveField` or `failed`.
 */
export interface ComputeEffectiveReceptiveFieldRequest {
  readonly type: 'computeEffectiveReceptiveField';
  readonly root: ModelNode;
  readonly checkpoint: string;
  readonly layer: string;
  readonly unit: UnitPosition;
  readonly input: ComputeFeatureMapsRequest['input'];
  readonly cwd: string;
}

/**
 * Grad-CAM of a class over a layer of a checkpoint for an input: `layer` null for the last
 * conv2d, `classIndex` null for the most probable class. Answered with `gradCam` or `failed`.
 */
export interface ComputeGradCamRequest {
  readonly type: 'computeGradCam';
  readonly root: ModelNode;
  readonly checkpoint: string;
  readonly layer: string | null;
  readonly classIndex: number | null;
  readonly input: ComputeFeatureMapsRequest['input'];
  readonly cwd: string;
}

export type RuntimeRequest =
  | StartTrainingRequest
  | CancelTrainingRequest
  | ComputeFeatureMapsRequest
  | InterpolateSamplesRequest
  | ComputeEffectiveReceptiveFieldRequest
  | ComputeGradCamRequest;

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

/** A unit's effective receptive field: |∂unit/∂input| summed over the input's channels, [H, W] over the input. */
export interface EffectiveReceptiveFieldEvent {
  readonly event: 'effectiveReceptiveField';
  readonly layer: string;
  readonly unit: UnitPosition;
  /** [H, W]: the model's input size. */
  readonly shape: readonly number[];
  readonly values: readonly number[];
  readonly min: number;
  readonly max: number;
}

/** Grad-CAM at the layer's resolution, [h, w], non-negative. */
export interface GradCamEvent {
  readonly event: 'gradCam';
  readonly layer: string;
  readonly classIndex: number;
  /** The class's name in the checkpoint (`7`, a folder dataset's subfolder). */
  readonly label: string;
  readonly probability: number;
  readonly shape: readonly number[];
  readonly values: readonly number[];
  readonly min: number;
  readonly max: number;
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

export type RuntimeEvent = TrainingEvent | FeatureMapsEvent | InterpolationReadyEvent | EffectiveReceptiveFieldEvent | GradCamEvent;

// ── Validation ───────────────────────────────────────────────────────────────────────
//
// Messages are validated on receipt: a process boundary is a trust boundary, and the IPC
// channel's advanced serialization carries sparse arrays, typed arrays, NaN and Infinity as
// they are. Every message is checked against a valibot schema below: every field within its
// range, relations between fields by `v.check`; other fields are ignored. The compiler holds
// each schema's output to its message type, field for field (`guardOf`). valibot is this
// file's one run-time import: the extension host loads it, and never TensorFlow.js.
//
// What valibot does not do itself is the few checks after the limits: its objects take any
// object and read fields with `in` (inherited ones too) and its arrays take subclasses and
// read holes, so records are plain objects (prototype Object.prototype or null, no own
// `__proto__` key) seen through their own fields only, and arrays are real arrays without
// holes; base64 sizes, PNG headers and the IR walk's budget are ours too. webviews/protocol.ts
// holds the same few checks: the runtime may import nothing but convlens/ir and webviews/
// nothing outside it (test/architecture.test.ts), so the one module both may load is valibot.

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
  /**
   * Layers in one list of the IR, IR nodes in a whole message, and the nesting depth of its
   * containers: above what the engine analyses (100,000 layers a network, containers 1,000
   * deep; a GAN has two networks), so that every model the editor accepts can be trained.
   */
  list: 100_000,
  irNodes: 250_000,
  irDepth: 1_010,
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

// ── what valibot leaves to us ───────────────────────────────────────────────────────

/** An object literal or JSON object: prototype Object.prototype or null, no own `__proto__` key. */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && !Object.hasOwn(value, '__proto__');
}

/** What valibot sees of a record: its own fields (its `in` and its reads never reach a prototype). */
const OWN_FIELDS: ProxyHandler<Record<string, unknown>> = {
  has: (record, key) => Object.hasOwn(record, key),
  get: (record, key) => (Object.hasOwn(record, key) ? record[key as string] : undefined),
};

/** `schema` (an object, or a variant or union of objects) applied to the own fields of a plain record. */
function plain<S extends v.GenericSchema>(schema: S) {
  return v.pipe(
    v.custom<Record<string, unknown>>(isPlainRecord),
    // Typed as what `schema` then checks.
    v.transform((record: Record<string, unknown>) => new Proxy(record, OWN_FIELDS) as v.InferInput<S>),
    schema,
  );
}

/** A real array: not a subclass, an array-like or a typed array. */
const isArray = (value: unknown): boolean => Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;

/** Every index an own element (a hole reads as undefined, or from a polluted Array.prototype). */
function hasNoHoles<T>(array: T[]): boolean {
  for (let index = 0; index < array.length; index++) if (!Object.hasOwn(array, index)) return false;
  return true;
}

/** A real array of `min`…`max` elements, no holes, each passing `item` (lengths before items). */
function list<S extends v.GenericSchema>(item: S, max: number, min = 0) {
  return v.pipe(v.custom<unknown[]>(isArray), v.minLength(min), v.maxLength(max), v.check<unknown[]>(hasNoHoles), v.array(item));
}

/** A real array of exactly these items, no holes. */
function tuple<const S extends readonly v.GenericSchema[]>(items: S) {
  return v.pipe(v.custom<unknown[]>(isArray), v.length(items.length), v.check<unknown[]>(hasNoHoles), v.tuple(items));
}

/**
 * A real array of up to `max` numbers, no holes, each passing `isNumber`, in one pass (valibot's
 * everyItem): for the arrays of up to 2^24 numbers (tensors), where `v.array` would build a copy
 * with a dataset per element (VGG-16's first maps, 3.2 M values: 0.45 s; this: 0.06 s).
 */
function numbers(isNumber: (value: unknown) => boolean, max: number) {
  return v.pipe(v.custom<number[]>(isArray), v.maxLength(max), v.check<number[]>(hasNoHoles), v.everyItem(isNumber));
}

/** A schema's output and a message type, readonly aside: equal, or `false`. */
type Writable<T> = T extends object ? { -readonly [K in keyof T]: Writable<T[K]> } : T;
type Same<A, B> = (<T>() => T extends Writable<A> ? 1 : 2) extends <T>() => T extends Writable<B> ? 1 : 2 ? true : false;

/** The guard of `T` by `schema`, which must check exactly `T` (else: "Expected 2 arguments"). */
function guardOf<T>() {
  return <S extends v.GenericSchema>(schema: S, ..._matches: Same<v.InferOutput<S>, T> extends true ? [] : [schemaDoesNotMatchType: never]) =>
    (value: unknown): value is T =>
      v.is(schema, value);
}

// ── base64 and PNG ─────────────────────────────────────────────────────────────────

/**
 * Standard base64 characters, then at most two `=`. (valibot's `base64()` regex overflows V8's
 * backtracking stack past a few million characters; this one is a plain loop, fine on 90 M.)
 */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes a padded standard base64 string holds, or -1 when it is not one. */
function base64Bytes(value: string): number {
  if (value.length % 4 !== 0 || !BASE64.test(value)) return -1;
  return (value.length / 4) * 3 - (value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0);
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
  // The first 24 bytes (32 characters, valid base64 by now; atob: browsers and Node ≥ 16).
  const head = Array.from(atob(value.slice(0, 32)), (character) => character.charCodeAt(0));
  const expected = size === 8 ? PNG_HEADER.slice(0, 8) : PNG_HEADER;
  if (!expected.every((byte, index) => head[index] === byte)) return false;
  if (size === 8) return true;
  const uint32 = (at: number): number => (head[at] as number) * 2 ** 24 + (((head[at + 1] as number) << 16) | ((head[at + 2] as number) << 8) | (head[at + 3] as number));
  const width = uint32(16);
  const height = uint32(20);
  return width >= Math.max(1, minWidth) && height >= Math.max(1, minHeight) && width <= LIMITS.pngSide && height <= LIMITS.pngSide && width * height <= LIMITS.pngPixels;
}

// ── fields ───────────────────────────────────────────────────────────────────────────

/** A plain record whose own fields pass `entries` (an optional one may be absent or undefined). */
const record = <E extends v.ObjectEntries>(entries: E) => plain(v.object(entries));
/** A string of at most `max` characters. */
const string = (max: number) => v.pipe(v.string(), v.maxLength(max));
/** A number in [min, max] (finite bounds: NaN and ±Infinity never pass). */
const numberIn = (min: number, max: number) => v.pipe(v.number(), v.minValue(min), v.maxValue(max));
/** An integer in [min, max]; max defaults to the largest safe integer. */
const integerIn = (min: number, max = Number.MAX_SAFE_INTEGER) => v.pipe(v.number(), v.safeInteger(), v.minValue(min), v.maxValue(max));

const finite = v.pipe(v.number(), v.finite());
const nonNegative = numberIn(0, Number.MAX_VALUE);
const unitInterval = numberIn(0, 1);
const count = integerIn(0);
const positive = integerIn(1);
const text = string(LIMITS.text);
const messageText = string(LIMITS.message);
const path = text;
const pngText = string(base64Length(LIMITS.pngBytes));

// ── the IR (convlens/ir), as far as a message's shape goes ─────────────────────────────
//
// Types only: every number finite or null (null: unknown to static evaluation), pairs of
// two, names bounded. Whether a value makes sense (filters ≥ 1, a kernel that fits) is the
// engine's and the compiler's to say, with a message that names the layer.

// A message carries numbers only: the IR's symbolic expressions (of helpers not called yet)
// never travel, and arrive as strings if they did, which this rejects. Declared as the IR's
// `Num` so the guards below compare like with like: every finite number or null is one.
const num: v.GenericSchema<unknown, Num> = v.nullable(finite);
const flag = v.nullable(v.boolean());
const pair = tuple([num, num]);
const convPadding = v.union([v.literal('same'), pair]);
const shape = list(num, LIMITS.tensorRank);
const userName = v.nullable(text);

/** Nodes of the root being validated so far (validation is synchronous). */
const irWalk = { nodes: 0 };

/**
 * A container's child in the schema of one layer: accepted there and checked by the walk
 * below instead, so that validation never recurses once per level (a model may nest its
 * containers 1,000 deep, past what recursive schemas leave of the stack).
 */
const childSlot = v.custom<LayerNode>(() => true);

/** A layer and everything inside it, depth first and iteratively: within `irDepth` levels and the root's `irNodes` nodes. */
const layerNode: v.GenericSchema<LayerNode> = v.custom<LayerNode>((top): boolean => {
  const pending: { node: unknown; depth: number }[] = [{ node: top, depth: 1 }];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    irWalk.nodes += 1;
    if (entry.depth > LIMITS.irDepth || irWalk.nodes > LIMITS.irNodes || !isLayerVariant(entry.node)) return false;
    for (const child of childrenOf(entry.node)) pending.push({ node: child, depth: entry.depth + 1 });
  }
  return true;
});

const layers = list(layerNode, LIMITS.list);
const childSlots = list(childSlot, LIMITS.list);

const layerVariant = plain(
  v.variant('kind', [
    v.object({ kind: v.literal('unknown'), reason: messageText }),
    v.object({ kind: v.literal('conv2d'), filters: num, kernelSize: pair, stride: pair, padding: convPadding, dilation: pair, groups: num, bias: flag, name: userName }),
    v.object({ kind: v.literal('conv2dTranspose'), filters: num, kernelSize: pair, stride: pair, padding: convPadding, outputPadding: pair, bias: flag, name: userName }),
    v.object({ kind: v.literal('maxPool2d'), kernelSize: pair, stride: pair, padding: convPadding, ceilMode: flag, name: userName }),
    v.object({ kind: v.literal('avgPool2d'), kernelSize: pair, stride: pair, padding: convPadding, ceilMode: flag, countIncludePad: flag, name: userName }),
    v.object({ kind: v.literal('adaptiveAvgPool2d'), outputSize: pair }),
    v.object({ kind: v.literal('globalAvgPool2d') }),
    v.object({ kind: v.literal('flatten') }),
    v.object({ kind: v.literal('reshape'), shape }),
    v.object({ kind: v.literal('zeroPad2d'), padding: tuple([num, num, num, num]) }),
    v.object({ kind: v.literal('upsample2d'), scale: pair }),
    v.object({ kind: v.literal('dense'), units: num, bias: flag, name: userName }),
    v.object({ kind: v.literal('dropout'), rate: num }),
    v.object({ kind: v.literal('batchNorm'), momentum: num, epsilon: num, name: userName }),
    v.object({ kind: v.literal('lrn'), size: num, alpha: num, beta: num, k: num }),
    v.object({ kind: v.literal('relu') }),
    v.object({ kind: v.literal('relu6'), name: userName }),
    v.object({ kind: v.literal('leakyRelu'), alpha: num }),
    v.object({ kind: v.literal('tanh') }),
    v.object({ kind: v.literal('sigmoid') }),
    v.object({ kind: v.literal('softmax') }),
    v.object({ kind: v.literal('identity'), name: userName }),
    v.object({ kind: v.literal('sequential'), layers: childSlots }),
    v.object({ kind: v.literal('residual'), main: childSlot, shortcut: v.nullable(childSlot) }),
    v.object({ kind: v.literal('concat'), branches: childSlots }),
    v.object({ kind: v.literal('aux'), name: text, head: childSlot, weight: num }),
  ]),
);

const isLayerVariant = guardOf<LayerNode>()(layerVariant);

/** A root: the walk (depth and node budget) starts afresh for each. */
function root<T>(isRoot: (value: unknown) => value is T) {
  return v.custom<T>((value) => {
    irWalk.nodes = 0;
    return isRoot(value);
  });
}

const modelNode = root(guardOf<ModelNode>()(record({ kind: v.literal('model'), name: text, input: record({ kind: v.literal('input'), shape }), layers })));
const ganNode = root(
  guardOf<GanNode>()(record({ kind: v.literal('gan'), name: text, latent: num, image: tuple([num, num, num]), generator: layerNode, discriminator: layerNode })),
);

// ── requests ─────────────────────────────────────────────────────────────────────────

const BACKENDS = ['webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
const backendName = v.picklist(BACKENDS);
const cell = integerIn(0, LIMITS.sampleCells - 1);
const steps = integerIn(LIMITS.minSteps, LIMITS.maxSteps);
/** A field that must not be there. */
const absent = v.exactOptional(v.never());

const settings = record({
  dataset: text,
  epochs: positive,
  batchSize: integerIn(1, LIMITS.batchSize),
  learningRate: numberIn(Number.MIN_VALUE, Number.MAX_VALUE),
  optimizer: v.picklist(['sgd', 'adam']),
  /** [0, 1): 1 − 2^-53 is the largest double below 1. */
  validationSplit: numberIn(0, 1 - Number.EPSILON / 2),
  augmentation: record({ cropPadding: integerIn(0, LIMITS.imageSide), mirror: v.boolean() }),
  tta: v.boolean(),
  seed: integerIn(Number.MIN_SAFE_INTEGER),
  backend: v.picklist([...BACKENDS, 'auto']),
  outDirectory: v.nullable(path),
  resume: v.boolean(),
  workers: integerIn(1, LIMITS.workers),
  limit: v.optional(record({ train: v.optional(positive), test: v.optional(positive) })),
  cwd: path,
  cacheDirectory: v.optional(path),
  download: v.optional(v.boolean()),
});

/** An image file, or a test sample of a dataset; never both (the output drops the absent fields, which the type does not name). */
const inspectionInput = plain(
  v.union([
    v.pipe(
      v.object({ image: path, dataset: absent, testIndex: absent }),
      v.transform(({ image }) => ({ image })),
    ),
    v.pipe(
      v.object({ dataset: text, testIndex: count, image: absent }),
      v.transform(({ dataset, testIndex }) => ({ dataset, testIndex })),
    ),
  ]),
);

/** A unit of a layer's output (its range is the layer's, which the process checks). */
const unitPosition = record({ channel: count, row: count, column: count });

const runtimeRequest = plain(
  v.variant('type', [
    v.object({ type: v.literal('startTraining'), root: v.union([modelNode, ganNode]), settings }),
    v.object({ type: v.literal('cancelTraining') }),
    v.object({
      type: v.literal('computeFeatureMaps'),
      root: modelNode,
      checkpoint: path,
      layer: text,
      input: inspectionInput,
      cwd: path,
    }),
    v.object({ type: v.literal('interpolateSamples'), root: ganNode, checkpoint: path, from: cell, to: cell, steps, cwd: path }),
    v.object({ type: v.literal('computeEffectiveReceptiveField'), root: modelNode, checkpoint: path, layer: text, unit: unitPosition, input: inspectionInput, cwd: path }),
    v.object({ type: v.literal('computeGradCam'), root: modelNode, checkpoint: path, layer: v.nullable(text), classIndex: v.nullable(count), input: inspectionInput, cwd: path }),
  ]),
);

// ── events ───────────────────────────────────────────────────────────────────────────

/** An image's bytes in base64: width × height × channels of them. */
const inputPixels = v.pipe(
  record({ width: integerIn(1, LIMITS.imageSide), height: integerIn(1, LIMITS.imageSide), channels: integerIn(1, LIMITS.imageSide), pixels: string(base64Length(LIMITS.imageBytes)) }),
  v.check(({ width, height, channels, pixels }) => width * height * channels <= LIMITS.imageBytes && isBase64Of(pixels, width * height * channels)),
);

/** Rows of counts, at most one per class; square, one row and column per class when the classes are given. */
const confusionMatrix = list(list(count, LIMITS.classes, 1), LIMITS.classes, 1);
const isConfusion = (matrix: readonly (readonly number[])[] | null | undefined, classes: readonly string[] | null | undefined): boolean =>
  matrix === null || matrix === undefined || (matrix.every((row) => row.length === matrix.length) && (classes === null || classes === undefined || classes.length === matrix.length));

/** Sizes whose product is the number of values, every value within [min, max]. */
const isMap = ({ shape, values, min, max }: { shape: number[]; values: number[]; min: number; max: number }): boolean =>
  min <= max && shape.reduce((product, size) => product * size, 1) === values.length && values.every((value) => value >= min && value <= max);

const runtimeEvent = plain(
  v.variant('event', [
    v.object({
      event: v.literal('started'),
      kind: v.picklist(['classifier', 'gan']),
      model: text,
      backend: backendName,
      passedOver: list(record({ backend: backendName, reason: messageText }), 4),
      dataset: text,
      trainImages: count,
      validationImages: count,
      testImages: count,
      epochs: positive,
      batchSize: integerIn(1, LIMITS.batchSize),
      workers: integerIn(1, LIMITS.workers),
      /** Epochs the resumed checkpoint had done (0 for a fresh run). */
      startEpoch: count,
      previousCheckpoint: v.nullable(path),
    }),
    v.pipe(
      v.object({
        event: v.literal('progress'),
        epoch: positive,
        epochs: positive,
        batch: positive,
        batches: positive,
        loss: finite,
        accuracy: v.nullable(unitInterval),
        generatorLoss: v.optional(finite),
        imagesPerSecond: nonNegative,
      }),
      v.check((e) => e.epoch <= e.epochs && e.batch <= e.batches),
    ),
    v.pipe(
      v.object({
        event: v.literal('epochEnded'),
        epoch: positive,
        epochs: positive,
        loss: finite,
        accuracy: v.nullable(unitInterval),
        generatorLoss: v.optional(finite),
        validationLoss: v.nullable(finite),
        validationAccuracy: v.nullable(unitInterval),
        seconds: nonNegative,
        imagesPerSecond: nonNegative,
        checkpoint: v.nullable(path),
      }),
      v.check((e) => e.epoch <= e.epochs),
    ),
    /** A grid of rows × columns cells (at most one per fixed latent vector), at least a pixel each. */
    v.pipe(
      v.object({ event: v.literal('samplesReady'), epoch: positive, path: v.nullable(path), rows: integerIn(1, LIMITS.sampleCells), columns: integerIn(1, LIMITS.sampleCells), png: pngText }),
      v.check((e) => e.rows * e.columns <= LIMITS.sampleCells && isPngOf(e.png, e.columns, e.rows)),
    ),
    /** Sizes whose product is the number of values, every value within [min, max]. */
    v.pipe(
      v.object({
        event: v.literal('featureMaps'),
        layer: text,
        shape: list(integerIn(0, LIMITS.tensorValues), LIMITS.tensorRank, 1),
        values: numbers(Number.isFinite, LIMITS.tensorValues),
        min: finite,
        max: finite,
        input: inputPixels,
      }),
      v.check(({ shape, values, min, max }) => min <= max && shape.reduce((product, size) => product * size, 1) === values.length && values.every((value) => value >= min && value <= max)),
    ),
    /** [H, W] over the input: sizes whose product is the number of values, every value within [min, max]. */
    v.pipe(
      v.object({ event: v.literal('effectiveReceptiveField'), layer: text, unit: unitPosition, shape: list(integerIn(0, LIMITS.tensorValues), 2, 2), values: numbers(Number.isFinite, LIMITS.tensorValues), min: finite, max: finite }),
      v.check((e) => isMap(e)),
    ),
    v.pipe(
      v.object({
        event: v.literal('gradCam'),
        layer: text,
        classIndex: count,
        label: text,
        probability: unitInterval,
        shape: list(integerIn(0, LIMITS.tensorValues), 2, 2),
        values: numbers(Number.isFinite, LIMITS.tensorValues),
        min: finite,
        max: finite,
      }),
      v.check((e) => isMap(e)),
    ),
    /** One row of `steps` images, at least a pixel each. */
    v.pipe(
      v.object({ event: v.literal('interpolationReady'), from: cell, to: cell, steps, png: pngText }),
      v.check((e) => isPngOf(e.png, e.steps, 1)),
    ),
    /** The epochs completed before the cancel: 0 when the first was cancelled. */
    v.object({ event: v.literal('stopped'), reason: v.literal('cancelled'), epoch: count, checkpoint: v.nullable(path) }),
    v.object({ event: v.literal('failed'), message: messageText }),
    v.pipe(
      v.object({
        event: v.literal('finished'),
        testAccuracy: v.nullable(unitInterval),
        testLoss: v.nullable(finite),
        checkpoint: v.nullable(path),
        confusionMatrix: v.optional(v.nullable(confusionMatrix)),
        classes: v.optional(v.nullable(list(text, LIMITS.classes))),
        samples: v.optional(v.nullable(path)),
        interpolation: v.optional(v.nullable(path)),
      }),
      v.check((e) => isConfusion(e.confusionMatrix, e.classes)),
    ),
  ]),
);

const isRequest = guardOf<RuntimeRequest>()(runtimeRequest);
const isEvent = guardOf<RuntimeEvent>()(runtimeEvent);

/** A request for the runtime process, every field within its range (the IR as far as its shape goes). */
export function isRuntimeRequest(value: unknown): value is RuntimeRequest {
  return isRequest(value);
}

/** An event from the runtime process, every field within its range. */
export function isRuntimeEvent(value: unknown): value is RuntimeEvent {
  return isEvent(value);
}
