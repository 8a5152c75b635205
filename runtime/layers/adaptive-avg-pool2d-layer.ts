/**
 * PyTorch's AdaptiveAvgPool2d, which TensorFlow.js lacks: output cell i averages input
 * rows floor(i·in/out) … ceil((i + 1)·in/out) − 1 (aten/src/ATen/native/AdaptiveAveragePooling.cpp,
 * `start_index`/`end_index`). When the output size divides the input it is a plain average
 * pool; otherwise the windows overlap or differ in size and it is computed as a product
 * with a constant pooling matrix.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers, type Shape } from '@tensorflow/tfjs-layers';
import { onlyShape, onlyTensor } from './layer-config';

export interface AdaptiveAvgPool2dLayerConfig {
  readonly name: string;
  readonly outputSize: readonly [number, number];
}

/** Row r of the matrix averages the input cells of output cell r along one axis. */
export function toAdaptivePoolingMatrix(input: number, output: number): number[][] {
  return Array.from({ length: output }, (_, index) => {
    const start = Math.floor((index * input) / output);
    const end = Math.ceil(((index + 1) * input) / output);
    return Array.from({ length: input }, (_, cell) => (cell >= start && cell < end ? 1 / (end - start) : 0));
  });
}

export class AdaptiveAvgPool2dLayer extends layers.Layer {
  static readonly className = 'ConvLensAdaptiveAvgPool2d';
  readonly config: AdaptiveAvgPool2dLayerConfig;

  constructor(config: AdaptiveAvgPool2dLayerConfig) {
    super({ name: config.name });
    this.config = config;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = onlyShape(inputShape);
    return [shape[0] ?? null, this.config.outputSize[0], this.config.outputSize[1], shape[3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = onlyTensor(inputs) as tf.Tensor4D;
      const [batch, height, width, channels] = x.shape;
      const [outputHeight, outputWidth] = this.config.outputSize;
      if (height % outputHeight === 0 && width % outputWidth === 0) {
        const window: [number, number] = [height / outputHeight, width / outputWidth];
        return tf.avgPool(x, window, window, 'valid');
      }
      // y[n, i, j, c] = Σ_h Σ_w A[i, h]·B[j, w]·x[n, h, w, c]: one matrix product with the
      // Kronecker product of the two axes' pooling matrices, over [H·W, N·C].
      const rows = toAdaptivePoolingMatrix(height, outputHeight);
      const columns = toAdaptivePoolingMatrix(width, outputWidth);
      const pooling = rows.flatMap((row) => columns.map((column) => row.flatMap((a) => column.map((b) => a * b))));
      const cells = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [height * width, batch * channels]);
      const pooled = tf.matMul(tf.tensor2d(pooling, [outputHeight * outputWidth, height * width]), cells);
      return tf.transpose(tf.reshape(pooled, [outputHeight, outputWidth, batch, channels]), [2, 0, 1, 3]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), outputSize: [...this.config.outputSize] };
  }
}

tf.serialization.registerClass(AdaptiveAvgPool2dLayer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
