/**
 * Output size of a sliding window (convolution, pooling) along one axis, and the padding
 * it really uses, under PyTorch's and TensorFlow's rules.
 */
import type { Num } from '../ir';

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
  /** Input pixels at the end that no window reads (padding excluded); 0 when all are read. */
  readonly dropped: Num;
  /** The padded input size the window slides over. */
  readonly paddedSize: Num;
}

export function slideWindow(inputSize: Num, window: AxisWindow): AxisResult {
  const { kernel, stride, dilation, padding, ceilMode } = window;
  if (kernel === null || stride === null || dilation === null || stride <= 0) {
    return { size: null, padBefore: padding === 'same' ? null : padding, effectiveKernel: null, dropped: null, paddedSize: null };
  }
  const effectiveKernel = dilation * (kernel - 1) + 1;
  if (inputSize === null) {
    return { size: null, padBefore: padding === 'same' ? null : padding, effectiveKernel, dropped: null, paddedSize: null };
  }
  if (padding === 'same') {
    // TensorFlow 'SAME': out = ceil(in / stride); the total padding makes the last window
    // end at the padded edge, and the odd pixel goes to the bottom/right (tf.nn.conv2d docs).
    const size = Math.ceil(inputSize / stride);
    const total = Math.max((size - 1) * stride + effectiveKernel - inputSize, 0);
    return { size, padBefore: Math.floor(total / 2), effectiveKernel, dropped: 0, paddedSize: inputSize + total };
  }
  if (padding === null) {
    return { size: null, padBefore: null, effectiveKernel, dropped: null, paddedSize: null };
  }
  const paddedSize = inputSize + 2 * padding;
  const span = paddedSize - effectiveKernel;
  if (span < 0) return { size: Math.floor(span / stride) + 1, padBefore: padding, effectiveKernel, dropped: null, paddedSize };
  if (ceilMode) {
    // out = ceil((in + 2·pad − k) / stride) + 1, but the last window must start inside the
    // input or its left padding (PyTorch MaxPool2d docs, pooling_output_shape in ATen).
    let size = Math.ceil(span / stride) + 1;
    if ((size - 1) * stride >= inputSize + padding) size -= 1;
    return { size, padBefore: padding, effectiveKernel, dropped: 0, paddedSize };
  }
  // out = floor((in + 2·pad − dilation·(k − 1) − 1) / stride) + 1 (PyTorch Conv2d docs)
  const size = Math.floor(span / stride) + 1;
  const unread = span % stride;
  return { size, padBefore: padding, effectiveKernel, dropped: Math.max(0, unread - padding), paddedSize };
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
    const total = Math.max(kernel - stride, 0);
    return { size: inputSize * stride, padBefore: Math.floor(total / 2) };
  }
  if (padding === null || outputPadding === null) return { size: null, padBefore: padding };
  return { size: (inputSize - 1) * stride - 2 * padding + kernel + outputPadding, padBefore: padding };
}
