/**
 * `conv2d` as one TensorFlow.js layer: what tf.layers.conv2d lacks — symmetric or
 * per-axis numeric padding (PyTorch), grouped convolution, and training through a
 * dilated kernel — in one place, so that every IR convolution is exactly one layer with
 * PyTorch's weight count.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { registerFusedConvolutionGradient } from '../kernels/fused-convolution-gradient';
import { POOLED_CONVOLUTION_KERNEL } from '../kernels/wasm-simd-convolution';
import { knownDimension, onlyShape, onlyTensor, toInitializer } from './layer-config';

export interface Conv2dLayerConfig {
  readonly name: string;
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  /** TensorFlow's 'same', or [[top, bottom], [left, right]] zero padding. */
  readonly padding: 'same' | readonly [readonly [number, number], readonly [number, number]];
  readonly dilation: readonly [number, number];
  readonly groups: number;
  readonly useBias: boolean;
  /** Seed of the weight initialisers; null draws from tfjs's global generator. */
  readonly seed: number | null;
  /** Initialise with zeros (models built only to be measured). */
  readonly zeros: boolean;
}

/** A batch norm's inference parameters (γ and β absent when it does not scale or centre). */
export interface FoldedBatchNorm {
  readonly mean: tf.Tensor;
  readonly variance: tf.Tensor;
  readonly gamma: tf.Tensor | undefined;
  readonly beta: tf.Tensor | undefined;
  readonly epsilon: number;
}

export class Conv2dLayer extends layers.Layer {
  static readonly className = 'ConvLensConv2d';
  readonly config: Conv2dLayerConfig;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(config: Conv2dLayerConfig) {
    super({ name: config.name });
    this.config = config;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = onlyShape(inputShape);
    const channels = knownDimension(shape, -1, this.name);
    const { filters, kernelSize, groups, useBias, seed, zeros } = this.config;
    const [kernelHeight, kernelWidth] = kernelSize;
    // PyTorch's weight is [filters, channels / groups, kh, kw]; ours is its channels-last twin.
    const fanIn = (channels / groups) * kernelHeight * kernelWidth;
    const initializer = toInitializer(fanIn, seed, zeros);
    this.kernel = this.addWeight('kernel', [kernelHeight, kernelWidth, channels / groups, filters], 'float32', initializer);
    if (useBias) {
      const biasInitializer = toInitializer(fanIn, seed === null ? null : seed + 1, zeros);
      this.bias = this.addWeight('bias', [filters], 'float32', biasInitializer);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = onlyShape(inputShape);
    const [batch] = shape;
    const height = knownDimension(shape, 1, this.name);
    const width = knownDimension(shape, 2, this.name);
    return [batch ?? null, this.outputSize(height, 0), this.outputSize(width, 1), this.config.filters];
  }

  private outputSize(input: number, axis: 0 | 1): number {
    const { kernelSize, strides, padding, dilation } = this.config;
    const stride = strides[axis];
    if (padding === 'same') return Math.ceil(input / stride);
    const [before, after] = padding[axis];
    const extent = dilation[axis] * (kernelSize[axis] - 1) + 1;
    // out = floor((in + pad_before + pad_after − dilation·(k − 1) − 1) / stride) + 1 (PyTorch Conv2d docs)
    return Math.floor((input + before + after - extent) / stride) + 1;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return this.convolve(inputs, kwargs['training'] === true, 'linear');
  }

  /**
   * Inference with what follows this layer done by the convolution itself
   * (runtime/inference-plan.ts): a batch norm folded into the filter and bias, then a ReLU
   * (one pass over the output instead of two), then a 2 × 2, stride-2 max pool (`pool`,
   * only after the ReLU: on a backend with ConvLensPooledConv2D (wasm) one pass that never
   * writes the full-size output; elsewhere as the ops). Grouped convolutions apply the ReLU
   * and the pool afterwards.
   */
  callFused(x: tf.Tensor, { batchNorm, relu, pool }: { readonly batchNorm?: FoldedBatchNorm | undefined; readonly relu: boolean; readonly pool: boolean }): tf.Tensor {
    return this.convolve(x, false, relu ? 'relu' : 'linear', pool && relu, batchNorm);
  }

  /**
   * Training's call with the ReLU after this layer done by the convolution itself
   * (runtime/inference-plan.ts `toTrainingForward`): what `call` and a ReLU layer compute,
   * and the same gradients, in one kernel.
   */
  callWithRelu(x: tf.Tensor): tf.Tensor {
    return this.convolve(x, true, 'relu');
  }

  private convolve(inputs: tf.Tensor | tf.Tensor[], training: boolean, activation: 'linear' | 'relu', pool = false, batchNorm?: FoldedBatchNorm): tf.Tensor {
    return tf.tidy(() => {
      const x = onlyTensor(inputs) as tf.Tensor4D;
      if (this.kernel === null) throw new Error(`[convlens] ${this.name} was called before it was built`);
      const { strides, padding, dilation, groups } = this.config;
      // NOTE: tfjs-core's conv2d gradient refuses dilations > 1 (Conv2D_grad.ts), and its
      // conv2d refuses stride and dilation > 1 together. A dilated kernel with zeros between
      // the taps is the same convolution and trains through ordinary ops.
      const spread = dilation[0] > 1 || dilation[1] > 1 ? dilateKernel(this.kernel.read() as tf.Tensor4D, dilation) : (this.kernel.read() as tf.Tensor4D);
      const [, height, width] = x.shape;
      const [rows, columns] = padding === 'same' ? [toSamePadding(height, spread.shape[0], strides[0]), toSamePadding(width, spread.shape[1], strides[1])] : padding;
      // NOTE: tfjs-backend-wasm 4.22 computes 'same' wrongly when the kernel or the stride is
      // not square (a 5×1 kernel with strides [3, 2] differs from the cpu backend); explicit
      // padding is right on every backend, so 'same' is resolved here.
      const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [...rows], [...columns], [0, 0]];
      const ownBias = this.bias === null ? undefined : (this.bias.read() as tf.Tensor1D);
      // A batch norm after the convolution, folded: BN(conv(x, w) + b) = conv(x, w·scale) + (b·scale + shift)
      // with scale = γ/√(σ² + ε) and shift = β − μ·scale, per filter (the kernel's last axis).
      const scale = batchNorm === undefined ? undefined : tf.mul(tf.rsqrt(tf.add(batchNorm.variance, batchNorm.epsilon)), batchNorm.gamma ?? 1) as tf.Tensor1D;
      const kernel = scale === undefined ? spread : (tf.mul(spread, scale) as tf.Tensor4D);
      let bias = ownBias;
      if (batchNorm !== undefined && scale !== undefined) {
        const shift = tf.sub(batchNorm.beta ?? tf.zerosLike(scale), tf.mul(batchNorm.mean, scale));
        bias = (ownBias === undefined ? shift : tf.add(tf.mul(ownBias, scale), shift)) as tf.Tensor1D;
      }
      if (groups === 1) {
        // NOTE: tf.fused.conv2d's gradient (a customGrad) always computes the input
        // gradient too, even for the first layer where nothing needs it; that costs as much
        // as the convolution itself. Training runs the FusedConv2D kernel under a gradient
        // of ConvLens's own (kernels/fused-convolution-gradient.ts), whose closures tfjs
        // calls only where they are needed; inference keeps the fused op.
        if (training) {
          if (bias === undefined && activation === 'linear') return tf.conv2d(x, kernel, [...strides], pad);
          registerFusedConvolutionGradient();
          const attrs = { strides: [...strides], pad, dataFormat: 'NHWC', dilations: [1, 1], activation };
          return tf.engine().runKernel(tf.FusedConv2D, { x, filter: kernel, ...(bias === undefined ? {} : { bias }) }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        }
        if (pool && tf.getKernel(POOLED_CONVOLUTION_KERNEL, tf.getBackend()) !== undefined) {
          const attrs = { strides: [...strides], pad, dilations: [1, 1], dataFormat: 'NHWC', activation };
          return tf.engine().runKernel(POOLED_CONVOLUTION_KERNEL, { x, filter: kernel, ...(bias === undefined ? {} : { bias }) }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        }
        const y = tf.fused.conv2d({ x, filter: kernel, strides: [...strides], pad, activation, ...(bias === undefined ? {} : { bias }) });
        return pool ? tf.maxPool(y, 2, 2, 'valid') : y;
      }
      // Grouped convolution (AlexNet's two towers): group g sees channels g·C/groups… and
      // owns filters g·F/groups… (PyTorch Conv2d `groups`).
      const inputs_ = tf.split(x, groups, 3);
      const kernels = tf.split(kernel, groups, 3);
      const outputs = inputs_.map((part, group) => tf.conv2d(part as tf.Tensor4D, kernels[group] as tf.Tensor4D, [...strides], pad));
      const joined = tf.concat(outputs, 3);
      const biased = bias === undefined ? joined : tf.add(joined, bias);
      const activated = activation === 'relu' ? tf.relu(biased) : biased;
      return pool ? tf.maxPool(activated as tf.Tensor4D, 2, 2, 'valid') : activated;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { name: _name, ...rest } = this.config;
    return { ...super.getConfig(), ...(rest as unknown as tf.serialization.ConfigDict), zeros: false };
  }
}

/**
 * TensorFlow's 'same' padding along one axis: out = ceil(in / stride), and the total
 * padding makes the last window end at the padded edge, the odd pixel below or right
 * (tf.nn.convolution docs).
 */
export function toSamePadding(input: number, extent: number, stride: number): [number, number] {
  const output = Math.ceil(input / stride);
  const total = Math.max((output - 1) * stride + extent - input, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * Spreads a [kh, kw, in, out] kernel to [d·(kh − 1) + 1, …] with d − 1 zeros between taps,
 * so that a convolution with dilation 1 computes the dilated one. One axis at a time, with
 * `in` and `out` as one axis, so that no tensor has more than 4 dimensions: WebGPU's pad
 * has no shader beyond rank 4 (WGSL has no vec6).
 */
export function dilateKernel(kernel: tf.Tensor4D, dilation: readonly [number, number]): tf.Tensor4D {
  const [kernelHeight, kernelWidth, channels, filters] = kernel.shape;
  const [dilationHeight, dilationWidth] = dilation;
  const pairs = channels * filters;
  const height = dilationHeight * (kernelHeight - 1) + 1;
  const width = dilationWidth * (kernelWidth - 1) + 1;
  // Rows: [kh, 1, kw, pairs] padded to [kh, dh, kw, pairs] is [kh·dh, kw, pairs], cut to `height` rows.
  const rows = tf.reshape(tf.pad(tf.reshape(kernel, [kernelHeight, 1, kernelWidth, pairs]), [[0, 0], [0, dilationHeight - 1], [0, 0], [0, 0]]), [kernelHeight * dilationHeight, kernelWidth, pairs]);
  const spreadRows = tf.slice(rows, [0, 0, 0], [height, kernelWidth, pairs]);
  // Columns the same way, one axis further in.
  const columns = tf.reshape(tf.pad(tf.reshape(spreadRows, [height, kernelWidth, 1, pairs]), [[0, 0], [0, 0], [0, dilationWidth - 1], [0, 0]]), [height, kernelWidth * dilationWidth, pairs]);
  return tf.reshape(tf.slice(columns, [0, 0, 0], [height, width, pairs]), [height, width, channels, filters]);
}

tf.serialization.registerClass(Conv2dLayer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
