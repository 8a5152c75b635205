/**
 * `flatten` and `reshape` with the IR's channels-first meaning. The runtime stores images
 * channels last (layout.ts), so flattening `[H, W, C]` as it lies would order the features
 * differently from PyTorch: a dense layer after it would still train, but its weights
 * would not mean what the same layer's weights mean in PyTorch, and `reshape(128, 7, 7)`
 * after a dense layer would put the dense layer's outputs on different pixels. These
 * layers turn images channels first before reshaping and back after, so element order is
 * exactly the IR's (and PyTorch's).
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers, type Shape } from '@tensorflow/tfjs-layers';
import { toTensorShape } from '../layout';
import { onlyShape, onlyTensor } from './layer-config';

export interface ChannelsFirstReshapeLayerConfig {
  readonly name: string;
  /** The IR's per-sample target shape, channels first, every dimension known (−1 resolved). */
  readonly targetShape: readonly number[];
}

/** Whether an [H, W, C] image has the same element order channels first and last. */
function isLayoutFree(shape: readonly number[]): boolean {
  const [height, width, channels] = shape as [number, number, number];
  return channels === 1 || height * width === 1;
}

export class ChannelsFirstReshapeLayer extends layers.Layer {
  static readonly className = 'ConvLensReshape';
  readonly config: ChannelsFirstReshapeLayerConfig;

  constructor(config: ChannelsFirstReshapeLayerConfig) {
    super({ name: config.name });
    this.config = config;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [onlyShape(inputShape)[0] ?? null, ...toTensorShape(this.config.targetShape)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = onlyTensor(inputs);
      const [batch] = x.shape;
      // [N, H, W, C] → [N, C, H, W]: the IR's element order. With one channel or one pixel
      // both layouts order the elements alike and the transpose is skipped.
      const channelsFirst = x.rank === 4 && !isLayoutFree(x.shape.slice(1)) ? tf.transpose(x, [0, 3, 1, 2]) : x;
      const target = this.config.targetShape;
      if (target.length !== 3) return tf.reshape(channelsFirst, [batch ?? -1, ...target]);
      if (isLayoutFree(toTensorShape(target))) return tf.reshape(channelsFirst, [batch ?? -1, ...toTensorShape(target)]);
      return tf.transpose(tf.reshape(channelsFirst, [batch ?? -1, ...target]), [0, 2, 3, 1]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), targetShape: [...this.config.targetShape] };
  }
}

tf.serialization.registerClass(ChannelsFirstReshapeLayer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
