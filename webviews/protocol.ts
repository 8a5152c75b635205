/**
 * The typed extension ⇄ webview protocol (webviews/README.md): one file both sides import.
 * Requests from a panel are imperative (`stopTraining`), messages from the extension are
 * past-tense events (`epochEnded`) or snapshots (`summaryUpdated`). Everything is plain
 * JSON; every message is validated on receipt (`isHostMessage`, `isPanelMessage`): a
 * webview boundary is a trust boundary, and unknown or malformed messages are ignored
 * and logged by the receiver.
 *
 * May import: valibot (the validators' schemas) and nothing else, so the browser bundles stay
 * small and the extension host loads no DOM code.
 */
import * as v from 'valibot';

/** Which panel a webview shows; one panel per model, with tabs. */
export type PanelTab = 'summary' | 'training' | 'featureMaps' | 'samples';

// ── Snapshots the extension sends ───────────────────────────────────────────────────

/** One leaf or container row of the Summary tab (what `convlens summary` prints). */
export interface SummaryRow {
  readonly name: string;
  readonly kind: string;
  readonly depth: number;
  readonly container: boolean;
  readonly aux: boolean;
  /** `6@28×28`, `120`, with `?` for unknown dimensions. */
  readonly output: string;
  readonly params: number | null;
  readonly macs: number | null;
  /** `5×5 / 1` (size / jump); null where the output is not spatial. */
  readonly receptiveField: string | null;
  /** 1-based line of the call that created the layer; null when unknown. */
  readonly line: number | null;
}

export interface SummaryFinding {
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  readonly line: number | null;
}

export interface SummarySnapshot {
  readonly title: string;
  readonly kind: 'model' | 'gan';
  readonly input: string;
  readonly output: string;
  readonly rows: readonly SummaryRow[];
  readonly totals: {
    readonly trainable: number | null;
    readonly nonTrainable: number | null;
    readonly aux: number | null;
    readonly macs: number | null;
    readonly receptiveField: string | null;
  };
  readonly findings: readonly SummaryFinding[];
}

/**
 * A layer's theoretical receptive field per axis [height, width] (the engine's): `size` in
 * input pixels, `jump` input pixels between neighbouring units, `start` the centre of unit 0
 * (pixel i has its centre at i). Unit r spans [start + jump·r − (size − 1)/2, … + (size − 1)/2].
 */
export interface ReceptiveFieldGeometry {
  readonly size: readonly [number, number];
  readonly jump: readonly [number, number];
  readonly start: readonly [number, number];
}

/** A layer whose feature maps can be shown. */
export interface InspectableLayer {
  readonly name: string;
  readonly kind: string;
  readonly output: string;
  /** Absent where the output is not spatial or a number is unknown. */
  readonly receptiveField?: ReceptiveFieldGeometry;
}

/** A unit of a layer's output: a pixel (row, column) of one channel, or entry `channel` of a vector (row and column 0). */
export interface UnitPosition {
  readonly channel: number;
  readonly row: number;
  readonly column: number;
}

/** A channels-first activation (or filter bank) with its value range, for colour-mapping. */
export interface TensorSnapshot {
  /** [C, H, W] (a filter bank: [filters·channels, kh, kw]) or [F]. */
  readonly shape: readonly number[];
  readonly values: readonly number[];
  readonly min: number;
  readonly max: number;
}

export interface Prediction {
  readonly label: string;
  readonly probability: number;
  /** The class's index in the model's output (what `computeGradCam` asks for). */
  readonly index?: number;
}

/**
 * The picture the network looked at for a feature-map request: the input exactly as the
 * model received it, resized to its input and converted to its channels, before
 * normalisation. A 1@28×28 model's is 784 bytes (1,048 characters of base64).
 */
export interface InputImage {
  /** What it was: `test sample #12`, the image file's base name, `drawing`. */
  readonly caption: string;
  readonly width: number;
  readonly height: number;
  /** 1 (grey) or 3 (RGB). */
  readonly channels: 1 | 3;
  /** `height × width × channels` bytes 0–255, row-major, channels last (R, G, B per pixel), base64. */
  readonly pixels: string;
}

// ── extension → webview ─────────────────────────────────────────────────────────────

export type HostMessage =
  | { readonly type: 'summaryUpdated'; readonly summary: SummarySnapshot }
  | { readonly type: 'showTab'; readonly tab: PanelTab }
  | {
      readonly type: 'trainingStarted';
      readonly kind: 'classifier' | 'gan';
      readonly backend: string;
      readonly dataset: string;
      readonly epochs: number;
      readonly batchesPerEpoch: number | null;
    }
  | {
      readonly type: 'trainingProgressed';
      readonly epoch: number;
      readonly epochs: number;
      readonly batch: number;
      readonly batches: number;
      readonly loss: number;
      readonly accuracy: number | null;
      readonly generatorLoss: number | null;
      readonly imagesPerSecond: number;
    }
  | {
      readonly type: 'epochEnded';
      readonly epoch: number;
      readonly loss: number;
      readonly accuracy: number | null;
      readonly validationLoss: number | null;
      readonly validationAccuracy: number | null;
      readonly generatorLoss: number | null;
    }
  | {
      readonly type: 'trainingFinished';
      readonly testAccuracy: number | null;
      /** Rows: true class, columns: predicted class. */
      readonly confusionMatrix: readonly (readonly number[])[] | null;
      readonly classes: readonly string[] | null;
    }
  | { readonly type: 'trainingStopped'; readonly epoch: number }
  | { readonly type: 'trainingFailed'; readonly message: string }
  | { readonly type: 'layersListed'; readonly layers: readonly InspectableLayer[] }
  | {
      readonly type: 'featureMapsComputed';
      readonly layer: string;
      readonly maps: TensorSnapshot;
      /** The input these maps are of, as the network received it (absent: not known). */
      readonly input?: InputImage;
    }
  | { readonly type: 'filtersComputed'; readonly layer: string; readonly filters: TensorSnapshot }
  | { readonly type: 'predictionsComputed'; readonly predictions: readonly Prediction[] }
  | { readonly type: 'samplesReady'; readonly epoch: number; readonly png: string; readonly rows: number; readonly columns: number }
  | { readonly type: 'interpolationReady'; readonly png: string; readonly steps: number }
  | { readonly type: 'inspectionFailed'; readonly message: string }
  /** A unit's effective receptive field over the input shown with the maps: [H, W], ≥ 0. */
  | { readonly type: 'effectiveReceptiveFieldComputed'; readonly layer: string; readonly unit: UnitPosition; readonly field: TensorSnapshot }
  /** Grad-CAM of a class over a layer, at the layer's resolution: [h, w], ≥ 0. */
  | {
      readonly type: 'gradCamComputed';
      readonly layer: string;
      readonly classIndex: number;
      readonly label: string;
      readonly probability: number;
      readonly cam: TensorSnapshot;
    };

// ── webview → extension ─────────────────────────────────────────────────────────────

/** Where a feature-map request's input comes from. */
export type InspectionInput =
  | { readonly source: 'testSample'; readonly index: number }
  /**
   * An image the user picks in a file dialog that the extension opens. `reuse: true` (sent
   * when the user only picked another layer) asks for the file picked last time; an
   * extension without one opens the dialog.
   */
  | { readonly source: 'imageFile'; readonly reuse?: boolean }
  /** A drawn digit: row-major grey values in [0, 1]. */
  | { readonly source: 'drawing'; readonly width: number; readonly height: number; readonly pixels: readonly number[] };

/**
 * What the panel writes under the input image and beside the feature maps, the one rule for
 * both sides: `test sample #12`, the image file's base name (when the extension knows it;
 * else `image file`), or `drawing`.
 */
export function describeInspectionInput(input: InspectionInput, fileName: string | null): string {
  switch (input.source) {
    case 'testSample':
      return `test sample #${input.index}`;
    case 'imageFile':
      return fileName ?? 'image file';
    case 'drawing':
      return 'drawing';
    default: {
      const unreachable: never = input;
      return unreachable;
    }
  }
}

export type PanelMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'revealLine'; readonly line: number }
  | { readonly type: 'stopTraining' }
  | { readonly type: 'startTraining' }
  | { readonly type: 'computeFeatureMaps'; readonly layer: string; readonly input: InspectionInput }
  | { readonly type: 'interpolate'; readonly from: number; readonly to: number; readonly steps: number }
  /** Save the architecture diagram: `data` is the SVG text, or a PNG in base64; the extension asks where. */
  | { readonly type: 'saveDiagram'; readonly format: 'svg' | 'png'; readonly data: string }
  /** The effective receptive field of a unit of `layer` for the input the maps were of. */
  | { readonly type: 'computeEffectiveReceptiveField'; readonly layer: string; readonly unit: UnitPosition; readonly input: InspectionInput }
  /** Grad-CAM over `layer` (null: the last conv2d) of class `classIndex` (null: the most probable) for an input. */
  | { readonly type: 'computeGradCam'; readonly layer: string | null; readonly classIndex: number | null; readonly input: InspectionInput };

// ── the panel's first paint ────────────────────────────────────────────────────────

/**
 * What the extension embeds in the panel's HTML (`renderPanelHtml({ initialState })`) so
 * the first paint needs no message: which model, which tab, optionally its summary. A
 * state saved with `setState` (the panel was hidden and shown again) takes precedence.
 */
export interface PanelInitialState {
  readonly title?: string;
  readonly kind?: 'model' | 'gan';
  readonly tab?: PanelTab;
  readonly summary?: SummarySnapshot;
}

// ── validation ──────────────────────────────────────────────────────────────────────
//
// Every message is read as untrusted data and checked against a valibot schema below: every
// field within its range, relations between fields by `v.check`; other fields are ignored.
// The compiler holds each schema's output to its message type, field for field (`guardOf`).
//
// What valibot does not do itself is the few checks after the limits: its objects take any
// object and read fields with `in` (inherited ones too) and its arrays take subclasses and
// read holes, so records are plain objects (prototype Object.prototype or null, no own
// `__proto__` key) seen through their own fields only, and arrays are real arrays without
// holes; base64 sizes and PNG headers are ours too. runtime/protocol.ts holds the same few
// checks: webviews/ may import nothing outside it and the runtime nothing but convlens/ir
// (test/architecture.test.ts), so the one module both may load is valibot itself.

/**
 * The limits the validators hold messages to. Generous where a real run may come near (a
 * failure message, a path, an ImageNet-sized class list); tight where a number sizes a buffer
 * the receiver allocates (images, tensors, PNGs, the sample grid).
 */
export const PROTOCOL_LIMITS = Object.freeze({
  /** Characters of one-line text: names, labels, shapes, paths (Windows long paths: 32,767). */
  text: 32_768,
  /** Characters of free text: failure and finding messages. */
  message: 1_048_576,
  /**
   * Summary rows, findings, listed layers; a summary row's nesting depth. Above what the
   * engine analyses (100,000 layers a network, containers 1,000 deep; a GAN's summary has
   * both networks' rows, one level in), so every summary the editor makes reaches the panel.
   */
  list: 200_010,
  depth: 1_010,
  /** Classes of a confusion matrix (rows = columns = classes) and predictions. */
  classes: 1_024,
  /** A tensor's rank and its number of values (2^24; VGG-16's first maps at 224×224 are 3.2 M). */
  tensorRank: 8,
  tensorValues: 16_777_216,
  /** An input image's or drawing's width and height, and its bytes (width × height × channels). */
  imageSide: 4_096,
  imageBytes: 16_777_216,
  /** A PNG's width and height, its pixels (so the decoded RGBA buffer is ≤ 64 MiB) and its bytes. */
  pngSide: 16_384,
  pngPixels: 16_777_216,
  pngBytes: 67_108_864,
  /** Cells of a GAN's sample grid: the runtime's fixed latent vectors (8 × 8). */
  sampleCells: 64,
  /** Interpolation steps: at least 2; a panel asks for at most 32, the runtime renders up to 64. */
  minSteps: 2,
  maxRequestedSteps: 32,
  maxStripSteps: 64,
  /** Characters of a diagram saved as SVG (ResNet-152 with every container open is about 0.6 M). */
  svgText: 16_777_216,
});

const LIMITS = PROTOCOL_LIMITS;

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

/** `schema` (an object or a variant of objects) applied to the own fields of a plain record. */
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

/**
 * A real array of up to `max` numbers, no holes, each passing `isNumber`, in one pass (valibot's
 * everyItem): for the arrays of up to 2^24 numbers (tensors, drawings), where `v.array` would build a copy
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

/**
 * Base64 of exactly `bytes` bytes: standard alphabet, padded, nothing else (checked without
 * decoding, so the same code runs in the webview and in Node).
 */
export function isBase64Of(value: unknown, bytes: number): boolean {
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

// ── the messages' fields ───────────────────────────────────────────────────────────

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
const side = integerIn(1, LIMITS.imageSide);
const pngText = string(base64Length(LIMITS.pngBytes));

const tab = v.picklist(['summary', 'training', 'featureMaps', 'samples']);
const modelKind = v.picklist(['model', 'gan']);
const line = v.nullable(integerIn(1));

const summary = record({
  title: text,
  kind: modelKind,
  input: text,
  output: text,
  rows: list(
    record({
      name: text,
      kind: text,
      depth: integerIn(0, LIMITS.depth),
      container: v.boolean(),
      aux: v.boolean(),
      output: text,
      params: v.nullable(count),
      macs: v.nullable(count),
      receptiveField: v.nullable(text),
      line,
    }),
    LIMITS.list,
  ),
  totals: record({ trainable: v.nullable(count), nonTrainable: v.nullable(count), aux: v.nullable(count), macs: v.nullable(count), receptiveField: v.nullable(text) }),
  findings: list(record({ code: text, severity: v.picklist(['error', 'warning', 'info']), message: messageText, line }), LIMITS.list),
});

/** Non-negative sizes whose product is the number of values, every value within [min, max]. */
const tensor = v.pipe(
  record({ shape: list(integerIn(0, LIMITS.tensorValues), LIMITS.tensorRank, 1), values: numbers(Number.isFinite, LIMITS.tensorValues), min: finite, max: finite }),
  v.check(({ shape, values, min, max }) => min <= max && shape.reduce((product, size) => product * size, 1) === values.length && values.every((value) => value >= min && value <= max)),
);

/** A map over an image's rows and columns: a tensor of rank 2 with no negative value. */
const heatMap = v.pipe(
  tensor,
  v.check(({ shape, min }) => shape.length === 2 && min >= 0),
);

/** A real array of exactly two elements, [height, width], no holes. */
const pair = <S extends v.GenericSchema>(item: S) => v.pipe(v.custom<unknown[]>(isArray), v.check<unknown[]>(hasNoHoles), v.strictTuple([item, item]));
const positiveNumber = numberIn(Number.MIN_VALUE, Number.MAX_VALUE);
const receptiveField = record({ size: pair(positiveNumber), jump: pair(positiveNumber), start: pair(finite) });
const unitPosition = record({ channel: count, row: count, column: count });

/** An input image whose base64 holds exactly width × height × channels bytes. */
const inputImage = v.pipe(
  record({ caption: text, width: side, height: side, channels: v.picklist([1, 3]), pixels: string(base64Length(LIMITS.imageBytes)) }),
  v.check(({ width, height, channels, pixels }) => width * height * channels <= LIMITS.imageBytes && isBase64Of(pixels, width * height * channels)),
);

/** Rows of counts, at most one per class; square, one row and column per class when the classes are given. */
const confusionMatrix = list(list(count, LIMITS.classes, 1), LIMITS.classes, 1);
const isConfusion = (matrix: readonly (readonly number[])[] | null, classes: readonly string[] | null): boolean =>
  matrix === null || (matrix.every((row) => row.length === matrix.length) && (classes === null || classes.length === matrix.length));

const hostMessage = plain(
  v.variant('type', [
    v.object({ type: v.literal('summaryUpdated'), summary }),
    v.object({ type: v.literal('showTab'), tab }),
    v.object({ type: v.literal('trainingStarted'), kind: v.picklist(['classifier', 'gan']), backend: text, dataset: text, epochs: positive, batchesPerEpoch: v.nullable(positive) }),
    v.pipe(
      v.object({
        type: v.literal('trainingProgressed'),
        epoch: positive,
        epochs: positive,
        batch: positive,
        batches: positive,
        loss: finite,
        accuracy: v.nullable(unitInterval),
        generatorLoss: v.nullable(finite),
        imagesPerSecond: nonNegative,
      }),
      v.check((m) => m.epoch <= m.epochs && m.batch <= m.batches),
    ),
    v.object({
      type: v.literal('epochEnded'),
      epoch: positive,
      loss: finite,
      accuracy: v.nullable(unitInterval),
      validationLoss: v.nullable(finite),
      validationAccuracy: v.nullable(unitInterval),
      generatorLoss: v.nullable(finite),
    }),
    v.pipe(
      v.object({ type: v.literal('trainingFinished'), testAccuracy: v.nullable(unitInterval), confusionMatrix: v.nullable(confusionMatrix), classes: v.nullable(list(text, LIMITS.classes)) }),
      v.check((m) => isConfusion(m.confusionMatrix, m.classes)),
    ),
    /** The epochs completed before the stop: 0 when the first was cancelled. */
    v.object({ type: v.literal('trainingStopped'), epoch: count }),
    v.object({ type: v.literal('trainingFailed'), message: messageText }),
    v.object({ type: v.literal('layersListed'), layers: list(record({ name: text, kind: text, output: text, receptiveField: v.optional(receptiveField) }), LIMITS.list) }),
    v.object({ type: v.literal('featureMapsComputed'), layer: text, maps: tensor, input: v.optional(inputImage) }),
    v.object({ type: v.literal('filtersComputed'), layer: text, filters: tensor }),
    v.object({ type: v.literal('predictionsComputed'), predictions: list(record({ label: text, probability: unitInterval, index: v.optional(count) }), LIMITS.classes) }),
    /** A grid of rows × columns cells (at most one per fixed latent vector), at least a pixel each. */
    v.pipe(
      v.object({ type: v.literal('samplesReady'), epoch: positive, png: pngText, rows: integerIn(1, LIMITS.sampleCells), columns: integerIn(1, LIMITS.sampleCells) }),
      v.check((m) => m.rows * m.columns <= LIMITS.sampleCells && isPngOf(m.png, m.columns, m.rows)),
    ),
    /** One row of `steps` images, at least a pixel each. */
    v.pipe(
      v.object({ type: v.literal('interpolationReady'), png: pngText, steps: integerIn(LIMITS.minSteps, LIMITS.maxStripSteps) }),
      v.check((m) => isPngOf(m.png, m.steps, 1)),
    ),
    v.object({ type: v.literal('inspectionFailed'), message: messageText }),
    v.object({ type: v.literal('effectiveReceptiveFieldComputed'), layer: text, unit: unitPosition, field: heatMap }),
    v.object({ type: v.literal('gradCamComputed'), layer: text, classIndex: count, label: text, probability: unitInterval, cam: heatMap }),
  ]),
);

const inspectionInput = plain(
  v.variant('source', [
    v.object({ source: v.literal('testSample'), index: count }),
    v.object({ source: v.literal('imageFile'), reuse: v.optional(v.boolean()) }),
    /** Row-major grey values in [0, 1], exactly width × height of them. */
    v.pipe(
      v.object({ source: v.literal('drawing'), width: side, height: side, pixels: numbers((value) => v.is(unitInterval, value), LIMITS.imageBytes) }),
      v.check((m) => m.pixels.length === m.width * m.height),
    ),
  ]),
);

/** A cell of the sample grid (row-major). */
const cell = integerIn(0, LIMITS.sampleCells - 1);

const panelMessage = plain(
  v.variant('type', [
    v.object({ type: v.literal('ready') }),
    v.object({ type: v.literal('revealLine'), line: positive }),
    v.object({ type: v.literal('stopTraining') }),
    v.object({ type: v.literal('startTraining') }),
    v.object({ type: v.literal('computeFeatureMaps'), layer: text, input: inspectionInput }),
    /** Two cells of the sample grid and the steps between them. */
    v.object({ type: v.literal('interpolate'), from: cell, to: cell, steps: integerIn(LIMITS.minSteps, LIMITS.maxRequestedSteps) }),
    /** SVG text (an `<svg` element first), or a PNG in base64 of at least a pixel. */
    v.pipe(
      v.object({ type: v.literal('saveDiagram'), format: v.picklist(['svg', 'png']), data: string(Math.max(LIMITS.svgText, base64Length(LIMITS.pngBytes))) }),
      v.check((m) => (m.format === 'svg' ? m.data.length <= LIMITS.svgText && m.data.startsWith('<svg') : isPngOf(m.data, 1, 1))),
    ),
    v.object({ type: v.literal('computeEffectiveReceptiveField'), layer: text, unit: unitPosition, input: inspectionInput }),
    v.object({ type: v.literal('computeGradCam'), layer: v.nullable(text), classIndex: v.nullable(count), input: inspectionInput }),
  ]),
);

const initialState = record({ title: v.optional(text), kind: v.optional(modelKind), tab: v.optional(tab), summary: v.optional(summary) });

const isHost = guardOf<HostMessage>()(hostMessage);
const isPanel = guardOf<PanelMessage>()(panelMessage);
const isInitialState = guardOf<PanelInitialState>()(initialState);
const isInputImageRecord = guardOf<InputImage>()(inputImage);

/** A plain input image: a caption, sides 1…4,096, 1 or 3 channels, base64 of exactly width × height × channels bytes. */
export function isInputImage(value: unknown): value is InputImage {
  return isInputImageRecord(value);
}

/** Checks what `renderPanelHtml` embedded; a malformed one is ignored like a bad message. */
export function isPanelInitialState(value: unknown): value is PanelInitialState {
  return isInitialState(value);
}

/** A message from the extension, every field within its range (names inherited from Object.prototype are no types). */
export function isHostMessage(value: unknown): value is HostMessage {
  return isHost(value);
}

/** A request from a panel, every field within its range. */
export function isPanelMessage(value: unknown): value is PanelMessage {
  return isPanel(value);
}
