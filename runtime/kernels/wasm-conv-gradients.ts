/**
 * The two gradients of a 2-D convolution for the wasm backend, written with the backend's
 * fast forward convolution (XNNPACK). Stock tfjs-backend-wasm 4.22 has no
 * Conv2DBackpropFilter at all, so it cannot train a conv net, and its Conv2DBackpropInput
 * is a naive loop (REFERENCE.md, "TensorFlow.js on this machine").
 *
 * For y = conv(x, w) with stride s, padding (top, left) and dilation 1 (tfjs-core's conv2d
 * gradient refuses dilations > 1; dilated layers train through a dilated kernel instead,
 * layers/conv2d-layer.ts), with x [B, H, W, C], w [KH, KW, C, F], dy [B, OH, OW, F]:
 *
 * - filter gradient: dw[i, j, c, f] = Σ_b Σ_p Σ_q x[b, s·p + i − top, s·q + j − left, c] · dy[b, p, q, f].
 *   Read with c as the batch, b as the input channel and dy as the filter, that is a
 *   convolution of xᵀ [C, H, W, B] with dyᵀ [OH, OW, B, F] at stride 1 and dilation s, whose
 *   output is [C, KH, KW, F] (Dumoulin and Visin, "A guide to convolution arithmetic for
 *   deep learning", 2016, §4; the same identity TensorFlow's Conv2DBackpropFilter uses).
 * - input gradient: dx is the "full" convolution of dy by w rotated 180° with its channel
 *   axes swapped, rot180(w)ᵀ [KH, KW, F, C], with padding KH − 1 − top above (Dumoulin and
 *   Visin §4.6); for stride s, of dy with s − 1 zeros between its rows and columns, which
 *   is computed phase by phase without the zeros (see backpropInput).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convolveOn, disposeOn, heapView, type KernelArguments, type Padding4D, sliceOn, type TensorInfo, transposeOn } from './wasm-kernel-calls';

type ConvPad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface ConvGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly outChannels: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly top: number;
  readonly left: number;
}

function toGeometry(xShape: readonly number[], filterShape: readonly number[], attrs: Record<string, unknown>): ConvGeometry {
  const dataFormat = attrs['dataFormat'] as 'NHWC' | 'NCHW' | undefined;
  if (dataFormat === 'NCHW') throw new Error('[convlens] the wasm convolution gradients support channels-last (NHWC) data only');
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs['strides'] as [number, number],
    1,
    attrs['pad'] as ConvPad,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** Conv2DBackpropFilter: inputs x, dy; attrs strides, pad, dataFormat, dimRoundingMode, filterShape. */
export function backpropFilter(args: KernelArguments): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs['x'] as TensorInfo;
  const dy = inputs['dy'] as TensorInfo;
  const g = toGeometry(x.shape, attrs['filterShape'] as number[], attrs);
  // The padding below and right that makes the strided windows end exactly at the input's
  // edge; negative when the stride never reaches the last rows, which are then cut off.
  const bottom = (g.filterHeight - 1) + (g.outHeight - 1) * g.strideHeight + 1 - g.inHeight - g.top;
  const right = (g.filterWidth - 1) + (g.outWidth - 1) * g.strideWidth + 1 - g.inWidth - g.left;
  const freed: TensorInfo[] = [];
  let source = x;
  if (bottom < 0 || right < 0) {
    source = sliceOn(backend, x, [0, 0, 0, 0], [g.batch, g.inHeight + Math.min(bottom, 0), g.inWidth + Math.min(right, 0), g.inChannels]);
    freed.push(source);
  }
  const xT = transposeOn(backend, source, [3, 1, 2, 0]);
  const dyT = transposeOn(backend, dy, [1, 2, 0, 3]);
  const padding: Padding4D = [[0, 0], [g.top, Math.max(bottom, 0)], [g.left, Math.max(right, 0)], [0, 0]];
  const gradient = convolveOn(backend, xT, dyT, [1, 1], [g.strideHeight, g.strideWidth], padding);
  const result = transposeOn(backend, gradient, [1, 2, 0, 3]);
  disposeOn(backend, ...freed, xT, dyT, gradient);
  return result;
}

/** Conv2DBackpropInput: inputs dy, filter; attrs strides, pad, dataFormat, dimRoundingMode, inputShape. */
export function backpropInput(args: KernelArguments): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs['dy'] as TensorInfo;
  const filter = inputs['filter'] as TensorInfo;
  const g = toGeometry(attrs['inputShape'] as number[], filter.shape, attrs);
  if (g.strideHeight === 1 && g.strideWidth === 1) {
    const kernel = toPhaseKernel(backend, filter, g, 0, 0);
    const result = convolvePhase(backend, dy, kernel, g, 0, 0);
    disposeOn(backend, kernel);
    if (result === null) throw new Error('[convlens] Conv2DBackpropInput: empty input gradient');
    return result.output;
  }
  // Stride s: the input gradient splits into s·s interleaved phases (sub-pixel
  // convolution; Shi et al. 2016, "Real-time single image and video super-resolution…").
  // With t = n + top, the rows n with t ≡ ρ (mod s) receive only the taps k = ρ + s·j:
  // dx[s·a + ρ − top] = Σ_j dy[a − j]·w[ρ + s·j], a stride-1 "full" convolution of dy with
  // that phase's flipped sub-kernel. This does 1/s² of the work of inserting zeros into dy.
  const phases: { output: TensorInfo; rowPhase: number; columnPhase: number; firstRow: number; firstColumn: number }[] = [];
  for (let rowPhase = 0; rowPhase < g.strideHeight; rowPhase += 1) {
    for (let columnPhase = 0; columnPhase < g.strideWidth; columnPhase += 1) {
      if (rowPhase >= g.filterHeight || columnPhase >= g.filterWidth) continue;
      const kernel = toPhaseKernel(backend, filter, g, rowPhase, columnPhase);
      const result = convolvePhase(backend, dy, kernel, g, rowPhase, columnPhase);
      disposeOn(backend, kernel);
      if (result !== null) phases.push({ ...result, rowPhase, columnPhase });
    }
  }
  const out = backend.makeOutput([g.batch, g.inHeight, g.inWidth, g.inChannels], 'float32');
  // Views after every allocation: growing the heap replaces its buffer.
  const dx = heapView(backend, out);
  dx.fill(0);
  const channels = g.inChannels;
  for (const phase of phases) {
    const [, rows, columns] = phase.output.shape as [number, number, number, number];
    const values = heapView(backend, phase.output);
    for (let b = 0; b < g.batch; b += 1) {
      for (let row = 0; row < rows; row += 1) {
        const targetRow = g.strideHeight * (phase.firstRow + row) + phase.rowPhase - g.top;
        for (let column = 0; column < columns; column += 1) {
          const targetColumn = g.strideWidth * (phase.firstColumn + column) + phase.columnPhase - g.left;
          const from = ((b * rows + row) * columns + column) * channels;
          const to = ((b * g.inHeight + targetRow) * g.inWidth + targetColumn) * channels;
          for (let channel = 0; channel < channels; channel += 1) dx[to + channel] = values[from + channel] as number;
        }
      }
    }
    disposeOn(backend, phase.output);
  }
  return out;
}

/**
 * The sub-kernel of one phase, rotated 180° with its channel axes swapped:
 * out[i, j, f, c] = w[ρh + sh·(Kh − 1 − i), ρw + sw·(Kw − 1 − j), c, f].
 */
function toPhaseKernel(backend: BackendWasm, filter: TensorInfo, g: ConvGeometry, rowPhase: number, columnPhase: number): TensorInfo {
  const rows = Math.ceil((g.filterHeight - rowPhase) / g.strideHeight);
  const columns = Math.ceil((g.filterWidth - columnPhase) / g.strideWidth);
  const [inChannels, outChannels] = [g.inChannels, g.outChannels];
  const out = backend.makeOutput([rows, columns, outChannels, inChannels], 'float32');
  const target = heapView(backend, out);
  const source = heapView(backend, filter);
  for (let i = 0; i < rows; i += 1) {
    const sourceRow = rowPhase + g.strideHeight * (rows - 1 - i);
    for (let j = 0; j < columns; j += 1) {
      const sourceColumn = columnPhase + g.strideWidth * (columns - 1 - j);
      const from = (sourceRow * g.filterWidth + sourceColumn) * inChannels * outChannels;
      const to = (i * columns + j) * outChannels * inChannels;
      for (let c = 0; c < inChannels; c += 1) {
        for (let f = 0; f < outChannels; f += 1) target[to + f * inChannels + c] = source[from + c * outChannels + f] as number;
      }
    }
  }
  return out;
}

/**
 * The phase's input-gradient rows a = firstRow… (and columns likewise) as a stride-1
 * convolution of dy; null when the phase reaches no input pixel. Padding that comes out
 * negative (padding wider than the kernel, allowed in PyTorch) cuts rows of dy instead.
 */
function convolvePhase(
  backend: BackendWasm,
  dy: TensorInfo,
  kernel: TensorInfo,
  g: ConvGeometry,
  rowPhase: number,
  columnPhase: number,
): { output: TensorInfo; firstRow: number; firstColumn: number } | null {
  const [kernelRows, kernelColumns] = kernel.shape as [number, number, number, number];
  const axis = (size: number, outSize: number, stride: number, before: number, phase: number, taps: number) => {
    // Rows n = s·a + ρ − top inside [0, size): a from ceil((top − ρ)/s) to floor((size − 1 + top − ρ)/s).
    const first = Math.ceil((before - phase) / stride);
    const last = Math.floor((size - 1 + before - phase) / stride);
    const count = last - first + 1;
    const padBefore = taps - 1 - first;
    const padAfter = count + taps - 1 - outSize - padBefore;
    return { first, count, padBefore, padAfter };
  };
  const rows = axis(g.inHeight, g.outHeight, g.strideHeight, g.top, rowPhase, kernelRows);
  const columns = axis(g.inWidth, g.outWidth, g.strideWidth, g.left, columnPhase, kernelColumns);
  if (rows.count <= 0 || columns.count <= 0) return null;
  let source = dy;
  const freed: TensorInfo[] = [];
  const cutTop = Math.max(-rows.padBefore, 0);
  const cutBottom = Math.max(-rows.padAfter, 0);
  const cutLeft = Math.max(-columns.padBefore, 0);
  const cutRight = Math.max(-columns.padAfter, 0);
  if (cutTop + cutBottom >= g.outHeight || cutLeft + cutRight >= g.outWidth) return null;
  if (cutTop > 0 || cutBottom > 0 || cutLeft > 0 || cutRight > 0) {
    source = sliceOn(backend, dy, [0, cutTop, cutLeft, 0], [g.batch, g.outHeight - cutTop - cutBottom, g.outWidth - cutLeft - cutRight, g.outChannels]);
    freed.push(source);
  }
  const padding: Padding4D = [[0, 0], [Math.max(rows.padBefore, 0), Math.max(rows.padAfter, 0)], [Math.max(columns.padBefore, 0), Math.max(columns.padAfter, 0)], [0, 0]];
  const output = convolveOn(backend, source, kernel, [1, 1], [1, 1], padding);
  disposeOn(backend, ...freed);
  return { output, firstRow: rows.first, firstColumn: columns.first };
}
