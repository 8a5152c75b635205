/**
 * Max and average pooling with PyTorch's numeric padding, ceil mode and
 * `count_include_pad`, which tf.layers pooling lacks (it knows 'same' and 'valid').
 * Pools without padding or ceil mode use tf.layers' own pooling layers instead (compile.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers, type Shape } from '@tensorflow/tfjs-layers';
import { knownDimension, onlyShape, onlyTensor } from './layer-config';

export interface Pool2dLayerConfig {
  readonly name: string;
  readonly mode: 'max' | 'avg';
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: 'same' | readonly [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
}

/** Output size of a pooling window along one axis under PyTorch's rules. */
export function toPoolOutputSize(input: number, kernel: number, stride: number, padding: number, ceilMode: boolean): number {
  const span = input + 2 * padding - kernel;
  if (!ceilMode) return Math.floor(span / stride) + 1;
  // out = ceil((in + 2·pad − k) / stride) + 1, but the last window must start inside the
  // input or its left padding (PyTorch MaxPool2d docs; pooling_output_shape in ATen).
  let size = Math.ceil(span / stride) + 1;
  if ((size - 1) * stride >= input + padding) size -= 1;
  return size;
}

/**
 * How much each output's average must be scaled so that it divides by PyTorch's count
 * rather than by k: the window clipped to the padded input (count_include_pad) or to the
 * input itself (aten/src/ATen/native/cpu/AvgPoolKernel.cpp, `divide_factor`).
 */
function toAverageCorrection(input: number, kernel: number, stride: number, padding: number, outputs: number, countIncludePad: boolean): number[] {
  return Array.from({ length: outputs }, (_, index) => {
    let start = index * stride - padding;
    let end = Math.min(start + kernel, input + padding);
    const withPadding = end - start;
    start = Math.max(start, 0);
    end = Math.min(end, input);
    return kernel / (countIncludePad ? withPadding : end - start);
  });
}

export class Pool2dLayer extends layers.Layer {
  static readonly className = 'ConvLensPool2d';
  readonly config: Pool2dLayerConfig;

  constructor(config: Pool2dLayerConfig) {
    super({ name: config.name });
    this.config = config;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = onlyShape(inputShape);
    return [shape[0] ?? null, this.outputSize(knownDimension(shape, 1, this.name), 0), this.outputSize(knownDimension(shape, 2, this.name), 1), shape[3] ?? null];
  }

  private outputSize(input: number, axis: 0 | 1): number {
    const { kernelSize, strides, padding, ceilMode } = this.config;
    if (padding === 'same') return Math.ceil(input / strides[axis]);
    return toPoolOutputSize(input, kernelSize[axis], strides[axis], padding[axis], ceilMode);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = onlyTensor(inputs) as tf.Tensor4D;
      const { mode, kernelSize, strides, padding, countIncludePad } = this.config;
      const pool = (tensor: tf.Tensor4D, pad: 'same' | 'valid'): tf.Tensor4D =>
        mode === 'max' ? tf.maxPool(tensor, [...kernelSize], [...strides], pad) : tf.avgPool(tensor, [...kernelSize], [...strides], pad);
      if (padding === 'same') return pool(x, 'same');
      const [, height, width] = x.shape;
      const outputs = [this.outputSize(height, 0), this.outputSize(width, 1)] as const;
      // Pad so that the last window ends at the padded edge: the padded extent is
      // (out − 1)·stride + k. A floor-mode window that leaves rows unread gives a negative
      // "after" padding: those rows are cut instead.
      const after = ([0, 1] as const).map((axis) => (outputs[axis] - 1) * strides[axis] + kernelSize[axis] - x.shape[axis + 1]! - padding[axis]);
      const [afterHeight, afterWidth] = after as [number, number];
      if (afterHeight < 0 || afterWidth < 0) {
        x = tf.slice(x, [0, 0, 0, 0], [-1, height + Math.min(afterHeight, 0), width + Math.min(afterWidth, 0), -1]);
      }
      const paddings: [number, number][] = [[0, 0], [padding[0], Math.max(afterHeight, 0)], [padding[1], Math.max(afterWidth, 0)], [0, 0]];
      const needsPadding = paddings.some(([before, end]) => before > 0 || end > 0);
      // Max pooling pads with −∞ so that padding never wins; average pooling with zeros.
      const padded = needsPadding ? tf.pad(x, paddings, mode === 'max' ? -Infinity : 0) : x;
      const pooled = pool(padded, 'valid');
      if (mode === 'max') return pooled;
      const rows = toAverageCorrection(height, kernelSize[0], strides[0], padding[0], outputs[0], countIncludePad);
      const columns = toAverageCorrection(width, kernelSize[1], strides[1], padding[1], outputs[1], countIncludePad);
      if (rows.every((factor) => factor === 1) && columns.every((factor) => factor === 1)) return pooled;
      const correction = tf.reshape(tf.outerProduct(tf.tensor1d(rows), tf.tensor1d(columns)), [1, outputs[0], outputs[1], 1]);
      return tf.mul(pooled, correction);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { name: _name, ...rest } = this.config;
    return { ...super.getConfig(), ...(rest as unknown as tf.serialization.ConfigDict) };
  }
}

tf.serialization.registerClass(Pool2dLayer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
