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
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeOn, heapView, type KernelArguments, type TensorInfo } from './wasm-kernel-calls';
import { addressOf, elementCount, heapOf, readable, simdKernels, wasmAllocator } from './wasm-simd-module';
import { usesWinograd, winogradFilterGradient, winogradForward, winogradInputGradient, winogradInputGradientFits } from './wasm-winograd';

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
 * They depend on the geometry only, so they are kept per backend and geometry (a model
 * has a few convolutions and batch sizes) in memory of their own from tfjs's allocator.
 */
interface OffsetTables {
  readonly windows: number;
  readonly pixels: number;
  /** The window start of each output row's first pixel (B·OH of them; pooled, B·2⌊OH/2⌋). */
  readonly rows: number;
  readonly rowCount: number;
  readonly taps: number;
  readonly tapCount: number;
}

const MAX_CACHED_TABLES = 64;
const tableCaches = new WeakMap<BackendWasm, Map<string, OffsetTables>>();

function offsetTables(backend: BackendWasm, g: Geometry, pooled = false): OffsetTables {
  let cache = tableCaches.get(backend);
  if (cache === undefined) tableCaches.set(backend, (cache = new Map()));
  const key = [pooled, g.batch, g.paddedHeight, g.paddedWidth, g.channels, g.outHeight, g.outWidth, g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth].join(',');
  const known = cache.get(key);
  if (known !== undefined) return known;
  const wasm = wasmAllocator(backend);
  if (cache.size >= MAX_CACHED_TABLES) {
    for (const tables of cache.values()) {
      wasm._free(tables.windows);
      wasm._free(tables.rows);
      wasm._free(tables.taps);
    }
    cache.clear();
  }
  const tapCount = g.filterHeight * g.filterWidth * g.channels;
  const windowOf = (b: number, p: number, q: number) => ((b * g.paddedHeight + p * g.strideHeight) * g.paddedWidth + q * g.strideWidth) * g.channels * 4;
  const [pooledHeight, pooledWidth] = [Math.floor(g.outHeight / 2), Math.floor(g.outWidth / 2)];
  const pixels = pooled ? 4 * g.batch * pooledHeight * pooledWidth : g.batch * g.outHeight * g.outWidth;
  const windowOffsets = new Int32Array(pixels);
  let m = 0;
  for (let b = 0; b < g.batch; b += 1) {
    if (pooled) {
      // The four pixels of each 2 × 2 pooling window, window after window.
      for (let p = 0; p < pooledHeight; p += 1) {
        for (let q = 0; q < pooledWidth; q += 1) {
          for (const [dp, dq] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) windowOffsets[m++] = windowOf(b, 2 * p + dp, 2 * q + dq);
        }
      }
      continue;
    }
    for (let p = 0; p < g.outHeight; p += 1) {
      for (let q = 0; q < g.outWidth; q += 1) windowOffsets[m++] = windowOf(b, p, q);
    }
  }
  const tapOffsets = new Int32Array(tapCount);
  for (let i = 0, t = 0; i < g.filterHeight; i += 1) {
    for (let j = 0; j < g.filterWidth; j += 1) {
      for (let c = 0; c < g.channels; c += 1, t += 1) {
        tapOffsets[t] = ((i * g.dilationHeight * g.paddedWidth + j * g.dilationWidth) * g.channels + c) * 4;
      }
    }
  }
  // Pooled, only the rows the pool reads: an odd last row is dropped.
  const rowsPerImage = pooled ? 2 * pooledHeight : g.outHeight;
  const rowCount = g.batch * rowsPerImage;
  const rowOffsets = new Int32Array(rowCount);
  for (let row = 0; row < rowCount; row += 1) rowOffsets[row] = windowOf(Math.floor(row / rowsPerImage), row % rowsPerImage, 0);
  const windows = wasm._malloc(windowOffsets.byteLength);
  const rows = wasm._malloc(rowOffsets.byteLength);
  const taps = wasm._malloc(tapOffsets.byteLength);
  // After every allocation: growing the heap replaces its buffer.
  const heap = heapOf(backend).buffer;
  new Int32Array(heap, windows, pixels).set(windowOffsets);
  new Int32Array(heap, rows, rowCount).set(rowOffsets);
  new Int32Array(heap, taps, tapCount).set(tapOffsets);
  const tables = { windows, pixels, rows, rowCount, taps, tapCount };
  cache.set(key, tables);
  return tables;
}

/** The input with its padding in place, as the module wants it; `x` itself when nothing pads. */
function paddedInput(backend: BackendWasm, x: TensorInfo, g: Geometry, temporaries: TensorInfo[]): number {
  if (!needsPadding(g)) return addressOf(backend, x);
  const padded = backend.makeOutput([g.batch, g.paddedHeight, g.paddedWidth, g.channels], 'float32');
  temporaries.push(padded);
  simdKernels(backend).padInto(addressOf(backend, x), addressOf(backend, padded), g.batch, g.inHeight, g.inWidth, g.channels, g.paddedHeight, g.paddedWidth, g.top, g.left);
  return addressOf(backend, padded);
}

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
  const kernels = simdKernels(backend);
  const outShape = pooled ? [g.batch, Math.floor(g.outHeight / 2), Math.floor(g.outWidth / 2), g.filters] : [g.batch, g.outHeight, g.outWidth, g.filters];
  const out = backend.makeOutput(outShape, 'float32');
  if (outShape.some((dimension) => dimension === 0)) return out;
  const temporaries: TensorInfo[] = [];
  if (usesWinograd(g)) {
    // 3×3, stride 1: Winograd F(2×2, 3×3), 2.25× fewer multiply-adds (wasm-winograd.ts).
    const filterAddress = readable(backend, filter, temporaries);
    const biasAddress = bias === undefined ? 0 : readable(backend, bias, temporaries);
    winogradForward(backend, { ...g, x, filter: filterAddress, bias: biasAddress, output: out, withRelu: activation === 'relu', pooled });
    disposeOn(backend, ...temporaries);
    return out;
  }
  const padded = paddedInput(backend, x, g, temporaries);
  const filterAddress = readable(backend, filter, temporaries);
  const biasAddress = bias === undefined ? 0 : readable(backend, bias, temporaries);
  const tables = offsetTables(backend, g, pooled);
  const withRelu = activation === 'relu' ? 1 : 0;
  // Pooled, the pool reads an even width.
  const rowWidth = pooled ? 2 * Math.floor(g.outWidth / 2) : g.outWidth;
  if (g.channels === 1 && g.strideWidth === 1 && rowWidth >= 16) {
    // One input channel: vectors along the row, so that a filter count like 6 wastes no lanes.
    kernels.convolveSingleChannel(padded, filterAddress, biasAddress, addressOf(backend, out), tables.rows, tables.rowCount, rowWidth, tables.taps, tables.tapCount, g.filters, withRelu, pooled ? 1 : 0);
  } else {
    kernels.convolve(padded, filterAddress, biasAddress, addressOf(backend, out), tables.windows, tables.pixels, tables.taps, tables.tapCount, g.filters, withRelu, pooled ? 1 : 0);
  }
  disposeOn(backend, ...temporaries);
  return out;
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
  const kernels = simdKernels(backend);
  const out = backend.makeOutput([...filterShape], 'float32');
  const temporaries: TensorInfo[] = [];
  if (usesWinograd(g) && g.batch * g.outHeight * g.outWidth > 0) {
    winogradFilterGradient(backend, { ...g, x, dy: readable(backend, dy, temporaries), output: out });
    disposeOn(backend, ...temporaries);
    return out;
  }
  const padded = paddedInput(backend, x, g, temporaries);
  const dyAddress = readable(backend, dy, temporaries);
  // The kernel adds chunk after chunk into zeroed sums with 8 floats of slack, copied out after.
  const size = elementCount(out);
  const sums = backend.makeOutput([size + 8], 'float32');
  temporaries.push(sums);
  heapView(backend, sums).fill(0);
  if (g.batch * g.outHeight * g.outWidth > 0) {
    const tables = offsetTables(backend, g);
    kernels.filterGradient(padded, dyAddress, addressOf(backend, sums), tables.windows, tables.pixels, tables.taps, tables.tapCount, g.filters);
  }
  heapView(backend, out).set(heapView(backend, sums).subarray(0, size));
  disposeOn(backend, ...temporaries);
  return out;
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
  const kernels = simdKernels(backend);
  const out = backend.makeOutput([...inputShape], 'float32');
  const pixels = g.batch * g.outHeight * g.outWidth;
  if (pixels === 0 || out.shape.some((dimension) => dimension === 0)) {
    heapView(backend, out).fill(0);
    return out;
  }
  if (usesWinograd(g) && winogradInputGradientFits(g.top, g.left)) {
    const temporaries: TensorInfo[] = [];
    winogradInputGradient(backend, { ...g, dy, filter: readable(backend, filter, temporaries), output: out });
    disposeOn(backend, ...temporaries);
    return out;
  }
  // With dilation 1 a kernel row's taps (j, c) are contiguous in a window: one run per row.
  const runLength = g.filterWidth * g.channels;
  const blocksPerRun = Math.ceil(runLength / 8);
  const packed = backend.makeOutput([g.filterHeight * blocksPerRun * g.filters * 8], 'float32');
  const runs = backend.makeOutput([g.filterHeight * 4], 'int32');
  const padded = backend.makeOutput([g.batch * g.paddedHeight * g.paddedWidth * g.channels + 8], 'float32');
  // Views after the last allocation: growing the heap replaces its buffer.
  const w = heapView(backend, filter);
  const packedView = heapView(backend, packed);
  packedView.fill(0);
  // packed[row·blocks + block, f, lane] = w[row, j, c, f] with j·C + c = 8·block + lane.
  for (let row = 0; row < g.filterHeight; row += 1) {
    for (let tap = 0; tap < runLength; tap += 1) {
      const from = (row * runLength + tap) * g.filters;
      const block = row * blocksPerRun + Math.floor(tap / 8);
      const lane = tap % 8;
      for (let f = 0; f < g.filters; f += 1) packedView[(block * g.filters + f) * 8 + lane] = w[from + f] as number;
    }
  }
  const runView = backend.typedArrayFromHeap(runs) as Int32Array;
  for (let row = 0; row < g.filterHeight; row += 1) {
    runView[row * 4] = row * blocksPerRun;
    runView[row * 4 + 1] = row * g.paddedWidth * g.channels * 4;
    runView[row * 4 + 2] = blocksPerRun;
    runView[row * 4 + 3] = runLength - 8 * (blocksPerRun - 1);
  }
  const paddedView = heapView(backend, padded);
  paddedView.fill(0);
  const tables = offsetTables(backend, g);
  kernels.inputGradient(addressOf(backend, dy), addressOf(backend, packed), addressOf(backend, runs), g.filterHeight, addressOf(backend, padded), tables.windows, tables.pixels, g.filters);
  // The gradient of the input is the padded gradient's interior.
  kernels.cropFrom(addressOf(backend, padded), addressOf(backend, out), g.batch, g.inHeight, g.inWidth, g.channels, g.paddedHeight, g.paddedWidth, g.top, g.left);
  disposeOn(backend, packed, runs, padded);
  return out;
}
