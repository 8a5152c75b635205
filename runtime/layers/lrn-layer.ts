/**
 * Local response normalisation across channels (Krizhevsky, Sutskever, Hinton 2012, §3.3;
 * TensorFlow's tf.nn.local_response_normalization): b = a / (k + alpha·Σ a²)^beta over
 * `size` neighbouring channels. tfjs-layers has no LRN layer; tfjs-core has the op, with a
 * depth radius: size = 2·radius + 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers, type Shape } from '@tensorflow/tfjs-layers';
import { onlyShape, onlyTensor } from './layer-config';

export interface LrnLayerConfig {
  readonly name: string;
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;
}

export class LrnLayer extends layers.Layer {
  static readonly className = 'ConvLensLrn';
  readonly config: LrnLayerConfig;

  constructor(config: LrnLayerConfig) {
    super({ name: config.name });
    this.config = config;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return onlyShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const { size, alpha, beta, k } = this.config;
    // An even size has no centre; the window is rounded up to the next odd size (PyTorch
    // would put the extra channel before the centre instead).
    return tf.localResponseNormalization(onlyTensor(inputs) as tf.Tensor4D, Math.floor(size / 2), k, alpha, beta);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { name: _name, ...rest } = this.config;
    return { ...super.getConfig(), ...(rest as unknown as tf.serialization.ConfigDict) };
  }
}

tf.serialization.registerClass(LrnLayer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
