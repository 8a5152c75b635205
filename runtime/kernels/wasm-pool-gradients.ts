/**
 * MaxPoolGrad for the wasm backend over the wasm heap: the stock kernel takes ~3.6 ms for
 * LeNet's first pool at batch 64 here, as long as its convolution; this one is a single
 * pass over the input — for the common 2×2, stride-2, unpadded window (LeNet, VGG) in
 * ConvLens's SIMD module (`maxPoolGradient2x2`), else in JavaScript. The gradient of each
 * window goes to its first maximum in row-major order, as in TensorFlow and tfjs's cpu
 * backend (`maxPoolPositions`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapView, type KernelArguments, type TensorInfo } from './wasm-kernel-calls';
import { addressOf, simdKernels } from './wasm-simd-module';

export function maxPoolGradient(args: KernelArguments): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs['dy'] as TensorInfo;
  const x = inputs['input'] as TensorInfo;
  const info = poolInfo(x, attrs);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const out = backend.makeOutput([...x.shape], 'float32');
  // Views after the allocation: growing the heap replaces its buffer.
  const dx = heapView(backend, out);
  const input = heapView(backend, x);
  const gradient = heapView(backend, dy);
  if (filterHeight === 2 && filterWidth === 2 && strideHeight === 2 && strideWidth === 2 && top === 0 && left === 0 && 2 * outHeight <= inHeight && 2 * outWidth <= inWidth) {
    // The kernel writes every pixel of every window when C ≥ 4; zeros are needed only
    // where it leaves some out (an odd last row or column, or fewer channels).
    if (channels < 4 || 2 * outHeight < inHeight || 2 * outWidth < inWidth) dx.fill(0);
    simdKernels(backend).maxPoolGradient2x2(addressOf(backend, x), addressOf(backend, dy), addressOf(backend, out), batchSize, inHeight, inWidth, channels, outHeight, outWidth);
    return out;
  }
  dx.fill(0);
  for (let b = 0; b < batchSize; b += 1) {
    const inputBatch = b * inHeight * inWidth * channels;
    for (let p = 0; p < outHeight; p += 1) {
      const rowStart = Math.max(p * strideHeight - top, 0);
      const rowEnd = Math.min(p * strideHeight - top + filterHeight, inHeight);
      for (let q = 0; q < outWidth; q += 1) {
        const columnStart = Math.max(q * strideWidth - left, 0);
        const columnEnd = Math.min(q * strideWidth - left + filterWidth, inWidth);
        const outputPixel = ((b * outHeight + p) * outWidth + q) * channels;
        for (let c = 0; c < channels; c += 1) {
          // From −∞ with a strict comparison, as the cpu backend's maxPoolPositions: NaN never
          // wins, and a window of NaN and −∞ only passes no gradient.
          let best = -Infinity;
          let where = -1;
          for (let row = rowStart; row < rowEnd; row += 1) {
            let index = inputBatch + (row * inWidth + columnStart) * channels + c;
            for (let column = columnStart; column < columnEnd; column += 1, index += channels) {
              const value = input[index] as number;
              if (value > best) {
                best = value;
                where = index;
              }
            }
          }
          if (where >= 0) dx[where] = (dx[where] as number) + (gradient[outputPixel + c] as number);
        }
      }
    }
  }
  return out;
}

/**
 * AvgPoolGrad: each output's gradient is shared equally by the input pixels its window
 * covers. With 'same' padding TensorFlow averages over the pixels inside the input only
 * (the wasm and cpu forward kernels agree), so the share is 1 / that count.
 */
export function avgPoolGradient(args: KernelArguments): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs['dy'] as TensorInfo;
  const x = inputs['input'] as TensorInfo;
  const info = poolInfo(x, attrs);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const out = backend.makeOutput([...x.shape], 'float32');
  const dx = heapView(backend, out);
  const gradient = heapView(backend, dy);
  dx.fill(0);
  for (let b = 0; b < batchSize; b += 1) {
    const inputBatch = b * inHeight * inWidth * channels;
    for (let p = 0; p < outHeight; p += 1) {
      const rowStart = Math.max(p * strideHeight - top, 0);
      const rowEnd = Math.min(p * strideHeight - top + filterHeight, inHeight);
      for (let q = 0; q < outWidth; q += 1) {
        const columnStart = Math.max(q * strideWidth - left, 0);
        const columnEnd = Math.min(q * strideWidth - left + filterWidth, inWidth);
        const count = (rowEnd - rowStart) * (columnEnd - columnStart);
        if (count <= 0) continue;
        const share = 1 / count;
        const outputPixel = ((b * outHeight + p) * outWidth + q) * channels;
        for (let row = rowStart; row < rowEnd; row += 1) {
          for (let column = columnStart; column < columnEnd; column += 1) {
            const pixel = inputBatch + (row * inWidth + column) * channels;
            for (let c = 0; c < channels; c += 1) dx[pixel + c] = (dx[pixel + c] as number) + (gradient[outputPixel + c] as number) * share;
          }
        }
      }
    }
  }
  return out;
}

/** The pooling geometry of a pool gradient, from the forward op's attributes (tfjs-core's own rule). */
export function poolInfo(x: TensorInfo, attrs: KernelArguments['attrs']): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs['filterSize'] as [number, number] | number,
    attrs['strides'] as [number, number] | number,
    1,
    attrs['pad'] as 'valid' | 'same' | number,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
  );
}
