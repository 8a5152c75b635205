/**
 * The typed extension ⇄ webview protocol (webviews/README.md): one file both sides import.
 * Requests from a panel are imperative (`stopTraining`), messages from the extension are
 * past-tense events (`epochEnded`) or snapshots (`summaryUpdated`). Everything is plain
 * JSON; every message is validated on receipt (`isHostMessage`, `isPanelMessage`): a
 * webview boundary is a trust boundary, and unknown or malformed messages are ignored
 * and logged by the receiver.
 *
 * May import: nothing at run time (types only from the IR-free world), so the browser
 * bundles stay small and the extension host loads no DOM code.
 */

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

/** A layer whose feature maps can be shown. */
export interface InspectableLayer {
  readonly name: string;
  readonly kind: string;
  readonly output: string;
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
  | { readonly type: 'inspectionFailed'; readonly message: string };

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
  | { readonly type: 'interpolate'; readonly from: number; readonly to: number; readonly steps: number };

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
// Every message is read as untrusted data: only a plain object (prototype Object.prototype
// or null, no own `__proto__` key) or a dense array (every index an own element), only own
// fields, and every field within its range below. Other fields are ignored. The validators
// are declarations built from the few predicates that follow; the `satisfies` clauses make
// the compiler check that each declaration covers its message type.

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
  /** Summary rows, findings, listed layers. */
  list: 100_000,
  /** A summary row's nesting depth. */
  depth: 1_000,
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
});

const LIMITS = PROTOCOL_LIMITS;

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

/** An array (not a subclass) of `minLength`…`maxLength` own elements, no holes, each passing `item`. */
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

/**
 * Base64 of exactly `bytes` bytes: standard alphabet, padded, nothing else (checked without
 * decoding, so the same code runs in the webview and in Node).
 */
export function isBase64Of(value: unknown, bytes: number): boolean {
  return typeof value === 'string' && Number.isSafeInteger(bytes) && bytes >= 0 && value.length === 4 * Math.ceil(bytes / 3) && base64Bytes(value) === bytes;
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

/** Characters of base64 for `bytes` bytes. */
const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);
const isPngText = isBoundedString(base64Length(LIMITS.pngBytes));

// ── the messages' fields ───────────────────────────────────────────────────────────

const isTab = isOneOf<PanelTab>({ summary: true, training: true, featureMaps: true, samples: true });
const isModelKind = isOneOf<'model' | 'gan'>({ model: true, gan: true });
const isLine = nullable(isIntegerIn(1));

const isSummaryRow: Guard<SummaryRow> = record({
  name: isText,
  kind: isText,
  depth: isIntegerIn(0, LIMITS.depth),
  container: isBoolean,
  aux: isBoolean,
  output: isText,
  params: nullable(isCount),
  macs: nullable(isCount),
  receptiveField: nullable(isText),
  line: isLine,
});

const isFinding: Guard<SummaryFinding> = record({
  code: isText,
  severity: isOneOf<SummaryFinding['severity']>({ error: true, warning: true, info: true }),
  message: isMessageText,
  line: isLine,
});

const isSummary: Guard<SummarySnapshot> = record({
  title: isText,
  kind: isModelKind,
  input: isText,
  output: isText,
  rows: isDenseArray(isSummaryRow, LIMITS.list),
  totals: record({
    trainable: nullable(isCount),
    nonTrainable: nullable(isCount),
    aux: nullable(isCount),
    macs: nullable(isCount),
    receptiveField: nullable(isText),
  }),
  findings: isDenseArray(isFinding, LIMITS.list),
});

/** Non-negative sizes whose product is the number of values, every value within [min, max]. */
const isTensor: Guard<TensorSnapshot> = where(
  record({
    shape: isDenseArray(isIntegerIn(0, LIMITS.tensorValues), LIMITS.tensorRank, 1),
    values: isDenseArray(isFiniteNumber, LIMITS.tensorValues),
    min: isFiniteNumber,
    max: isFiniteNumber,
  }),
  ({ shape, values, min, max }) => min <= max && shape.reduce((product, size) => product * size, 1) === values.length && values.every((value) => value >= min && value <= max),
);

/** An input image whose base64 holds exactly width × height × channels bytes. */
const isInputImageRecord: Guard<InputImage> = where(
  record({
    caption: isText,
    width: isIntegerIn(1, LIMITS.imageSide),
    height: isIntegerIn(1, LIMITS.imageSide),
    channels: isLiteral(1, 3),
    pixels: isBoundedString(base64Length(LIMITS.imageBytes)),
  }),
  ({ width, height, channels, pixels }) => width * height * channels <= LIMITS.imageBytes && isBase64Of(pixels, width * height * channels),
);

/** A plain input image: a caption, sides 1…4,096, 1 or 3 channels, base64 of exactly width × height × channels bytes. */
export function isInputImage(value: unknown): value is InputImage {
  return isInputImageRecord(value);
}

const isClassList = isDenseArray(isText, LIMITS.classes);
/** Rows of counts, at most one per class (squareness and the class list: isConfusion). */
const isConfusionMatrix = isDenseArray(isDenseArray(isCount, LIMITS.classes, 1), LIMITS.classes, 1);

/** A square matrix of counts, one row and column per class (when the classes are given). */
function isConfusion(matrix: readonly (readonly number[])[] | null, classes: readonly string[] | null): boolean {
  return matrix === null || (matrix.every((row) => row.length === matrix.length) && (classes === null || classes.length === matrix.length));
}

type HostChecks = { readonly [K in HostMessage['type']]: Guard<Extract<HostMessage, { type: K }>> };

const HOST_CHECKS = {
  summaryUpdated: record({ type: isLiteral('summaryUpdated'), summary: isSummary }),
  showTab: record({ type: isLiteral('showTab'), tab: isTab }),
  trainingStarted: record({
    type: isLiteral('trainingStarted'),
    kind: isOneOf<'classifier' | 'gan'>({ classifier: true, gan: true }),
    backend: isText,
    dataset: isText,
    epochs: isPositiveInteger,
    batchesPerEpoch: nullable(isPositiveInteger),
  }),
  trainingProgressed: where(
    record({
      type: isLiteral('trainingProgressed'),
      epoch: isPositiveInteger,
      epochs: isPositiveInteger,
      batch: isPositiveInteger,
      batches: isPositiveInteger,
      loss: isFiniteNumber,
      accuracy: nullable(isUnitInterval),
      generatorLoss: nullable(isFiniteNumber),
      imagesPerSecond: isNonNegative,
    }),
    (m) => m.epoch <= m.epochs && m.batch <= m.batches,
  ),
  epochEnded: record({
    type: isLiteral('epochEnded'),
    epoch: isPositiveInteger,
    loss: isFiniteNumber,
    accuracy: nullable(isUnitInterval),
    validationLoss: nullable(isFiniteNumber),
    validationAccuracy: nullable(isUnitInterval),
    generatorLoss: nullable(isFiniteNumber),
  }),
  trainingFinished: where(
    record({ type: isLiteral('trainingFinished'), testAccuracy: nullable(isUnitInterval), confusionMatrix: nullable(isConfusionMatrix), classes: nullable(isClassList) }),
    (m) => isConfusion(m.confusionMatrix, m.classes),
  ),
  /** The epochs completed before the stop: 0 when the first was cancelled. */
  trainingStopped: record({ type: isLiteral('trainingStopped'), epoch: isCount }),
  trainingFailed: record({ type: isLiteral('trainingFailed'), message: isMessageText }),
  layersListed: record({ type: isLiteral('layersListed'), layers: isDenseArray(record({ name: isText, kind: isText, output: isText }), LIMITS.list) }),
  featureMapsComputed: record({ type: isLiteral('featureMapsComputed'), layer: isText, maps: isTensor }, { input: isInputImageRecord }),
  filtersComputed: record({ type: isLiteral('filtersComputed'), layer: isText, filters: isTensor }),
  predictionsComputed: record({ type: isLiteral('predictionsComputed'), predictions: isDenseArray(record({ label: isText, probability: isUnitInterval }), LIMITS.classes) }),
  /** A grid of rows × columns cells (at most one per fixed latent vector), at least a pixel each. */
  samplesReady: where(
    record({
      type: isLiteral('samplesReady'),
      epoch: isPositiveInteger,
      png: isPngText,
      rows: isIntegerIn(1, LIMITS.sampleCells),
      columns: isIntegerIn(1, LIMITS.sampleCells),
    }),
    (m) => m.rows * m.columns <= LIMITS.sampleCells && isPngOf(m.png, m.columns, m.rows),
  ),
  /** One row of `steps` images, at least a pixel each. */
  interpolationReady: where(
    record({ type: isLiteral('interpolationReady'), png: isPngText, steps: isIntegerIn(LIMITS.minSteps, LIMITS.maxStripSteps) }),
    (m) => isPngOf(m.png, m.steps, 1),
  ),
  inspectionFailed: record({ type: isLiteral('inspectionFailed'), message: isMessageText }),
} satisfies HostChecks;

const isInspectionInput: Guard<InspectionInput> = taggedUnion<InspectionInput>('source', {
  testSample: record({ source: isLiteral('testSample'), index: isCount }),
  imageFile: record({ source: isLiteral('imageFile') }, { reuse: isBoolean }),
  /** Row-major grey values in [0, 1], exactly width × height of them. */
  drawing: where(
    record({
      source: isLiteral('drawing'),
      width: isIntegerIn(1, LIMITS.imageSide),
      height: isIntegerIn(1, LIMITS.imageSide),
      pixels: isDenseArray(isUnitInterval, LIMITS.imageBytes),
    }),
    (m) => m.pixels.length === m.width * m.height,
  ),
} satisfies { readonly [K in InspectionInput['source']]: Guard<Extract<InspectionInput, { source: K }>> });

type PanelChecks = { readonly [K in PanelMessage['type']]: Guard<Extract<PanelMessage, { type: K }>> };

const PANEL_CHECKS = {
  ready: record({ type: isLiteral('ready') }),
  revealLine: record({ type: isLiteral('revealLine'), line: isIntegerIn(1) }),
  stopTraining: record({ type: isLiteral('stopTraining') }),
  startTraining: record({ type: isLiteral('startTraining') }),
  computeFeatureMaps: record({ type: isLiteral('computeFeatureMaps'), layer: isText, input: isInspectionInput }),
  /** Two cells of the sample grid (row-major) and the steps between them. */
  interpolate: record({
    type: isLiteral('interpolate'),
    from: isIntegerIn(0, LIMITS.sampleCells - 1),
    to: isIntegerIn(0, LIMITS.sampleCells - 1),
    steps: isIntegerIn(LIMITS.minSteps, LIMITS.maxRequestedSteps),
  }),
} satisfies PanelChecks;

const isInitialState: Guard<PanelInitialState> = record({}, { title: isText, kind: isModelKind, tab: isTab, summary: isSummary });

/** Checks what `renderPanelHtml` embedded; a malformed one is ignored like a bad message. */
export function isPanelInitialState(value: unknown): value is PanelInitialState {
  return isInitialState(value);
}

const isHost = taggedUnion<HostMessage>('type', HOST_CHECKS);
const isPanel = taggedUnion<PanelMessage>('type', PANEL_CHECKS);

/** A message from the extension, every field within its range (names inherited from Object.prototype are no types). */
export function isHostMessage(value: unknown): value is HostMessage {
  return isHost(value);
}

/** A request from a panel, every field within its range. */
export function isPanelMessage(value: unknown): value is PanelMessage {
  return isPanel(value);
}
