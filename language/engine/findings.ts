/**
 * Every finding the engine can report: one table of stable codes with their severities
 * (ts-graphql-plugin's ERROR_CODES), and a message builder per code. Messages say what is
 * wrong, the shapes involved and the fix, in TypeScript's voice.
 *
 * Codes are stable: editors, CI logs and users' suppressions refer to them. Never reuse or
 * renumber one; add new ones at the end.
 */
import { isExpr, printDim, type Num, type Shape } from '../ir';
import { formatCount, formatDim, formatList, formatShape, shortenText } from './format';
import type { Severity } from './types';

export const FINDING_CODES = {
  /** The window does not fit: kernel larger than the padded input. */
  nonPositiveOutput: { code: 'CL1001', severity: 'error' },
  /** The two sides of a residual produce different shapes. */
  residualMismatch: { code: 'CL1002', severity: 'error' },
  /** Concatenated branches differ in their spatial size (or rank). */
  concatMismatch: { code: 'CL1003', severity: 'error' },
  /** dense() receives an image. */
  denseOnImage: { code: 'CL1004', severity: 'error' },
  /** softmax() receives an image. */
  softmaxOnImage: { code: 'CL1005', severity: 'error' },
  /** groups does not divide the input channels or the filters. */
  groupsNotDividing: { code: 'CL1006', severity: 'error' },
  /** reshape() asks for a different number of elements than it receives. */
  reshapeCount: { code: 'CL1007', severity: 'error' },
  /** The GAN's generator does not produce the GAN's image shape. */
  generatorOutput: { code: 'CL1008', severity: 'error' },
  /** The GAN's discriminator does not produce [1]. */
  discriminatorOutput: { code: 'CL1009', severity: 'error' },
  /** The stride skips the last rows or columns of the input. */
  strideDropsRows: { code: 'CL1010', severity: 'info' },
  /** A hyperparameter outside its domain (negative kernel, dropout rate 1, …). */
  invalidValue: { code: 'CL1011', severity: 'error' },
  /** A spatial layer receives a vector. */
  expectsImage: { code: 'CL1012', severity: 'error' },
  /** Two layers share a name. */
  duplicateName: { code: 'CL1013', severity: 'error' },
  /** Branches that are merged look at the input with different jumps. */
  branchJumpsDiffer: { code: 'CL1014', severity: 'warning' },
  /** PyTorch rejects output padding that is not smaller than the stride. */
  outputPaddingTooLarge: { code: 'CL1015', severity: 'error' },
  /** PyTorch rejects pooling padding larger than half the kernel. */
  poolPaddingTooLarge: { code: 'CL1016', severity: 'error' },
  /** A stride larger than the kernel never reads some rows at all. */
  strideSkipsInput: { code: 'CL1017', severity: 'info' },
  /** Containers nest deeper than the engine analyses (MAX_NESTING_DEPTH); the model is not analysed. */
  nestingTooDeep: { code: 'CL1018', severity: 'error' },
  /** More layers, counting a reused layer once per use, than the engine analyses (MAX_LAYER_REPORTS). */
  tooManyLayers: { code: 'CL1019', severity: 'error' },
  /** A window over a symbolic size fits only for some values of the symbols (a helper's parameters, an input's H). */
  fitsOnlyWhen: { code: 'CL1020', severity: 'info' },
  /** Merged branches have the same shape only for some values of the symbols. */
  agreesOnlyWhen: { code: 'CL1021', severity: 'info' },
} as const satisfies Record<string, { code: string; severity: Severity }>;

export type FindingKind = keyof typeof FINDING_CODES;

const axisNames = ['rows', 'columns'] as const;

export function axisName(axis: number): string {
  return axisNames[axis] ?? `axis ${axis}`;
}

export const messages = {
  nonPositiveOutput(layer: string, input: Shape | null, window: string, padded: string): string {
    return (
      `${layer} gets an empty output: its ${window} window does not fit the padded input ${padded} ` +
      `(input ${formatShape(input)}). Use a smaller kernel or stride, more padding, or padding: 'same'.`
    );
  },

  residualMismatch(main: Shape | null, shortcut: Shape | null, fix: string): string {
    return `Residual branches disagree: main gives ${formatShape(main)}, shortcut gives ${formatShape(shortcut)}. ${fix}`;
  },

  concatMismatch(first: Shape | null, firstIndex: number, other: Shape | null, otherIndex: number): string {
    return (
      `Concat branches disagree on spatial size: branch ${firstIndex + 1} gives ${formatShape(first)}, ` +
      `branch ${otherIndex + 1} gives ${formatShape(other)}. Change padding or stride so every branch keeps the same height and width.`
    );
  },

  denseOnImage(layer: string, input: Shape | null): string {
    return `${layer} expects a vector but receives the image ${formatShape(input)}. Insert flatten() (or globalAvgPool2d()) before it.`;
  },

  softmaxOnImage(input: Shape | null): string {
    return `softmax() expects a vector but receives the image ${formatShape(input)}. Insert flatten() before it, or end the network with dense(classes).`;
  },

  fitsOnlyWhen(layer: string, input: Shape | null, conditions: readonly string[]): string {
    return `${layer} fits ${formatShape(input)} only when ${conditions.join(' and ')}; otherwise it has no output. Pad the input, or use it only where that holds.`;
  },

  agreesOnlyWhen(where: 'residual' | 'concat', first: Shape | null, second: Shape | null, dims: readonly (readonly [Num, Num])[]): string {
    const conditions = dims.map(([a, b]) => `${formatDim(a)} = ${formatDim(b)}`).join(' and ');
    const what = where === 'residual' ? `The residual's branches (${formatShape(first)} and ${formatShape(second)})` : `The concatenated branches (${formatShape(first)} and ${formatShape(second)})`;
    return `${what} agree only when ${conditions}. Call it only with such values, or ${where === 'residual' ? 'give the shortcut a projection' : 'make the branches keep the same size'}.`;
  },

  groupsNotDividing(layer: string, groups: number, channels: Num, filters: Num): string {
    const parts: string[] = [];
    if (typeof channels === 'number' && channels % groups !== 0) parts.push(`input channels (${channels})`);
    if (typeof filters === 'number' && filters % groups !== 0) parts.push(`filters (${filters})`);
    return `${layer} has groups=${groups}, which does not divide its ${parts.join(' and ')}. Choose groups that divides both.`;
  },

  reshapeCount(input: Shape | null, received: number, target: Shape): string {
    return (
      `reshape(${formatList(target.map((dim) => (dim === null ? '?' : dim)))}) cannot hold ${formatShape(input)} ` +
      `(${received.toLocaleString('en-US')} elements per sample). Choose dimensions whose product is ${received.toLocaleString('en-US')}, or use -1 for one of them.`
    );
  },

  generatorOutput(output: Shape | null, image: Shape): string {
    return (
      `The generator gives ${formatShape(output)} but the GAN's image is ${formatShape(image)}. ` +
      `Make its last layers produce ${formatShape(image)} (e.g. adjust the last conv2dTranspose's filters, stride or padding).`
    );
  },

  discriminatorOutput(output: Shape | null): string {
    return `The discriminator gives ${formatShape(output)} but must give one score per image, [1]. End it with flatten() and dense(1) (or a 1-filter conv2d that reduces to 1×1, then flatten()).`;
  },

  strideDropsRows(layer: string, dropped: readonly { count: number; axis: number }[], inputSize: string): string {
    const parts = dropped.map(({ count, axis }) => `${count} ${count === 1 ? axisName(axis).slice(0, -1) : axisName(axis)}`);
    const most = Math.max(...dropped.map(({ count }) => count));
    return (
      `${layer} never reads the last ${parts.join(' and ')} of its ${inputSize} input: ` +
      `the stride does not divide the padded size. Pad by ${most} more or use padding: 'same' if they matter.`
    );
  },

  invalidValue(layer: string, argument: string, expected: string, received: unknown): string {
    // An object is named, not converted: String() of an array nested in itself never ends.
    const shown = isExpr(received)
      ? printDim(received)
      : typeof received === 'object' && received !== null ? (Array.isArray(received) ? 'an array' : 'an object') : shortenText(String(received));
    return `Invalid value for \`${argument}\` of ${layer}. Expected ${expected}. Received ${argument}=${shown}.`;
  },

  expectsImage(layer: string, input: Shape | null, fix: string): string {
    return `${layer} expects an image C@H×W but receives ${formatShape(input)}. ${fix}`;
  },

  duplicateName(name: string): string {
    return `Two layers are named '${shortenText(name)}'. Layer names must be unique within a model; rename one.`;
  },

  branchJumpsDiffer(where: string, jumps: string): string {
    return `The ${where} branches see the input with different jumps (${jumps} pixels between neighbouring outputs), so merged units mix different scales. This is unusual; check the strides.`;
  },

  outputPaddingTooLarge(layer: string, outputPadding: number, stride: number): string {
    return `${layer} has outputPadding=${outputPadding}, which must be smaller than its stride (${stride}). Use outputPadding < stride.`;
  },

  poolPaddingTooLarge(layer: string, padding: number, kernel: number): string {
    return `${layer} pads by ${padding}, more than half its kernel (${kernel}), so a window could see only padding. Use padding ≤ ${Math.floor(kernel / 2)}.`;
  },

  strideSkipsInput(layer: string, stride: string, kernel: string, skipped: string, axes: readonly number[]): string {
    const what = axes.map(axisName).join(' and ');
    return `${layer} has stride ${stride} larger than its kernel ${kernel}: ${skipped} of every ${stride} ${what} are never read. Use a stride ≤ kernel unless that is intended.`;
  },

  nestingTooDeep(layer: string, limit: number): string {
    return (
      `${layer} sits ${formatCount(limit)} containers deep and nests more inside it: ConvLens analyses layers nested up to ` +
      `${formatCount(limit)} levels (sequential, residual, concat and aux inside one another), so this model is not analysed. ` +
      'Nest fewer levels: splice a list of layers into one sequential(...) instead of wrapping each in its own.'
    );
  },

  tooManyLayers(limit: number): string {
    return (
      `This model has more than ${formatCount(limit)} layers, counting a layer object used in several places once per use, ` +
      `so it is not analysed. Build fewer layers, or build each block anew instead of nesting one object in itself repeatedly ` +
      '(sequential(s, s) doubles the layers each time).'
    );
  },
} satisfies Record<FindingKind, (...args: never[]) => string>;
