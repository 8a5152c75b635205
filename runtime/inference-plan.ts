/**
 * Inference for a compiled model, as one function from a batch to its outputs.
 *
 * A model whose layers form a plain chain (LeNet, AlexNet, VGG: every layer takes the
 * previous one's output and nothing else) runs its layers' `call` one after the other,
 * without tfjs-layers' graph executor, whose bookkeeping per layer (name scopes, input
 * checks, the feed dictionary) cost ~5% of LeNet-5's inference at batch 64 here. In such a
 * chain a convolution directly followed by a ReLU does the ReLU itself
 * (`Conv2dLayer.callWithRelu`): one pass over the activations instead of two; followed by a
 * ReLU and a 2 × 2, stride-2 max pool, the wasm backend does all three in one kernel that
 * never writes the convolution's full-size output (`callWithReluAndMaxPool`). Any other
 * model (residual, Inception) goes through `apply` as before.
 *
 * Only predictions take this path: inspection reads intermediate layers through its own
 * models, so fused layers never hide a pre-activation output.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { layers as tfLayers, LayersModel } from '@tensorflow/tfjs-layers';
import { Conv2dLayer } from './layers/conv2d-layer';

type Layer = tfLayers.Layer;
export type Predict = (x: tf.Tensor) => tf.Tensor;

export function toPredict(predictor: LayersModel): Predict {
  const chain = asChain(predictor);
  if (chain === null) return (x) => predictor.apply(x, { training: false }) as tf.Tensor;
  const steps: Predict[] = [];
  for (let index = 0; index < chain.length; index += 1) {
    const layer = chain[index] as Layer;
    const next = chain[index + 1];
    if (layer instanceof Conv2dLayer && next !== undefined && isPlainRelu(next)) {
      const after = chain[index + 2];
      if (after !== undefined && isHalvingMaxPool(after)) {
        steps.push((x) => layer.callWithReluAndMaxPool(x));
        index += 2;
        continue;
      }
      steps.push((x) => layer.callWithRelu(x));
      index += 1;
      continue;
    }
    steps.push((x) => layer.call(x, { training: false }) as tf.Tensor);
  }
  return (x) => steps.reduce((value, step) => step(value), x);
}

/** The layers after the input, when each takes exactly the previous one's single output; else null. */
export function asChain(model: LayersModel): Layer[] | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const [first, ...rest] = model.layers;
  if (first === undefined || first.getClassName() !== 'InputLayer') return null;
  let previous: Layer = first;
  for (const layer of rest) {
    const nodes = layer.inboundNodes;
    if (nodes.length !== 1 || nodes[0]?.inboundLayers.length !== 1 || nodes[0].inboundLayers[0] !== previous) return null;
    previous = layer;
  }
  // The model's output must be the last layer's (a chain that ends elsewhere is not one).
  const outputLayer = (model.outputs[0] as unknown as { sourceLayer: Layer }).sourceLayer;
  return outputLayer === previous ? rest : null;
}

/** tf.layers.reLU without a cap or threshold: max(x, 0) and nothing else. */
function isPlainRelu(layer: Layer): boolean {
  if (layer.getClassName() !== 'ReLU') return false;
  const config = layer.getConfig() as { maxValue?: number | null };
  return config.maxValue === null || config.maxValue === undefined;
}

/** tf.layers.maxPooling2d with a 2 × 2 window, stride 2 and no padding (LeNet's, VGG's). */
function isHalvingMaxPool(layer: Layer): boolean {
  if (layer.getClassName() !== 'MaxPooling2D') return false;
  const config = layer.getConfig() as { poolSize?: number[]; strides?: number[]; padding?: string; dataFormat?: string };
  const pair = (value: number[] | undefined) => value !== undefined && value.length === 2 && value[0] === 2 && value[1] === 2;
  return pair(config.poolSize) && pair(config.strides) && config.padding === 'valid' && config.dataFormat !== 'channelsFirst';
}
