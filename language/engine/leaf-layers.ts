/**
 * What each leaf layer does to a shape, how many parameters and MACs it has, and how it
 * moves the receptive field. Containers (sequential, residual, concat, aux) are handled by
 * analyze.ts; this file knows one layer at a time.
 */
import { isExpr, type ContainerNode, type LayerNode, type Num, type Pair, type Shape } from '../ir';
import { formatCount, formatDim, formatFactor, formatList, shortenText } from './format';
import { type FindingKind, messages } from './findings';
import {
  type AxisField,
  axisOf,
  fromAxes,
  throughAdaptivePooling,
  throughPadding,
  throughTransposed,
  throughUpsampling,
  throughWindow,
} from './receptive-field';
import { type AxisResult, slideWindow, transposeWindow } from './spatial-window';
import type { ParamCount, ReceptiveField } from './types';
import { isGreater, isNonNegativeInteger, isPositive, isPositiveInteger, minus, product, productOf, quotient, sum } from './unknown-arithmetic';

export type LeafNode = Exclude<LayerNode, ContainerNode>;

export interface LeafContext {
  /** Records a finding against the layer being evaluated. */
  report(kind: FindingKind, message: string): void;
}

export interface LeafResult {
  readonly output: Shape | null;
  readonly params: ParamCount;
  readonly macs: Num;
  /** Receptive field of the output; null when the output is not spatial. */
  readonly field: ReceptiveField | null;
}

const NO_PARAMS: ParamCount = Object.freeze({ trainable: 0, nonTrainable: 0, formula: null });
const UNKNOWN_PARAMS: ParamCount = Object.freeze({ trainable: null, nonTrainable: null, formula: null });

/** How a layer is named in messages: the call a user wrote, or its name when it has one. */
export function callLabel(node: LayerNode): string {
  const kernel = (pair: Pair): string => {
    const [height, width] = pair;
    return height === width ? String(height ?? '?') : `[${height ?? '?'}, ${width ?? '?'}]`;
  };
  if ('name' in node && node.name !== null && node.kind !== 'aux') return `${node.kind} '${shortenText(node.name)}'`;
  switch (node.kind) {
    case 'conv2d':
    case 'conv2dTranspose':
      return `${node.kind}(${node.filters ?? '?'}, ${kernel(node.kernelSize)})`;
    case 'maxPool2d':
    case 'avgPool2d':
      return `${node.kind}(${kernel(node.kernelSize)})`;
    case 'adaptiveAvgPool2d':
      return `adaptiveAvgPool2d(${kernel(node.outputSize)})`;
    case 'dense':
      return `dense(${node.units ?? '?'})`;
    case 'dropout':
      return `dropout(${node.rate ?? '?'})`;
    case 'reshape':
      return `reshape(${formatList(node.shape.map((dim) => dim ?? '?'))})`;
    case 'upsample2d':
      return `upsample2d(${kernel(node.scale)})`;
    case 'aux':
      return `aux('${shortenText(node.name)}')`;
    case 'unknown':
      return 'an unknown layer';
    default:
      return `${node.kind}()`;
  }
}

/** Validates a hyperparameter that must be a positive integer; an invalid one becomes unknown. */
function positiveInteger(context: LeafContext, label: string, argument: string, value: Num): Num {
  if (value === null || isPositiveInteger(value)) return value;
  context.report('invalidValue', messages.invalidValue(label, argument, 'a positive integer', value));
  return null;
}

function nonNegativeInteger(context: LeafContext, label: string, argument: string, value: Num): Num {
  if (value === null || isNonNegativeInteger(value)) return value;
  context.report('invalidValue', messages.invalidValue(label, argument, 'a non-negative integer', value));
  return null;
}

function positivePair(context: LeafContext, label: string, argument: string, pair: Pair): [Num, Num] {
  const [height, width] = pair;
  if (height === width) {
    const both = positiveInteger(context, label, argument, height);
    return [both, both];
  }
  return [positiveInteger(context, label, argument, height), positiveInteger(context, label, argument, width)];
}

function paddingPair(context: LeafContext, label: string, padding: Pair | 'same'): [Num | 'same', Num | 'same'] {
  if (padding === 'same') return ['same', 'same'];
  const [height, width] = padding;
  if (height === width) {
    const both = nonNegativeInteger(context, label, 'padding', height);
    return [both, both];
  }
  return [nonNegativeInteger(context, label, 'padding', height), nonNegativeInteger(context, label, 'padding', width)];
}

/**
 * The [C, H, W] a spatial layer needs. An input of unknown rank counts as an image of
 * unknown size; a vector (or another rank) is a finding and yields null.
 */
function asImage(context: LeafContext, label: string, input: Shape | null): readonly [Num, Num, Num] | null {
  if (input === null) return [null, null, null];
  if (input.length === 3) {
    const [channels, height, width] = input;
    return [channels ?? null, height ?? null, width ?? null];
  }
  const elements = productOf(input);
  const fix =
    elements === null
      ? 'Insert reshape(channels, height, width) before it.'
      : `Insert reshape(channels, height, width) before it, with channels·height·width = ${formatCount(elements)}.`;
  context.report('expectsImage', messages.expectsImage(label, input, fix));
  return null;
}

interface WindowedAxes {
  readonly rows: AxisResult;
  readonly columns: AxisResult;
  readonly height: Num;
  readonly width: Num;
}

/**
 * Slides a window over both axes, reporting a window that does not fit (output ≤ 0) and
 * input rows or columns that the stride never reads.
 */
function slideBothAxes(
  context: LeafContext,
  label: string,
  input: readonly [Num, Num, Num],
  kernel: [Num, Num],
  stride: [Num, Num],
  dilation: [Num, Num],
  padding: [Num | 'same', Num | 'same'],
  ceilMode: boolean,
): WindowedAxes {
  const [, inputHeight, inputWidth] = input;
  const rows = slideWindow(inputHeight, { kernel: kernel[0], stride: stride[0], dilation: dilation[0], padding: padding[0], ceilMode });
  const columns = slideWindow(inputWidth, { kernel: kernel[1], stride: stride[1], dilation: dilation[1], padding: padding[1], ceilMode });
  // Fits for every value (true), for none (false), or for some values of its symbols (undefined).
  // An input that reaches a layer has at least one row, so a window of one row (after its
  // padding) fits it whatever its symbols: only a larger one makes a condition.
  const fitsAlways = (axis: AxisResult, index: number): boolean | undefined => {
    if (axis.size === null) return true;
    const fits = isPositive(axis.size);
    if (fits !== undefined) return fits;
    const axisPadding = padding[index] ?? null;
    const needs = axisPadding === 'same' ? null : minus(axis.effectiveKernel, product(2, axisPadding));
    return isGreater(needs, 1) === false ? true : undefined;
  };
  const fits = (axis: AxisResult): boolean => fitsAlways(axis, axis === rows ? 0 : 1) !== false;
  if (!fits(rows) || !fits(columns)) {
    const window = `${formatDim(rows.effectiveKernel)}×${formatDim(columns.effectiveKernel)}`;
    const padded = `${formatDim(rows.paddedSize)}×${formatDim(columns.paddedSize)}`;
    context.report('nonPositiveOutput', messages.nonPositiveOutput(label, input, window, padded));
  } else {
    const conditions = [rows, columns].filter((axis, index) => fitsAlways(axis, index) === undefined).map(fitCondition);
    if (conditions.length > 0) context.report('fitsOnlyWhen', messages.fitsOnlyWhen(label, input, [...new Set(conditions)]));
  }
  // One finding per layer, naming every axis it concerns (a square layer would repeat itself).
  const dropped: { count: number; axis: number }[] = [];
  const skipping: number[] = [];
  [rows, columns].forEach((axis, index) => {
    const axisStride = stride[index] ?? null;
    const kernelExtent = axis.effectiveKernel;
    if (axisStride === null || kernelExtent === null) return;
    if (isGreater(axisStride, kernelExtent) === true) {
      // A strided 1×1 convolution (ResNet's projection shortcut) subsamples on purpose.
      if (isGreater(kernelExtent, 1) === true) skipping.push(index);
      return;
    }
    // Rows are skipped throughout when stride > kernel; only otherwise is a lost last row news.
    if (fits(axis) && typeof axis.dropped === 'number' && axis.dropped > 0) dropped.push({ count: axis.dropped, axis: index });
  });
  if (dropped.length > 0) {
    context.report('strideDropsRows', messages.strideDropsRows(label, dropped, `${formatDim(inputHeight)}×${formatDim(inputWidth)}`));
  }
  const [firstSkipping] = skipping;
  if (firstSkipping !== undefined) {
    const axis = firstSkipping === 0 ? rows : columns;
    const axisStride = stride[firstSkipping] ?? null;
    const skipped = minus(axisStride, axis.effectiveKernel);
    context.report('strideSkipsInput', messages.strideSkipsInput(label, formatDim(axisStride), formatDim(axis.effectiveKernel), formatDim(skipped), skipping));
  }
  return {
    rows,
    columns,
    height: fits(rows) ? rows.size : null,
    width: fits(columns) ? columns.size : null,
  };
}

/**
 * When a window fits a symbolic size: the padded input at least as large as the window,
 * as `H ≥ 3` where one symbol decides it, else as the inequality itself.
 */
function fitCondition(axis: AxisResult): string {
  const { paddedSize, effectiveKernel } = axis;
  const room = minus(paddedSize, effectiveKernel);
  if (isExpr(room) && room.terms.length === 1) {
    const [term] = room.terms as [(typeof room.terms)[number]];
    const [atom] = term.atoms;
    if (term.atoms.length === 1 && atom?.kind === 'symbol') {
      // a·X + b ≥ 0  ⇔  X ≥ ⌈−b/a⌉ (a > 0), X ≤ ⌊b/−a⌋ (a < 0)
      return term.coefficient > 0
        ? `${atom.name} ≥ ${Math.ceil(-room.constant / term.coefficient)}`
        : `${atom.name} ≤ ${Math.floor(room.constant / -term.coefficient)}`;
    }
  }
  return `${formatDim(paddedSize)} ≥ ${formatDim(effectiveKernel)}`;
}

function windowField(field: ReceptiveField | null, axes: WindowedAxes, stride: [Num, Num]): ReceptiveField | null {
  if (field === null) return null;
  return fromAxes(
    throughWindow(axisOf(field, 0), axes.rows.effectiveKernel, stride[0], axes.rows.padBefore),
    throughWindow(axisOf(field, 1), axes.columns.effectiveKernel, stride[1], axes.columns.padBefore),
  );
}

function mapAxes(field: ReceptiveField | null, f: (axis: AxisField, index: 0 | 1) => AxisField): ReceptiveField | null {
  return field === null ? null : fromAxes(f(axisOf(field, 0), 0), f(axisOf(field, 1), 1));
}

export function elementsOf(shape: Shape | null): Num {
  return shape === null ? null : productOf(shape);
}

export function evaluateLeaf(
  node: LeafNode,
  input: Shape | null,
  field: ReceptiveField | null,
  context: LeafContext,
): LeafResult {
  const label = callLabel(node);
  const identity: LeafResult = { output: input, params: NO_PARAMS, macs: 0, field };
  switch (node.kind) {
    case 'conv2d': {
      const filters = positiveInteger(context, label, 'filters', node.filters);
      const kernel = positivePair(context, label, 'kernelSize', node.kernelSize);
      const stride = positivePair(context, label, 'stride', node.stride);
      const dilation = positivePair(context, label, 'dilation', node.dilation);
      const groups = positiveInteger(context, label, 'groups', node.groups);
      const padding = paddingPair(context, label, node.padding);
      const image = asImage(context, label, input);
      if (image === null) return { output: null, params: UNKNOWN_PARAMS, macs: null, field: null };
      const [channels] = image;
      let channelsPerGroup = quotient(channels, groups);
      // Divisibility is checked where both are numbers; a symbolic count is assumed to divide.
      const divides = (count: Num): boolean => typeof count !== 'number' || typeof groups !== 'number' || count % groups === 0;
      if (typeof groups === 'number' && (!divides(channels) || !divides(filters))) {
        context.report('groupsNotDividing', messages.groupsNotDividing(label, groups, channels, filters));
        channelsPerGroup = null;
      }
      const axes = slideBothAxes(context, label, image, kernel, stride, dilation, padding, false);
      const [kh, kw] = kernel;
      const weights = product(kh, kw, channelsPerGroup, filters);
      const inputTerm = groups !== null && groups !== 1 ? `${formatFactor(channels)}/${formatFactor(groups)}` : formatFactor(channels);
      // params = (kh·kw·(C_in / groups) + 1)·filters (PyTorch Conv2d weight [out, in/groups, kh, kw] plus bias [out])
      const params = node.bias === null
        ? UNKNOWN_PARAMS
        : node.bias
        ? withFormula(sum(weights, filters), `(${formatFactor(kh)}·${formatFactor(kw)}·${inputTerm} + 1)·${formatFactor(filters)}`)
        : withFormula(weights, `${formatFactor(kh)}·${formatFactor(kw)}·${inputTerm}·${formatFactor(filters)}`);
      return {
        output: [filters, axes.height, axes.width],
        params,
        // MACs = H_out·W_out·filters·(C_in / groups)·kh·kw
        macs: product(axes.height, axes.width, weights),
        field: windowField(field, axes, stride),
      };
    }
    case 'conv2dTranspose': {
      const filters = positiveInteger(context, label, 'filters', node.filters);
      const kernel = positivePair(context, label, 'kernelSize', node.kernelSize);
      const stride = positivePair(context, label, 'stride', node.stride);
      const padding = paddingPair(context, label, node.padding);
      const outputPadding = [
        nonNegativeInteger(context, label, 'outputPadding', node.outputPadding[0]),
        nonNegativeInteger(context, label, 'outputPadding', node.outputPadding[1]),
      ] as const;
      const image = asImage(context, label, input);
      if (image === null) return { output: null, params: UNKNOWN_PARAMS, macs: null, field: null };
      const [channels, inputHeight, inputWidth] = image;
      const tooMuchOutputPadding = ([0, 1] as const).find((axis) => {
        const axisStride = stride[axis];
        const axisPadding = outputPadding[axis];
        return axisStride !== null && axisPadding !== null && axisPadding >= axisStride;
      });
      if (tooMuchOutputPadding !== undefined) {
        const axisPadding = outputPadding[tooMuchOutputPadding] as number;
        context.report('outputPaddingTooLarge', messages.outputPaddingTooLarge(label, axisPadding, stride[tooMuchOutputPadding] as number));
      }
      const axisSizes = ([0, 1] as const).map((axis) =>
        transposeWindow(axis === 0 ? inputHeight : inputWidth, kernel[axis], stride[axis], padding[axis], outputPadding[axis]),
      );
      const [rows, columns] = axisSizes as [{ size: Num; padBefore: Num }, { size: Num; padBefore: Num }];
      let height = rows.size;
      let width = columns.size;
      if (isPositive(height) === false || isPositive(width) === false) {
        context.report('nonPositiveOutput', messages.nonPositiveOutput(label, input, `${formatDim(kernel[0])}×${formatDim(kernel[1])}`, `${formatDim(inputHeight)}×${formatDim(inputWidth)}`));
        height = isPositive(height) === false ? null : height;
        width = isPositive(width) === false ? null : width;
      }
      const [kh, kw] = kernel;
      const weights = product(kh, kw, channels, filters);
      // params = kh·kw·C_in·filters + filters (PyTorch ConvTranspose2d weight [in, out, kh, kw] plus bias)
      const params = node.bias === null
        ? UNKNOWN_PARAMS
        : node.bias
        ? withFormula(sum(weights, filters), `${formatFactor(kh)}·${formatFactor(kw)}·${formatFactor(channels)}·${formatFactor(filters)} + ${formatFactor(filters)}`)
        : withFormula(weights, `${formatFactor(kh)}·${formatFactor(kw)}·${formatFactor(channels)}·${formatFactor(filters)}`);
      return {
        output: [filters, height, width],
        params,
        // Every input pixel scatters a kh·kw·filters patch: MACs = H_in·W_in·C_in·filters·kh·kw.
        macs: product(inputHeight, inputWidth, weights),
        field: mapAxes(field, (axis, index) =>
          throughTransposed(axis, kernel[index], stride[index], (index === 0 ? rows : columns).padBefore),
        ),
      };
    }
    case 'maxPool2d':
    case 'avgPool2d': {
      const kernel = positivePair(context, label, 'kernelSize', node.kernelSize);
      const stride = positivePair(context, label, 'stride', node.stride);
      const padding = paddingPair(context, label, node.padding);
      const image = asImage(context, label, input);
      if (image === null) return { output: null, params: NO_PARAMS, macs: 0, field: null };
      const tooMuchPadding = ([0, 1] as const).find((axis) => {
        const axisPadding = padding[axis];
        const axisKernel = kernel[axis];
        return typeof axisPadding === 'number' && typeof axisKernel === 'number' && axisPadding > axisKernel / 2;
      });
      if (tooMuchPadding !== undefined) {
        context.report('poolPaddingTooLarge', messages.poolPaddingTooLarge(label, padding[tooMuchPadding] as number, kernel[tooMuchPadding] as number));
      }
      const axes = slideBothAxes(context, label, image, kernel, stride, [1, 1], padding, node.ceilMode ?? false);
      // An unknown ceil mode leaves the size unknown (it may differ by one).
      const [height, width] = node.ceilMode === null ? [null, null] : [axes.height, axes.width];
      return { output: [image[0], height, width], params: NO_PARAMS, macs: 0, field: windowField(field, axes, stride) };
    }
    case 'adaptiveAvgPool2d': {
      const outputSize = positivePair(context, label, 'outputSize', node.outputSize);
      const image = asImage(context, label, input);
      if (image === null) return { output: null, params: NO_PARAMS, macs: 0, field: null };
      const [channels, height, width] = image;
      return {
        output: [channels, outputSize[0], outputSize[1]],
        params: NO_PARAMS,
        macs: 0,
        field: mapAxes(field, (axis, index) => throughAdaptivePooling(axis, index === 0 ? height : width, outputSize[index])),
      };
    }
    case 'globalAvgPool2d': {
      const image = asImage(context, label, input);
      return { output: image === null ? null : [image[0]], params: NO_PARAMS, macs: 0, field: null };
    }
    case 'flatten':
      return { output: input === null ? [null] : [productOf(input)], params: NO_PARAMS, macs: 0, field: null };
    case 'reshape':
      return { output: reshapeOutput(node.shape, input, label, context), params: NO_PARAMS, macs: 0, field: null };
    case 'zeroPad2d': {
      const [top, bottom, left, right] = node.padding.map((side) => nonNegativeInteger(context, label, 'padding', side)) as [Num, Num, Num, Num];
      const image = asImage(context, label, input);
      if (image === null) return { output: null, params: NO_PARAMS, macs: 0, field: null };
      const [channels, height, width] = image;
      return {
        output: [channels, sum(height, top, bottom), sum(width, left, right)],
        params: NO_PARAMS,
        macs: 0,
        field: mapAxes(field, (axis, index) => throughPadding(axis, index === 0 ? top : left)),
      };
    }
    case 'upsample2d': {
      const scale = positivePair(context, label, 'scale', node.scale);
      const image = asImage(context, label, input);
      if (image === null) return { output: null, params: NO_PARAMS, macs: 0, field: null };
      const [channels, height, width] = image;
      return {
        output: [channels, product(height, scale[0]), product(width, scale[1])],
        params: NO_PARAMS,
        macs: 0,
        field: mapAxes(field, (axis, index) => throughUpsampling(axis, scale[index])),
      };
    }
    case 'dense': {
      const units = positiveInteger(context, label, 'units', node.units);
      if (input !== null && input.length !== 1) {
        context.report('denseOnImage', messages.denseOnImage(label, input));
        return { output: [units], params: UNKNOWN_PARAMS, macs: null, field: null };
      }
      const features = input === null ? null : (input[0] ?? null);
      const weights = product(features, units);
      // params = (in + 1)·units: a weight per input and a bias per unit
      const params = node.bias === null
        ? UNKNOWN_PARAMS
        : node.bias
        ? withFormula(sum(weights, units), `(${formatDim(features)} + 1)·${formatFactor(units)}`)
        : withFormula(weights, `${formatFactor(features)}·${formatFactor(units)}`);
      return { output: [units], params, macs: weights, field: null };
    }
    case 'dropout': {
      if (typeof node.rate === 'number' && !(node.rate >= 0 && node.rate < 1)) {
        context.report('invalidValue', messages.invalidValue(label, 'rate', 'a number in [0, 1)', node.rate));
      }
      return identity;
    }
    case 'batchNorm': {
      if (typeof node.momentum === 'number' && !(node.momentum >= 0 && node.momentum <= 1)) {
        context.report('invalidValue', messages.invalidValue(label, 'momentum', 'a number in [0, 1]', node.momentum));
      }
      if (typeof node.epsilon === 'number' && !(node.epsilon > 0)) {
        context.report('invalidValue', messages.invalidValue(label, 'epsilon', 'a positive number', node.epsilon));
      }
      // One γ and β (trainable) and one running mean and variance (not trainable) per channel.
      const channels = input === null ? null : (input[0] ?? null);
      const perKind = product(2, channels);
      const params: ParamCount =
        perKind === null
          ? UNKNOWN_PARAMS
          : {
              trainable: perKind,
              nonTrainable: perKind,
              formula: `γ, β: 2·${formatFactor(channels)} = ${formatCount(perKind)}; running mean, variance: 2·${formatFactor(channels)} = ${formatCount(perKind)}`,
            };
      return { output: input, params, macs: 0, field };
    }
    case 'lrn': {
      positiveInteger(context, label, 'size', node.size);
      const image = asImage(context, label, input);
      return image === null ? { output: null, params: NO_PARAMS, macs: 0, field: null } : identity;
    }
    case 'softmax':
      if (input !== null && input.length === 3) context.report('softmaxOnImage', messages.softmaxOnImage(input));
      return identity;
    case 'unknown':
      // Static evaluation could not work this layer out; the hover says why.
      return { output: null, params: UNKNOWN_PARAMS, macs: null, field: null };
    case 'relu':
    case 'relu6':
    case 'leakyRelu':
    case 'tanh':
    case 'sigmoid':
    case 'identity':
      // Element-wise on any shape, image or vector: no parameters, no MACs, the same field.
      return identity;
    default: {
      const unreachable: never = node;
      return unreachable;
    }
  }
}

function withFormula(trainable: Num, arithmetic: string): ParamCount {
  return trainable === null
    ? { trainable: null, nonTrainable: 0, formula: null }
    : { trainable, nonTrainable: 0, formula: `${arithmetic} = ${formatCount(trainable)}` };
}

/** reshape(...dims): one -1 is inferred (PyTorch `view`); the element count must match. */
function reshapeOutput(target: Shape, input: Shape | null, label: string, context: LeafContext): Shape | null {
  const inferred = target.filter((dim) => dim === -1).length;
  if (inferred > 1) {
    context.report('invalidValue', messages.invalidValue(label, 'dims', 'at most one -1', formatList(target.map((dim) => dim ?? '?'))));
    return target.map(() => null);
  }
  const dims = target.map((dim) => (dim === -1 ? -1 : positiveInteger(context, label, 'dims', dim)));
  const received = elementsOf(input);
  const known = productOf(dims.filter((dim) => dim !== -1));
  if (received === null || known === null) return dims.map((dim) => (dim === -1 ? null : dim));
  if (typeof received !== 'number' || typeof known !== 'number') {
    // Symbolic: the inferred dimension where the division is exact; counts that differ for
    // some values only are not a finding.
    const inferredDim = inferred === 1 ? quotient(received, known) : null;
    return dims.map((dim) => (dim === -1 ? inferredDim : dim));
  }
  if (inferred === 1) {
    if (received % known !== 0) {
      context.report('reshapeCount', messages.reshapeCount(input, received, target));
      return dims.map((dim) => (dim === -1 ? null : dim));
    }
    return dims.map((dim) => (dim === -1 ? received / known : dim));
  }
  if (known !== received) context.report('reshapeCount', messages.reshapeCount(input, received, target));
  return dims;
}

