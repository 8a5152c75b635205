/**
 * Inference for a compiled model, as one function from a batch to its outputs.
 *
 * The model's layers run one after the other in tfjs-layers' topological order, each
 * `call`ed directly on the tensors of the layers it reads — without tfjs-layers' graph
 * executor, whose bookkeeping per layer (name scopes, input checks, the feed dictionary)
 * cost ~5% of LeNet-5's inference at batch 64 here. This holds for chains (LeNet, VGG) and
 * for residual and concat graphs (ResNet, Inception) alike; a model whose layers are used
 * twice or give several outputs goes through `apply`.
 *
 * A convolution whose output only one layer reads absorbs what follows it
 * (`Conv2dLayer.callFused`): a batch norm (folded into the filter and bias: scale =
 * γ/√(σ² + ε) per filter, shift = β − μ·scale), then a ReLU (done by the convolution: one
 * pass over the activations instead of two), then a 2 × 2, stride-2 max pool (on wasm one
 * kernel that never writes the convolution's full-size output) — each only when the one
 * before it is read by that layer alone. ResNet's convolution + batch norm (+ ReLU) become
 * one fused convolution.
 *
 * Only predictions take the fused path: inspection reads intermediate layers through its
 * own models, so fused layers never hide a pre-activation output. Training's forward pass
 * (`toTrainingForward`) takes the same walk, each layer called in training mode under
 * tfjs's gradient tape, with one fusion: a convolution and the ReLU that alone reads it
 * are one kernel (`Conv2dLayer.callWithRelu`; its bias too), whose gradient computes what
 * the three ops' gradients compute. The graph executor's bookkeeping goes; every gradient
 * stays the same.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { layers as tfLayers, LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { Conv2dLayer, type FoldedBatchNorm } from './layers/conv2d-layer';

type Layer = tfLayers.Layer;
export type Predict = (x: tf.Tensor) => tf.Tensor;

/** One layer's work (or a fused run of them): the symbolic tensors it reads and the one it gives. */
interface Step {
  readonly inputs: readonly number[];
  readonly output: number;
  readonly compute: (inputs: tf.Tensor[]) => tf.Tensor;
}

export function toPredict(predictor: LayersModel): Predict {
  const steps = planOf(predictor, true);
  if (steps === null) return (x) => predictor.apply(x, { training: false }) as tf.Tensor;
  return walk(predictor, steps);
}

/**
 * The model's forward pass in training mode (batch statistics, dropout), as `model.apply(x,
 * { training: true })` computes it; null for a model that must go through `apply` (several
 * inputs or outputs, a layer used twice).
 */
export function toTrainingForward(model: LayersModel): Predict | null {
  const steps = planOf(model, false);
  return steps === null ? null : walk(model, steps);
}

function walk(model: LayersModel, steps: readonly Step[]): Predict {
  const inputId = (model.inputs[0] as SymbolicTensor).id;
  const outputId = (model.outputs[0] as SymbolicTensor).id;
  return (x) => {
    const values = new Map<number, tf.Tensor>([[inputId, x]]);
    for (const step of steps) values.set(step.output, step.compute(step.inputs.map((id) => values.get(id) as tf.Tensor)));
    return values.get(outputId) as tf.Tensor;
  };
}

/**
 * The steps of `model` in order; for inference (`inference`) with the fusions done, for
 * training each layer on its own in training mode. Null when it has to go through `apply`.
 */
function planOf(model: LayersModel, inference: boolean): Step[] | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const inputId = (model.inputs[0] as SymbolicTensor).id;
  const outputId = (model.outputs[0] as SymbolicTensor).id;
  // Who reads each symbolic tensor (the model's output counts as a reader: it is never fused away).
  const readers = new Map<number, Layer[]>();
  const known = new Set<number>([inputId]);
  const nodes = new Map<Layer, { inputs: number[]; output: number }>();
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    if (layer.inboundNodes.length !== 1) return null;
    const node = layer.inboundNodes[0] as unknown as { inputTensors: SymbolicTensor[]; outputTensors: SymbolicTensor[] };
    if (node.outputTensors.length !== 1) return null;
    const inputs = node.inputTensors.map((tensor) => tensor.id);
    // Topological order: every input is known before its reader.
    if (inputs.length === 0 || inputs.some((id) => !known.has(id))) return null;
    for (const id of inputs) readers.set(id, [...(readers.get(id) ?? []), layer]);
    const output = (node.outputTensors[0] as SymbolicTensor).id;
    known.add(output);
    nodes.set(layer, { inputs, output });
  }
  if (!known.has(outputId)) return null;
  readers.set(outputId, [...(readers.get(outputId) ?? []), model.layers[0] as Layer]);
  /** The layer that alone reads `layer`'s output, if one does. */
  const onlyReader = (layer: Layer): Layer | undefined => {
    const list = readers.get((nodes.get(layer) as { output: number }).output) ?? [];
    return list.length === 1 && nodes.has(list[0] as Layer) ? list[0] : undefined;
  };
  const absorbed = new Set<Layer>();
  const steps: Step[] = [];
  for (const [layer, { inputs, output }] of nodes) {
    if (absorbed.has(layer)) continue;
    if (!inference && layer instanceof Conv2dLayer) {
      // Training: a ReLU that alone reads the convolution is done by it (the same gradients).
      const activation = onlyReader(layer);
      if (activation !== undefined && isPlainRelu(activation)) {
        absorbed.add(activation);
        steps.push({ inputs, output: (nodes.get(activation) as { output: number }).output, compute: (xs) => layer.callWithRelu(xs[0] as tf.Tensor) });
        continue;
      }
    }
    if (!inference || !(layer instanceof Conv2dLayer)) {
      const single = inputs.length === 1;
      steps.push({ inputs, output, compute: (xs) => layer.call(single ? (xs[0] as tf.Tensor) : xs, { training: !inference }) as tf.Tensor });
      continue;
    }
    let last: Layer = layer;
    let batchNorm: Layer | undefined;
    let relu = false;
    let pool = false;
    const next = onlyReader(last);
    if (next !== undefined && isFoldableBatchNorm(next)) {
      batchNorm = next;
      last = next;
    }
    const activation = onlyReader(last);
    if (activation !== undefined && isPlainRelu(activation)) {
      relu = true;
      last = activation;
      const after = onlyReader(last);
      if (after !== undefined && isHalvingMaxPool(after)) {
        pool = true;
        last = after;
      }
    }
    for (const fused of [batchNorm, relu ? activation : undefined, pool ? last : undefined]) if (fused !== undefined) absorbed.add(fused);
    const norm = batchNorm;
    steps.push({
      inputs,
      output: (nodes.get(last) as { output: number }).output,
      compute: (xs) => layer.callFused(xs[0] as tf.Tensor, { batchNorm: norm === undefined ? undefined : foldedOf(norm), relu, pool }),
    });
  }
  return steps;
}

/** A batch norm over the channels (the last axis) of a rank-4 tensor, as the compiler makes it. */
function isFoldableBatchNorm(layer: Layer): boolean {
  if (layer.getClassName() !== 'BatchNormalization') return false;
  const config = layer.getConfig() as { axis?: number | number[] };
  const axis = Array.isArray(config.axis) ? config.axis : [config.axis];
  return axis.length === 1 && (axis[0] === -1 || axis[0] === 3);
}

/** γ, β and the moving statistics of a batch norm as it stands now (they move in training). */
function foldedOf(layer: Layer): FoldedBatchNorm {
  const weight = (suffix: string) => layer.weights.find((variable) => variable.originalName.endsWith(suffix))?.read();
  const mean = weight('moving_mean');
  const variance = weight('moving_variance');
  if (mean === undefined || variance === undefined) throw new Error(`[convlens] ${layer.name} has no moving statistics to fold`);
  const { epsilon } = layer.getConfig() as { epsilon: number };
  return { mean, variance, gamma: weight('gamma'), beta: weight('beta'), epsilon };
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
