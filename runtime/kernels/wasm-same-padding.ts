/**
 * Conv2D and FusedConv2D for the wasm backend with 'same' padding resolved to explicit
 * padding before the stock kernel runs.
 *
 * NOTE: tfjs-backend-wasm 4.22 hands 'same' to XNNPACK as its TensorFlow-SAME flag and
 * gets a different result from the cpu backend (and from TensorFlow) when the kernel or
 * the stride is not square, e.g. a 5×1 kernel with strides [3, 2] (measured here; explicit
 * padding with the same numbers agrees). The padding tfjs-core computes for 'same'
 * (`computeConv2DInfo`) is TensorFlow's, so passing it explicitly is always right.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelArguments, TensorInfo } from './wasm-kernel-calls';

type KernelFunction = (args: KernelArguments) => TensorInfo;

export function toExplicitSamePadding(stock: KernelFunction): KernelFunction {
  return (args) => {
    const { inputs, attrs } = args;
    if (attrs['pad'] !== 'same') return stock(args);
    const x = inputs['x'] as TensorInfo;
    const filter = inputs['filter'] as TensorInfo;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs['strides'] as [number, number],
      attrs['dilations'] as [number, number],
      'same',
    );
    const { top, bottom, left, right } = info.padInfo;
    return stock({ ...args, attrs: { ...attrs, pad: [[0, 0], [top, bottom], [left, right], [0, 0]] } });
  };
}
