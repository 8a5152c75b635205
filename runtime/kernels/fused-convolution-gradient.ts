/**
 * A gradient for tfjs-core's FusedConv2D kernel (convolution, bias, then a linear or ReLU
 * activation in one kernel), so that training can run a convolution with its bias and ReLU
 * as one kernel under the gradient tape (layers/conv2d-layer.ts) instead of Conv2D, Add and
 * Relu — three kernels and three tape entries, and on LeNet-5 two passes over its largest
 * activations.
 *
 * tfjs-core has no gradient for the kernel: its `tf.fused.conv2d` op wraps it in a
 * customGrad whose gradient always computes the input gradient too, even for a first
 * layer that needs none (as costly as the convolution). A registered gradient gives tfjs
 * one closure per input, and tfjs calls only those on a path to the variables.
 *
 * With dz = dy · step(y) for ReLU (y = max(z, 0) is positive exactly where z is), dy
 * otherwise: dx = Conv2DBackpropInput(dz, w), dw = Conv2DBackpropFilter(x, dz),
 * db = Σ dz over batch, rows and columns. Registered for every backend (tfjs keeps one
 * gradient per kernel name); the kernels it calls are each backend's own.
 */
import * as tf from '@tensorflow/tfjs-core';
import { reluGradientOf } from './relu-gradient';

let registered = false;

export function registerFusedConvolutionGradient(): void {
  if (registered) return;
  tf.registerGradient({
    kernelName: tf.FusedConv2D,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dataFormat, dilations, dimRoundingMode, activation } = attrs as unknown as tf.FusedConv2DAttrs;
      if (activation !== 'linear' && activation !== 'relu') throw new Error(`[convlens] no gradient for a fused convolution with activation ${activation}`);
      if (dataFormat !== 'NHWC' || (Array.isArray(dilations) ? dilations.some((value) => value !== 1) : dilations !== 1)) {
        throw new Error('[convlens] the fused convolution\'s gradient takes channels-last data without dilation');
      }
      const dz = activation === 'relu' ? reluGradientOf(dy as tf.Tensor, y) : (dy as tf.Tensor);
      const common = { strides, pad, dataFormat, dimRoundingMode } as unknown as tf.NamedAttrMap;
      return {
        x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dz, filter }, { ...common, inputShape: x.shape }) as tf.Tensor,
        filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: dz }, { ...common, filterShape: filter.shape }) as tf.Tensor,
        bias: () => tf.sum(dz, [0, 1, 2]),
      };
    },
  });
  registered = true;
}
