/**
 * Conv2D, FusedConv2D and the two convolution gradients for the wasm backend, run by
 * ConvLens's own WebAssembly SIMD module (simd/convolution.ts) directly on the tensors in
 * tfjs-backend-wasm's heap.
 *
 * This file does the bookkeeping the module leaves to its caller: geometry from tfjs-core's
 * `computeConv2DInfo`, a zero-padded copy of the input when the convolution pads, the
 * filter packed for the input gradient, and 32 bytes of readable memory after every buffer
 * the module reads eight lanes at a time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapView, type KernelArguments, type TensorInfo } from './wasm-kernel-calls';
import { elementCount } from './wasm-simd-module';
import { addPartialSums, padImages, placeFor, type KernelPlace } from './kernel-place';
import { splitWork } from './kernel-threads';
import { usesWinograd, WINOGRAD_SAVING, winogradFilterGradient, winogradForward, winogradInputGradient, winogradInputGradientFits } from './wasm-winograd';

type ConvPad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface Geometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly channels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly filters: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly dilationHeight: number;
  readonly dilationWidth: number;
  readonly top: number;
  readonly left: number;
  /** The padded input's size: the padding above and left, and enough rows below for the last window. */
  readonly paddedHeight: number;
  readonly paddedWidth: number;
}

/** The convolution's geometry; null for what the SIMD kernels do not cover (NCHW, negative padding or output sizes). */
function geometryOf(xShape: readonly number[], filterShape: readonly number[], attrs: Record<string, unknown>): Geometry | null {
  if (attrs['dataFormat'] === 'NCHW') return null;
  const dilations = (attrs['dilations'] as [number, number] | number | undefined) ?? 1;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs['strides'] as [number, number],
    dilations,
    attrs['pad'] as ConvPad,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
  );
  const { top, left, bottom, right } = info.padInfo;
  // Negative padding (tfjs-core crops) and windows larger than the input are left to the
  // stock kernel or refused: the padded copy below assumes neither.
  if (top < 0 || left < 0 || bottom < 0 || right < 0 || info.outHeight < 0 || info.outWidth < 0) return null;
  const reach = (out: number, stride: number, filter: number, dilation: number) => (out - 1) * stride + (filter - 1) * dilation + 1;
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    channels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filters: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    top,
    left,
    paddedHeight: Math.max(top + info.inHeight, reach(info.outHeight, info.strideHeight, info.filterHeight, info.dilationHeight)),
    paddedWidth: Math.max(left + info.inWidth, reach(info.outWidth, info.strideWidth, info.filterWidth, info.dilationWidth)),
  };
}

const needsPadding = (g: Geometry) => g.top !== 0 || g.left !== 0 || g.paddedHeight !== g.inHeight || g.paddedWidth !== g.inWidth;

/**
 * The byte offsets the module's flat loops walk: each output pixel's window start in the
 * padded input, and each tap's offset inside a window in the filter's (i, j, c) order.
 * They depend on the geometry only, so they are kept per geometry (a model has a few
 * convolutions and batch sizes); a place copies each to its memory once (kernel-place.ts).
 */
interface OffsetTables {
  readonly windows: Int32Array;
  /** The window start of each output row's first pixel (B·OH of them; pooled, B·2⌊OH/2⌋). */
  readonly rows: Int32Array;
  readonly taps: Int32Array;
  /**
   * For the input gradient (dilation 1), one entry per kernel row: its first block of 8
   * taps in the packed filter, its byte offset in a window, its blocks, its last block's
   * lanes. A kernel row's taps (j, c) are contiguous in a window: one run per row.
   */
  readonly runs: Int32Array;
}

const MAX_CACHED_TABLES = 64;
const tableCache = new Map<string, OffsetTables>();

function offsetTables(g: Geometry, pooled = false): OffsetTables {
  const key = [pooled, g.batch, g.paddedHeight, g.paddedWidth, g.channels, g.outHeight, g.outWidth, g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth].join(',');
  const known = tableCache.get(key);
  if (known !== undefined) return known;
  if (tableCache.size >= MAX_CACHED_TABLES) tableCache.clear();
  const tapCount = g.filterHeight * g.filterWidth * g.channels;
  const windowOf = (b: number, p: number, q: number) => ((b * g.paddedHeight + p * g.strideHeight) * g.paddedWidth + q * g.strideWidth) * g.channels * 4;
  const [pooledHeight, pooledWidth] = [Math.floor(g.outHeight / 2), Math.floor(g.outWidth / 2)];
  const pixels = pooled ? 4 * g.batch * pooledHeight * pooledWidth : g.batch * g.outHeight * g.outWidth;
  const windows = new Int32Array(pixels);
  let m = 0;
  for (let b = 0; b < g.batch; b += 1) {
    if (pooled) {
      // The four pixels of each 2 × 2 pooling window, window after window.
      for (let p = 0; p < pooledHeight; p += 1) {
        for (let q = 0; q < pooledWidth; q += 1) {
          for (const [dp, dq] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) windows[m++] = windowOf(b, 2 * p + dp, 2 * q + dq);
        }
      }
      continue;
    }
    for (let p = 0; p < g.outHeight; p += 1) {
      for (let q = 0; q < g.outWidth; q += 1) windows[m++] = windowOf(b, p, q);
    }
  }
  const taps = new Int32Array(tapCount);
  for (let i = 0, t = 0; i < g.filterHeight; i += 1) {
    for (let j = 0; j < g.filterWidth; j += 1) {
      for (let c = 0; c < g.channels; c += 1, t += 1) {
        taps[t] = ((i * g.dilationHeight * g.paddedWidth + j * g.dilationWidth) * g.channels + c) * 4;
      }
    }
  }
  // Pooled, only the rows the pool reads: an odd last row is dropped.
  const rowsPerImage = pooled ? 2 * pooledHeight : g.outHeight;
  const rows = new Int32Array(g.batch * rowsPerImage);
  for (let row = 0; row < rows.length; row += 1) rows[row] = windowOf(Math.floor(row / rowsPerImage), row % rowsPerImage, 0);
  const runLength = g.filterWidth * g.channels;
  const blocksPerRun = Math.ceil(runLength / 8);
  const runs = new Int32Array(g.filterHeight * 4);
  for (let row = 0; row < g.filterHeight; row += 1) {
    runs.set([row * blocksPerRun, row * g.paddedWidth * g.channels * 4, blocksPerRun, runLength - 8 * (blocksPerRun - 1)], row * 4);
  }
  const tables = { windows, rows, taps, runs };
  tableCache.set(key, tables);
  return tables;
}

/** The input at `x` (an address in `place`) with its padding in place, as the module wants it; `x` itself when nothing pads. */
function paddedInput(place: KernelPlace, x: number, g: Geometry): number {
  if (!needsPadding(g)) return x;
  const padded = place.scratch(g.batch * g.paddedHeight * g.paddedWidth * g.channels);
  padImages(place, false, x, padded, { ...g, height: g.inHeight, width: g.inWidth });
  return padded;
}

/** Multiply-adds of one pass of a convolution of this geometry (forward or either gradient). */
const multiplyAddsOf = (g: Geometry) => g.batch * g.outHeight * g.outWidth * g.filters * g.filterHeight * g.filterWidth * g.channels;

/**
 * Conv2D (inputs x, filter) or FusedConv2D (plus bias; activation 'linear' or 'relu'),
 * channels last; null when the module does not cover the call (NCHW, another activation,
 * a pre-activation input), so the caller uses the stock kernel.
 */
export function simdConvolve(args: KernelArguments): TensorInfo | null {
  return convolveWith(args, false);
}

/** The kernel name of a convolution followed by a 2 × 2, stride-2 max pool (inference only). */
export const POOLED_CONVOLUTION_KERNEL = 'ConvLensPooledConv2D';

/**
 * ConvLensPooledConv2D: FusedConv2D's inputs and attributes (bias, 'linear' or 'relu'),
 * then a 2 × 2 max pool with stride 2 and no padding, in one pass — the convolution's
 * full-size output is never written. Output [B, ⌊OH/2⌋, ⌊OW/2⌋, F].
 */
export function simdPooledConvolve(args: KernelArguments): TensorInfo {
  const result = convolveWith(args, true);
  if (result === null) throw new Error(`[convlens] ${POOLED_CONVOLUTION_KERNEL} supports float32 NHWC with a linear or ReLU activation only`);
  return result;
}

function convolveWith(args: KernelArguments, pooled: boolean): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const x = inputs['x'] as TensorInfo;
  const filter = inputs['filter'] as TensorInfo;
  const bias = inputs['bias'] as TensorInfo | undefined;
  const activation = (attrs['activation'] as string | undefined) ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') return null;
  if (inputs['preluActivationWeights'] !== undefined || x.dtype !== 'float32') return null;
  const g = geometryOf(x.shape, filter.shape, attrs);
  if (g === null) return null;
  if (bias !== undefined && elementCount(bias) !== g.filters) return null;
  const outShape = pooled ? [g.batch, Math.floor(g.outHeight / 2), Math.floor(g.outWidth / 2), g.filters] : [g.batch, g.outHeight, g.outWidth, g.filters];
  const out = backend.makeOutput(outShape, 'float32');
  if (outShape.some((dimension) => dimension === 0)) return out;
  const winograd = usesWinograd(g);
  // Winograd's parts are images; the direct kernels' rows or pixels.
  const place = placeFor(backend, multiplyAddsOf(g) / (winograd ? WINOGRAD_SAVING : 1), winograd ? g.batch : g.batch * g.outHeight);
  try {
    const filterAddress = place.input(filter);
    const biasAddress = bias === undefined ? 0 : place.input(bias);
    if (winograd) {
      // 3×3, stride 1: Winograd F(4×4, 3×3) or F(2×2, 3×3), 4× or 2.25× fewer multiply-adds (wasm-winograd.ts).
      winogradForward(place, { ...g, x: place.input(x), filter: filterAddress, bias: biasAddress, output: place.output(out), withRelu: activation === 'relu', pooled });
      return out;
    }
    const padded = paddedInput(place, place.input(x), g);
    const output = place.output(out);
    const tables = offsetTables(g, pooled);
    const taps = place.table(tables.taps);
    const withRelu = activation === 'relu' ? 1 : 0;
    // Pooled, the pool reads an even width.
    const rowWidth = pooled ? 2 * Math.floor(g.outWidth / 2) : g.outWidth;
    const pixelBytes = g.filters * 4;
    if (g.channels === 1 && g.strideWidth === 1 && rowWidth >= 16) {
      // One input channel: vectors along the row, so that a filter count like 6 wastes no lanes.
      // Parts are runs of rows (pairs of rows when pooled: the pool's two).
      const rows = place.table(tables.rows);
      place.run('convolveSingleChannel', splitWork(tables.rows.length, place.threads, pooled ? 2 : 1).map(([start, count]) => [
        padded, filterAddress, biasAddress, output + (pooled ? (start / 2) * (rowWidth / 2) : start * rowWidth) * pixelBytes,
        rows + start * 4, count, rowWidth, taps, tables.taps.length, g.filters, withRelu, pooled ? 1 : 0,
      ]));
    } else {
      // Parts are runs of output pixels (whole pooling windows when pooled).
      const windows = place.table(tables.windows);
      place.run('convolve', splitWork(tables.windows.length, place.threads, pooled ? 4 : 1).map(([start, count]) => [
        padded, filterAddress, biasAddress, output + (pooled ? start / 4 : start) * pixelBytes,
        windows + start * 4, count, taps, tables.taps.length, g.filters, withRelu, pooled ? 1 : 0,
      ]));
    }
    return out;
  } finally {
    place.finish();
  }
}

/**
 * dy must hold exactly the convolution's output, or the kernels would read past it
 * (tf.conv2dTranspose does not check its input against `outputShape`).
 */
function requireOutputGradient(dy: TensorInfo, g: Geometry): void {
  const expected = [g.batch, g.outHeight, g.outWidth, g.filters];
  if (elementCount(dy) !== g.batch * g.outHeight * g.outWidth * g.filters) {
    throw new Error(`[convlens] the convolution's output gradient has shape [${dy.shape.join(', ')}]; this convolution's output is [${expected.join(', ')}]`);
  }
}

/** Conv2DBackpropFilter: inputs x, dy; attrs strides, pad, dataFormat, dimRoundingMode, filterShape. */
export function simdFilterGradient(args: KernelArguments): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const x = inputs['x'] as TensorInfo;
  const dy = inputs['dy'] as TensorInfo;
  const filterShape = attrs['filterShape'] as [number, number, number, number];
  const g = geometryOf(x.shape, filterShape, { ...attrs, dilations: 1 });
  if (g === null) return null;
  requireOutputGradient(dy, g);
  const out = backend.makeOutput([...filterShape], 'float32');
  const pixels = g.batch * g.outHeight * g.outWidth;
  const size = elementCount(out);
  const winograd = usesWinograd(g) && pixels > 0;
  const place = placeFor(backend, multiplyAddsOf(g) / (winograd ? WINOGRAD_SAVING : 1), winograd ? g.batch : pixels);
  try {
    const output = place.output(out);
    if (winograd) {
      winogradFilterGradient(place, { ...g, x: place.input(x), dy: place.input(dy), output });
      return out;
    }
    const padded = paddedInput(place, place.input(x), g);
    const dyAddress = place.input(dy);
    const tables = offsetTables(g);
    const windows = place.table(tables.windows);
    const taps = place.table(tables.taps);
    // Each part adds its run of output pixels into zeroed sums of its own (8 floats of
    // slack for the last tile's loads); the parts' sums are added up after.
    const parts = splitWork(pixels, place.threads);
    const sums = parts.map(() => place.scratch(size + 8, true));
    place.run('filterGradient', parts.map(([start, count], part) => [
      padded, dyAddress + start * g.filters * 4, sums[part] as number, windows + start * 4, count, taps, tables.taps.length, g.filters,
    ]));
    // No output pixels, no parts: the gradient is zero.
    if (sums.length === 0) place.floats(output, size).fill(0);
    else addPartialSums(place, sums, size, output);
    return out;
  } finally {
    place.finish();
  }
}

/** Conv2DBackpropInput: inputs dy, filter; attrs strides, pad, dataFormat, dimRoundingMode, inputShape. */
export function simdInputGradient(args: KernelArguments): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const dy = inputs['dy'] as TensorInfo;
  const filter = inputs['filter'] as TensorInfo;
  const inputShape = attrs['inputShape'] as [number, number, number, number];
  const g = geometryOf(inputShape, filter.shape, { ...attrs, dilations: 1 });
  if (g === null) return null;
  requireOutputGradient(dy, g);
  const out = backend.makeOutput([...inputShape], 'float32');
  const pixels = g.batch * g.outHeight * g.outWidth;
  if (pixels === 0 || out.shape.some((dimension) => dimension === 0)) {
    heapView(backend, out).fill(0);
    return out;
  }
  const winograd = usesWinograd(g) && winogradInputGradientFits(g.top, g.left);
  // Both paths' parts are images.
  const place = placeFor(backend, multiplyAddsOf(g) / (winograd ? WINOGRAD_SAVING : 1), g.batch);
  try {
    const output = place.output(out);
    if (winograd) {
      winogradInputGradient(place, { ...g, dy: place.input(dy), filter: place.input(filter), output });
      return out;
    }
    const runLength = g.filterWidth * g.channels;
    const blocksPerRun = Math.ceil(runLength / 8);
    const packedCount = g.filterHeight * blocksPerRun * g.filters * 8;
    const packed = place.scratch(packedCount, true);
    const paddedCount = g.batch * g.paddedHeight * g.paddedWidth * g.channels;
    // Zeroed image by image on the threads: padding an input of no rows writes only zeros.
    const padded = place.scratch(paddedCount);
    padImages(place, false, 0, padded, { ...g, height: 0, width: 0 });
    const dyAddress = place.input(dy);
    const filterAddress = place.input(filter);
    const tables = offsetTables(g);
    const windows = place.table(tables.windows);
    const runs = place.table(tables.runs);
    // Views after the last allocation: growing a memory replaces its buffer.
    const w = place.floats(filterAddress, elementCount(filter));
    const packedView = place.floats(packed, packedCount);
    // packed[row·blocks + block, f, lane] = w[row, j, c, f] with j·C + c = 8·block + lane.
    for (let row = 0; row < g.filterHeight; row += 1) {
      for (let tap = 0; tap < runLength; tap += 1) {
        const from = (row * runLength + tap) * g.filters;
        const block = row * blocksPerRun + Math.floor(tap / 8);
        const lane = tap % 8;
        for (let f = 0; f < g.filters; f += 1) packedView[(block * g.filters + f) * 8 + lane] = w[from + f] as number;
      }
    }
    // Parts are runs of whole images: neighbouring windows overlap in the padded gradient, images do not.
    const pixelsPerImage = g.outHeight * g.outWidth;
    place.run('inputGradient', splitWork(pixels, place.threads, pixelsPerImage).map(([start, count]) => [
      dyAddress + start * g.filters * 4, packed, runs, g.filterHeight, padded, windows + start * 4, count, g.filters,
    ]));
    // The gradient of the input is the padded gradient's interior.
    padImages(place, true, output, padded, { ...g, height: g.inHeight, width: g.inWidth });
    return out;
  } finally {
    place.finish();
  }
}
