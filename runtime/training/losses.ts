/**
 * Losses on a network's outputs, which are logits unless its last layer is a softmax or a
 * sigmoid (then they are probabilities, and the loss takes their logarithm, clipped so that
 * a confident wrong answer costs −log(1e−7) ≈ 16 instead of infinity).
 */
import * as tf from '@tensorflow/tfjs-core';

const EPSILON = 1e-7;

export type OutputKind = 'logits' | 'probabilities';

export function toOutputKind(lastLayerKind: string | null): OutputKind {
  return lastLayerKind === 'softmax' || lastLayerKind === 'sigmoid' ? 'probabilities' : 'logits';
}

/** Mean categorical cross-entropy over the batch. */
export function crossEntropy(output: tf.Tensor, oneHot: tf.Tensor, kind: OutputKind): tf.Scalar {
  if (kind === 'logits') return tf.losses.softmaxCrossEntropy(oneHot, output) as tf.Scalar;
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(tf.clipByValue(output, EPSILON, 1))), -1)));
}

/** Class probabilities from an output. */
export function toProbabilities(output: tf.Tensor, kind: OutputKind): tf.Tensor {
  return kind === 'logits' ? tf.softmax(output) : output;
}

/**
 * Mean binary cross-entropy against a constant target (1 = real, 0 = fake) for a GAN's
 * discriminator output of one unit per image.
 */
export function binaryCrossEntropy(output: tf.Tensor, target: 0 | 1, kind: OutputKind): tf.Scalar {
  const flat = tf.reshape(output, [-1]);
  const labels = target === 1 ? tf.onesLike(flat) : tf.zerosLike(flat);
  if (kind === 'logits') return tf.losses.sigmoidCrossEntropy(labels, flat) as tf.Scalar;
  const clipped = tf.clipByValue(flat, EPSILON, 1 - EPSILON);
  return tf.neg(tf.mean(target === 1 ? tf.log(clipped) : tf.log(tf.sub(1, clipped))));
}
