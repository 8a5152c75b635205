/**
 * `conv2dTranspose` with PyTorch's numeric padding and output padding, which
 * tf.layers.conv2dTranspose lacks (it knows only 'same' and 'valid').
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { knownDimension, onlyShape, onlyTensor, toInitializer } from './layer-config';

export interface Conv2dTransposeLayerConfig {
  readonly name: string;
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  /** TensorFlow's 'same' (out = in·stride), or PyTorch's symmetric padding per axis. */
  readonly padding: 'same' | readonly [number, number];
  readonly outputPadding: readonly [number, number];
  readonly useBias: boolean;
  readonly seed: number | null;
  readonly zeros: boolean;
}

export class Conv2dTransposeLayer extends layers.Layer {
  static readonly className = 'ConvLensConv2dTranspose';
  readonly config: Conv2dTransposeLayerConfig;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(config: Conv2dTransposeLayerConfig) {
    super({ name: config.name });
    this.config = config;
  }

  override build(inputShape: Shape | Shape[]): void {
    const channels = knownDimension(onlyShape(inputShape), -1, this.name);
    const { filters, kernelSize, useBias, seed, zeros } = this.config;
    const [kernelHeight, kernelWidth] = kernelSize;
    // PyTorch's ConvTranspose2d weight is [in, out, kh, kw] and its fan-in is computed from
    // dimension 1, i.e. out·kh·kw (torch.nn.init._calculate_fan_in_and_fan_out).
    const fanIn = filters * kernelHeight * kernelWidth;
    // tfjs's conv2dTranspose filter is [kh, kw, out, in].
    this.kernel = this.addWeight('kernel', [kernelHeight, kernelWidth, filters, channels], 'float32', toInitializer(fanIn, seed, zeros));
    if (useBias) {
      this.bias = this.addWeight('bias', [filters], 'float32', toInitializer(fanIn, seed === null ? null : seed + 1, zeros));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = onlyShape(inputShape);
    const height = knownDimension(shape, 1, this.name);
    const width = knownDimension(shape, 2, this.name);
    return [shape[0] ?? null, this.outputSize(height, 0), this.outputSize(width, 1), this.config.filters];
  }

  private outputSize(input: number, axis: 0 | 1): number {
    const { kernelSize, strides, padding, outputPadding } = this.config;
    if (padding === 'same') return input * strides[axis];
    // out = (in − 1)·stride − 2·pad + k + outputPadding (PyTorch ConvTranspose2d docs, dilation 1)
    return (input - 1) * strides[axis] - 2 * padding[axis] + kernelSize[axis] + outputPadding[axis];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = onlyTensor(inputs) as tf.Tensor4D;
      if (this.kernel === null) throw new Error(`[convlens] ${this.name} was called before it was built`);
      const { filters, strides, padding } = this.config;
      const [batch, height, width] = x.shape;
      const outputShape: [number, number, number, number] = [batch, this.outputSize(height, 0), this.outputSize(width, 1), filters];
      // A transposed convolution is the input gradient of the convolution with the same
      // stride and padding whose output is x; output padding only picks which of the input
      // sizes that map onto x's size is meant, so it goes into outputShape alone.
      const pad = padding === 'same' ? 'same' : ([[0, 0], [padding[0], padding[0]], [padding[1], padding[1]], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]]);
      const y = tf.conv2dTranspose(x, this.kernel.read() as tf.Tensor4D, outputShape, [...strides], pad);
      return this.bias === null ? y : tf.add(y, this.bias.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { name: _name, ...rest } = this.config;
    return { ...super.getConfig(), ...(rest as unknown as tf.serialization.ConfigDict), zeros: false };
  }
}

tf.serialization.registerClass(Conv2dTransposeLayer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
