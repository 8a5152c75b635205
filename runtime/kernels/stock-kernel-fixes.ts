/**
 * Corrections of two stock tfjs 4.22 gradient kernels whose results disagree with their own
 * forward pass (found by test/runtime/backend-agreement.test.ts, checked against finite
 * differences). ConvLens's wasm kernels are right already; tfjs-node's are TensorFlow's own.
 *
 * - AvgPoolGrad, cpu and webgpu: with 'same' padding the forward pass averages each window
 *   over the pixels inside the input, but the gradient divides every window by its full
 *   area, so border pixels get too little. Corrected by scaling dy by area / inside count
 *   before the stock kernel (which then hands each inside pixel dy / count).
 * - ResizeNearestNeighborGrad, cpu: indexes dy with the input's batch stride, so every image
 *   after the first gets another image's gradient (upsample2d at batch > 1). Replaced by a
 *   kernel that sends each dy pixel to the pixel the forward kernel read it from.
 * - ResizeNearestNeighborGrad, webgpu: wrong for some sizes (41 or 83 rows, 67 columns at
 *   scale 2, say; its shader searches a window of dy in f32). For whole scale factors (what
 *   upsample2d makes) the gradient is a sum over sh × sw blocks of dy: reshapes and sums.
 *
 * Each replacement wraps the stock kernel function taken from tfjs's registry
 * (kernel-registry.ts). Idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerOver, stockKernel } from './kernel-registry';
import { poolInfo } from './wasm-pool-gradients';

type KernelArguments = Parameters<tf.KernelFunc>[0];
type TensorInfo = tf.TensorInfo;
interface DataBackend {
  makeTensorInfo(shape: readonly number[], dtype: tf.DataType, values?: Float32Array): TensorInfo;
  /** Releases one reference (a reshape shares its input's data). */
  disposeData(dataId: object): void;
}

const fixed = new Set<string>();

/** Replaces the faulty stock kernels of `backendName` ('cpu' or 'webgpu'; others are left alone). */
export function fixStockKernels(backendName: string): void {
  if (fixed.has(backendName) || (backendName !== 'cpu' && backendName !== 'webgpu')) return;
  const stock = (kernelName: string) => stockKernel(kernelName, backendName);
  registerOver('AvgPoolGrad', backendName, correctedAvgPoolGradient(stock('AvgPoolGrad'), stock('Multiply')));
  const resizeGradient = stock('ResizeNearestNeighborGrad');
  registerOver('ResizeNearestNeighborGrad', backendName, backendName === 'cpu' ? resizeNearestNeighborGradient : blockSumResizeGradient(resizeGradient, stock('Reshape'), stock('Sum')));
  fixed.add(backendName);
}

/**
 * area / (the window's pixels inside the input) for each of dy's OH × OW pixels, [1, OH,
 * OW, 1]; null when every window lies inside (nothing to correct). The sizes come from dy:
 * the gradient is not given the forward pass's dimRoundingMode.
 */
function windowScales(info: tf.backend_util.Conv2DInfo, outHeight: number, outWidth: number): Float32Array | null {
  const { inHeight, inWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const inside = (start: number, extent: number, size: number) => Math.min(start + extent, size) - Math.max(start, 0);
  const scales = new Float32Array(outHeight * outWidth);
  let corrected = false;
  for (let p = 0; p < outHeight; p += 1) {
    const rows = inside(p * strideHeight - top, filterHeight, inHeight);
    for (let q = 0; q < outWidth; q += 1) {
      const count = rows * inside(q * strideWidth - left, filterWidth, inWidth);
      const scale = count > 0 ? (filterHeight * filterWidth) / count : 0;
      if (scale !== 1) corrected = true;
      scales[p * outWidth + q] = scale;
    }
  }
  return corrected ? scales : null;
}

function correctedAvgPoolGradient(stock: tf.KernelFunc, multiply: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArguments) => {
    const { inputs } = args;
    const attrs = args.attrs ?? {};
    const backend = args.backend as unknown as DataBackend;
    const dy = inputs['dy'] as TensorInfo;
    const x = inputs['input'] as TensorInfo;
    const info = poolInfo(x, attrs);
    const [, outHeight, outWidth] = dy.shape as [number, number, number, number];
    const scales = windowScales(info, outHeight, outWidth);
    if (scales === null) return stock(args);
    const scaleInfo = backend.makeTensorInfo([1, outHeight, outWidth, 1], 'float32', scales);
    const scaled = multiply({ inputs: { a: dy, b: scaleInfo }, backend: args.backend, attrs: {} }) as TensorInfo;
    try {
      return stock({ inputs: { dy: scaled, input: x }, backend: args.backend, attrs });
    } finally {
      backend.disposeData(scaleInfo.dataId);
      backend.disposeData(scaled.dataId);
    }
  };
}

/** The source row (or column) of each output row, as tfjs-backend-cpu's ResizeNearestNeighbor computes it. */
function sourceIndices(input: number, output: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const ratio = alignCorners && output > 1 ? (input - 1) / (output - 1) : input / output;
  return Int32Array.from({ length: output }, (_, index) => {
    const fraction = halfPixelCenters ? ratio * (index + 0.5) : ratio * index;
    const nearest = Math.min(input - 1, alignCorners ? Math.round(fraction) : Math.floor(fraction));
    return halfPixelCenters ? Math.max(0, nearest) : nearest;
  });
}

function resizeNearestNeighborGradient(args: KernelArguments): TensorInfo {
  const backend = args.backend as unknown as DataBackend & { data: { get(dataId: object): { values: Float32Array } } };
  const images = args.inputs['images'] as TensorInfo;
  const dy = args.inputs['dy'] as TensorInfo;
  const [batch, height, width, channels] = images.shape as [number, number, number, number];
  const [, outHeight, outWidth] = dy.shape as [number, number, number, number];
  const alignCorners = args.attrs?.['alignCorners'] === true;
  const halfPixelCenters = args.attrs?.['halfPixelCenters'] === true;
  const rows = sourceIndices(height, outHeight, alignCorners, halfPixelCenters);
  const columns = sourceIndices(width, outWidth, alignCorners, halfPixelCenters);
  const gradient = backend.data.get(dy.dataId).values;
  const dx = new Float32Array(batch * height * width * channels);
  let from = 0;
  for (let b = 0; b < batch; b += 1) {
    for (let r = 0; r < outHeight; r += 1) {
      const rowStart = (b * height + (rows[r] as number)) * width;
      for (let c = 0; c < outWidth; c += 1) {
        const to = (rowStart + (columns[c] as number)) * channels;
        for (let d = 0; d < channels; d += 1, from += 1) dx[to + d] = (dx[to + d] as number) + (gradient[from] as number);
      }
    }
  }
  return backend.makeTensorInfo(images.shape, 'float32', dx);
}

/**
 * With whole scale factors and without aligned corners, output row r reads input row
 * ⌊r / sh⌋ (half-pixel centres or not), so dx is dy summed over sh × sw blocks; other
 * resizes go to the stock kernel.
 */
function blockSumResizeGradient(stock: tf.KernelFunc, reshape: tf.KernelFunc, sum: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArguments) => {
    const images = args.inputs['images'] as TensorInfo;
    const dy = args.inputs['dy'] as TensorInfo;
    const [batch, height, width, channels] = images.shape as [number, number, number, number];
    const [, outHeight, outWidth] = dy.shape as [number, number, number, number];
    if (outHeight % height !== 0 || outWidth % width !== 0 || args.attrs?.['alignCorners'] === true) return stock(args);
    const [rowFactor, columnFactor] = [outHeight / height, outWidth / width];
    const backend = args.backend as unknown as DataBackend;
    const run = (kernel: tf.KernelFunc, x: TensorInfo, attrs: tf.NamedAttrMap): TensorInfo => kernel({ inputs: { x }, backend: args.backend, attrs }) as TensorInfo;
    // Rank 3 at most: [B·H, sh, W·sw·C] summed over sh, then [B·H·W, sw, C] over sw.
    const rows = run(reshape, dy, { shape: [batch * height, rowFactor, width * columnFactor * channels] });
    const rowSums = run(sum, rows, { axis: [1], keepDims: false });
    const columns = run(reshape, rowSums, { shape: [batch * height * width, columnFactor, channels] });
    const sums = run(sum, columns, { axis: [1], keepDims: false });
    const dx = run(reshape, sums, { shape: [batch, height, width, channels] });
    for (const intermediate of [rows, rowSums, columns, sums]) backend.disposeData(intermediate.dataId);
    return dx;
  };
}
