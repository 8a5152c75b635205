/**
 * Output size of a sliding window (convolution, pooling) along one axis, and the padding
 * it really uses, under PyTorch's and TensorFlow's rules. Sizes may be symbolic (an
 * expression over a helper's parameters): the same formulas, simplified by the IR's algebra.
 */
import type { Num } from '../ir';
import { ceilQuotient, floorQuotient, isGreater, isPositive, larger, minus, plus, product } from './unknown-arithmetic';

export interface AxisWindow {
  readonly kernel: Num;
  readonly stride: Num;
  readonly dilation: Num;
  /** Symmetric padding, or TensorFlow's 'same'. */
  readonly padding: Num | 'same';
  readonly ceilMode: boolean;
}

export interface AxisResult {
  /** Output size; may be ≤ 0 when the window does not fit (the caller reports it). */
  readonly size: Num;
  /** Padding before the first input pixel (what the receptive field's start depends on). */
  readonly padBefore: Num;
  /** The dilated kernel extent: dilation·(kernel − 1) + 1. */
  readonly effectiveKernel: Num;
  /** Input pixels at the end that no window reads (padding excluded); 0 when all are read; null when unknown. */
  readonly dropped: Num;
  /** The padded input size the window slides over. */
  readonly paddedSize: Num;
}

export function slideWindow(inputSize: Num, window: AxisWindow): AxisResult {
  const { kernel, stride, dilation, padding, ceilMode } = window;
  const unknownPadding = padding === 'same' ? null : padding;
  if (kernel === null || stride === null || dilation === null || isPositive(stride) === false) {
    return { size: null, padBefore: unknownPadding, effectiveKernel: null, dropped: null, paddedSize: null };
  }
  const effectiveKernel = plus(product(dilation, minus(kernel, 1)), 1);
  if (inputSize === null) {
    return { size: null, padBefore: unknownPadding, effectiveKernel, dropped: null, paddedSize: null };
  }
  if (padding === 'same') {
    // TensorFlow 'SAME': out = ceil(in / stride); the total padding makes the last window
    // end at the padded edge, and the odd pixel goes to the bottom/right (tf.nn.conv2d docs).
    const size = ceilQuotient(inputSize, stride);
    const total = larger(minus(plus(product(minus(size, 1), stride), effectiveKernel), inputSize), 0);
    return { size, padBefore: floorQuotient(total, 2), effectiveKernel, dropped: 0, paddedSize: plus(inputSize, total) };
  }
  if (padding === null) {
    return { size: null, padBefore: null, effectiveKernel, dropped: null, paddedSize: null };
  }
  const paddedSize = plus(inputSize, product(2, padding));
  const span = minus(paddedSize, effectiveKernel);
  if (isPositive(plus(span, 1)) === false) {
    return { size: plus(floorQuotient(span, stride), 1), padBefore: padding, effectiveKernel, dropped: null, paddedSize };
  }
  if (ceilMode) {
    // out = ceil((in + 2·pad − k) / stride) + 1, but the last window must start inside the
    // input or its left padding (PyTorch MaxPool2d docs, pooling_output_shape in ATen).
    const size = plus(ceilQuotient(span, stride), 1);
    // (size − 1)·stride ≤ span + stride − 1, so the last window can only start in the right
    // padding when stride ≥ kernel − pad + 1: for smaller strides (every classic pooling
    // layer) the rule never applies, whatever the input size.
    const overshoot = minus(product(minus(size, 1), stride), plus(inputSize, padding));
    const neverOvershoots = isGreater(minus(effectiveKernel, padding), minus(stride, 1));
    const startsInPadding = typeof overshoot === 'number' ? overshoot >= 0 : neverOvershoots === true ? false : isPositive(plus(overshoot, 1));
    if (startsInPadding === undefined) return { size: null, padBefore: padding, effectiveKernel, dropped: 0, paddedSize };
    return { size: startsInPadding ? minus(size, 1) : size, padBefore: padding, effectiveKernel, dropped: 0, paddedSize };
  }
  // out = floor((in + 2·pad − dilation·(k − 1) − 1) / stride) + 1 (PyTorch Conv2d docs)
  const size = plus(floorQuotient(span, stride), 1);
  return { size, padBefore: padding, effectiveKernel, dropped: droppedPixels(span, stride, padding), paddedSize };
}

/** Input pixels after the last window (padding excluded): (span mod stride) − pad, when that is known. */
function droppedPixels(span: Num, stride: Num, padding: Num): Num {
  if (stride === 1) return 0;
  if (typeof span !== 'number' || typeof stride !== 'number' || typeof padding !== 'number') return null;
  return Math.max(0, (span % stride) - padding);
}

/**
 * Output size of a transposed convolution along one axis.
 * out = (in − 1)·stride − 2·pad + dilation·(k − 1) + outputPadding + 1 (PyTorch
 * ConvTranspose2d docs); with 'same', out = in·stride (TensorFlow conv2d_transpose).
 */
export function transposeWindow(
  inputSize: Num,
  kernel: Num,
  stride: Num,
  padding: Num | 'same',
  outputPadding: Num,
): { size: Num; padBefore: Num } {
  if (inputSize === null || kernel === null || stride === null) return { size: null, padBefore: null };
  if (padding === 'same') {
    const total = larger(minus(kernel, stride), 0);
    return { size: product(inputSize, stride), padBefore: floorQuotient(total, 2) };
  }
  if (padding === null || outputPadding === null) return { size: null, padBefore: padding };
  return {
    size: plus(minus(product(minus(inputSize, 1), stride), product(2, padding)), plus(kernel, outputPadding)),
    padBefore: padding,
  };
}
