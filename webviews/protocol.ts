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

type Check = (message: Record<string, unknown>) => boolean;

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isNullableNumber = (value: unknown): boolean => value === null || isNumber(value);
const isCount = (value: unknown): value is number => isNumber(value) && Number.isInteger(value) && value >= 0;
const isNullableCount = (value: unknown): boolean => value === null || isCount(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isNullableString = (value: unknown): boolean => value === null || isString(value);
const isArrayOf = (value: unknown, item: (entry: unknown) => boolean): boolean => Array.isArray(value) && value.every(item);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const PANEL_TABS: readonly string[] = ['summary', 'training', 'featureMaps', 'samples'];
const isTab = (value: unknown): boolean => PANEL_TABS.includes(value as string);

/** Shape of non-negative integers whose product is the number of values. */
const isTensor = (value: unknown): boolean => {
  if (!isObject(value) || !isArrayOf(value['shape'], isCount) || !isArrayOf(value['values'], isNumber)) return false;
  if (!isNumber(value['min']) || !isNumber(value['max']) || value['min'] > value['max']) return false;
  const shape = value['shape'] as number[];
  return shape.length > 0 && shape.reduce((product, size) => product * size, 1) === (value['values'] as number[]).length;
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Base64 of exactly `bytes` bytes: standard alphabet, padded, nothing else (checked without
 * decoding, so the same code runs in the webview and in Node).
 */
export function isBase64Of(value: unknown, bytes: number): boolean {
  if (!isString(value) || !BASE64.test(value) || value.length !== 4 * Math.ceil(bytes / 3)) return false;
  const padding = (3 - (bytes % 3)) % 3;
  const body = value.length - padding;
  return value.slice(body) === '='.repeat(padding) && !value.slice(0, body).includes('=');
}

/** An input image whose base64 holds exactly width × height × channels bytes. */
export function isInputImage(value: unknown): value is InputImage {
  return (
    isObject(value) &&
    isString(value['caption']) &&
    isCount(value['width']) &&
    value['width'] > 0 &&
    isCount(value['height']) &&
    value['height'] > 0 &&
    (value['channels'] === 1 || value['channels'] === 3) &&
    isBase64Of(value['pixels'], (value['width'] as number) * (value['height'] as number) * (value['channels'] as number))
  );
}

const isSummaryRow = (row: unknown): boolean =>
  isObject(row) &&
  isString(row['name']) &&
  isString(row['kind']) &&
  isCount(row['depth']) &&
  typeof row['container'] === 'boolean' &&
  typeof row['aux'] === 'boolean' &&
  isString(row['output']) &&
  isNullableNumber(row['params']) &&
  isNullableNumber(row['macs']) &&
  isNullableString(row['receptiveField']) &&
  isNullableCount(row['line']);

const isFinding = (finding: unknown): boolean =>
  isObject(finding) &&
  isString(finding['code']) &&
  (finding['severity'] === 'error' || finding['severity'] === 'warning' || finding['severity'] === 'info') &&
  isString(finding['message']) &&
  isNullableCount(finding['line']);

const isTotals = (totals: unknown): boolean =>
  isObject(totals) &&
  isNullableNumber(totals['trainable']) &&
  isNullableNumber(totals['nonTrainable']) &&
  isNullableNumber(totals['aux']) &&
  isNullableNumber(totals['macs']) &&
  isNullableString(totals['receptiveField']);

const isSummary = (value: unknown): boolean =>
  isObject(value) &&
  isString(value['title']) &&
  (value['kind'] === 'model' || value['kind'] === 'gan') &&
  isString(value['input']) &&
  isString(value['output']) &&
  isArrayOf(value['rows'], isSummaryRow) &&
  isArrayOf(value['findings'], isFinding) &&
  isTotals(value['totals']);

/** A square matrix of counts, one row and column per class (or no classes given). */
const isConfusion = (m: Record<string, unknown>): boolean => {
  const matrix = m['confusionMatrix'];
  const classes = m['classes'];
  if (matrix === null) return classes === null || isArrayOf(classes, isString);
  if (!isArrayOf(matrix, (row) => isArrayOf(row, isNumber))) return false;
  const rows = matrix as number[][];
  if (!rows.every((row) => row.length === rows.length)) return false;
  return classes === null || (isArrayOf(classes, isString) && (classes as string[]).length === rows.length);
};

const HOST_CHECKS: Readonly<Record<HostMessage['type'], Check>> = {
  summaryUpdated: (m) => isSummary(m['summary']),
  showTab: (m) => isTab(m['tab']),
  trainingStarted: (m) =>
    (m['kind'] === 'classifier' || m['kind'] === 'gan') && isString(m['backend']) && isString(m['dataset']) && isCount(m['epochs']) && isNullableCount(m['batchesPerEpoch']),
  trainingProgressed: (m) =>
    isCount(m['epoch']) &&
    isCount(m['epochs']) &&
    isCount(m['batch']) &&
    isCount(m['batches']) &&
    isNumber(m['loss']) &&
    isNullableNumber(m['accuracy']) &&
    isNullableNumber(m['generatorLoss']) &&
    isNumber(m['imagesPerSecond']),
  epochEnded: (m) =>
    isCount(m['epoch']) &&
    isNumber(m['loss']) &&
    isNullableNumber(m['accuracy']) &&
    isNullableNumber(m['validationLoss']) &&
    isNullableNumber(m['validationAccuracy']) &&
    isNullableNumber(m['generatorLoss']),
  trainingFinished: (m) => isNullableNumber(m['testAccuracy']) && isConfusion(m),
  trainingStopped: (m) => isCount(m['epoch']),
  trainingFailed: (m) => isString(m['message']),
  layersListed: (m) => isArrayOf(m['layers'], (layer) => isObject(layer) && isString(layer['name']) && isString(layer['kind']) && isString(layer['output'])),
  featureMapsComputed: (m) => isString(m['layer']) && isTensor(m['maps']) && (m['input'] === undefined || isInputImage(m['input'])),
  filtersComputed: (m) => isString(m['layer']) && isTensor(m['filters']),
  predictionsComputed: (m) => isArrayOf(m['predictions'], (entry) => isObject(entry) && isString(entry['label']) && isNumber(entry['probability'])),
  samplesReady: (m) => isCount(m['epoch']) && isString(m['png']) && isCount(m['rows']) && m['rows'] > 0 && isCount(m['columns']) && m['columns'] > 0,
  interpolationReady: (m) => isString(m['png']) && isCount(m['steps']),
  inspectionFailed: (m) => isString(m['message']),
};

const isInspectionInput = (value: unknown): boolean => {
  if (!isObject(value)) return false;
  switch (value['source']) {
    case 'testSample':
      return isCount(value['index']);
    case 'imageFile':
      return value['reuse'] === undefined || typeof value['reuse'] === 'boolean';
    case 'drawing':
      return (
        isCount(value['width']) &&
        isCount(value['height']) &&
        isArrayOf(value['pixels'], isNumber) &&
        (value['pixels'] as number[]).length === (value['width'] as number) * (value['height'] as number)
      );
    default:
      return false;
  }
};

const PANEL_CHECKS: Readonly<Record<PanelMessage['type'], Check>> = {
  ready: () => true,
  revealLine: (m) => isCount(m['line']) && m['line'] >= 1,
  stopTraining: () => true,
  startTraining: () => true,
  computeFeatureMaps: (m) => isString(m['layer']) && isInspectionInput(m['input']),
  interpolate: (m) => isCount(m['from']) && isCount(m['to']) && isCount(m['steps']) && m['steps'] >= 2,
};

/** Checks what `renderPanelHtml` embedded; a malformed one is ignored like a bad message. */
export function isPanelInitialState(value: unknown): value is PanelInitialState {
  return (
    isObject(value) &&
    (value['title'] === undefined || isString(value['title'])) &&
    (value['kind'] === undefined || value['kind'] === 'model' || value['kind'] === 'gan') &&
    (value['tab'] === undefined || isTab(value['tab'])) &&
    (value['summary'] === undefined || isSummary(value['summary']))
  );
}

export function isHostMessage(value: unknown): value is HostMessage {
  if (!isObject(value) || !isString(value['type'])) return false;
  // Own keys only: `toString` or `constructor` must not pass as a message type.
  const check = Object.prototype.hasOwnProperty.call(HOST_CHECKS, value['type']) ? (HOST_CHECKS as Record<string, Check>)[value['type']] : undefined;
  return check !== undefined && check(value);
}

export function isPanelMessage(value: unknown): value is PanelMessage {
  if (!isObject(value) || !isString(value['type'])) return false;
  const check = Object.prototype.hasOwnProperty.call(PANEL_CHECKS, value['type']) ? (PANEL_CHECKS as Record<string, Check>)[value['type']] : undefined;
  return check !== undefined && check(value);
}
