/**
 * What the custom layers share: reading their serialised config back and the PyTorch
 * default initialisation, so that a model trains like its PyTorch twin at the same
 * learning rate.
 */
import { initializers, type Shape } from '@tensorflow/tfjs-layers';
import type * as tf from '@tensorflow/tfjs-core';

type Initializer = ReturnType<typeof initializers.zeros>;

/**
 * PyTorch's default for conv and linear layers: weights and biases uniform in
 * ±1/√fan_in (kaiming_uniform_ with a = √5, torch/nn/modules/conv.py `reset_parameters`).
 * `fanIn` is the number of inputs one output sums over.
 */
export function toPyTorchDefault(fanIn: number, seed: number | null): Initializer {
  const bound = 1 / Math.sqrt(Math.max(fanIn, 1));
  return seed === null
    ? initializers.randomUniform({ minval: -bound, maxval: bound })
    : initializers.randomUniform({ minval: -bound, maxval: bound, seed });
}

/** Zeros, for models built only to measure them (`train --dry-run`, the differential tests). */
export function toInitializer(fanIn: number, seed: number | null, zeros: boolean): Initializer {
  return zeros ? initializers.zeros() : toPyTorchDefault(fanIn, seed);
}

/** The one tensor a single-input layer receives. */
export function onlyTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  const tensor = Array.isArray(inputs) ? inputs[0] : inputs;
  if (tensor === undefined) throw new Error('[convlens] a layer was called without an input');
  return tensor;
}

/** The one shape a single-input layer is built with. */
export function onlyShape(shape: Shape | Shape[]): Shape {
  const first = shape[0];
  return Array.isArray(first) ? (first as Shape) : (shape as Shape);
}

/** A known dimension of a shape TensorFlow.js gives a layer (only the batch is ever unknown here). */
export function knownDimension(shape: Shape, axis: number, layer: string): number {
  const dimension = shape[axis < 0 ? shape.length + axis : axis];
  if (dimension === null || dimension === undefined) {
    throw new Error(`[convlens] ${layer}: dimension ${axis} of its input ${JSON.stringify(shape)} is unknown`);
  }
  return dimension;
}
