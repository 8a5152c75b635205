/**
 * Where a trained classifier looks, from its gradients: a unit's effective receptive field
 * (Luo, Li, Urtasun, Zemel 2016: the gradient of one unit with respect to the input image)
 * and Grad-CAM (Selvaraju et al. 2017: a convolutional layer's channels weighted by the
 * spatial mean of the class score's gradient, summed, rectified). Both are data, channels
 * first like everything the runtime hands out; `renderGradCam` draws the overlay PNG.
 *
 * Gradients with respect to an intermediate layer need the rest of the network as a function
 * of that layer's output. tfjs-layers feeds values only to a model's inputs, so `evaluateGraph`
 * walks the model's own graph (its layers in tfjs's topological order, each applied to the
 * values of its inbound node) and lets a caller substitute one layer's output: the residual
 * shortcuts and concatenated branches of any model are then followed as tfjs wired them,
 * with no second description of the network to keep in step.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { CompiledLayer, CompiledModel } from '../compile';
import { viridis } from './colour-map';
import { encodePng, enlarge, type PixelImage } from './image-grid';
import { InspectionError } from './inspection';

/** A unit of a layer's output: a pixel of one channel of [C, H, W], or entry `channel` of a vector. */
export interface Unit {
  readonly channel: number;
  readonly row: number;
  readonly column: number;
}

/** A map over the input image or a layer's grid: row-major [H, W] with its value range. */
export interface HeatMap {
  readonly shape: readonly [number, number];
  readonly values: Float32Array;
  readonly min: number;
  readonly max: number;
}

export interface EffectiveReceptiveField extends HeatMap {
  readonly layer: string;
  readonly unit: Unit;
}

export interface GradCam extends HeatMap {
  /** The layer whose activations are weighted. */
  readonly layer: string;
  readonly classIndex: number;
  /** The class's score before softmax (what Grad-CAM differentiates) and its probability. */
  readonly score: number;
  readonly probability: number;
}

/**
 * The values of `fetches` for a [1, H, W, C] input, computed along the model's own graph;
 * `substitute` replaces the output of the layer that computes a tensor by a given value
 * (what everything downstream then sees: gradients flow into it).
 */
export function evaluateGraph(model: LayersModel, input: tf.Tensor, fetches: readonly SymbolicTensor[], substitute?: { readonly tensor: SymbolicTensor; readonly value: tf.Tensor }): tf.Tensor[] {
  const values = new Map<number, tf.Tensor>();
  const [modelInput] = model.inputs;
  if (modelInput === undefined || model.inputs.length !== 1) throw new InspectionError(`${model.name} has ${model.inputs.length} inputs; inspection takes one`);
  values.set(modelInput.id, substitute?.tensor.id === modelInput.id ? substitute.value : input);
  for (const layer of model.layers) {
    for (const node of layer.inboundNodes) {
      if (node.outputTensors.every((tensor) => values.has(tensor.id))) continue;
      const inputs = node.inputTensors.map((tensor) => values.get(tensor.id));
      // A node of another graph (a layer shared with a model built elsewhere) is not ours.
      if (inputs.some((value) => value === undefined)) continue;
      const applied = layer.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : (inputs as tf.Tensor[]), { training: false }) as tf.Tensor | tf.Tensor[];
      const outputs = Array.isArray(applied) ? applied : [applied];
      node.outputTensors.forEach((tensor, index) => {
        values.set(tensor.id, substitute?.tensor.id === tensor.id ? substitute.value : (outputs[index] as tf.Tensor));
      });
    }
  }
  return fetches.map((fetch) => {
    const value = values.get(fetch.id);
    if (value === undefined) throw new InspectionError(`${model.name} does not compute ${fetch.name} from its input`);
    return value;
  });
}

function findLayer(compiled: CompiledModel, name: string): CompiledLayer {
  const layer = compiled.layers.find((candidate) => candidate.name === name);
  if (layer === undefined) throw new InspectionError(`${compiled.name} has no layer '${name}'; its layers are ${compiled.layers.map((candidate) => candidate.name).join(', ')}`);
  return layer;
}

function rangeOf(values: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return values.length === 0 ? { min: 0, max: 0 } : { min, max };
}

/**
 * The effective receptive field of one unit of `layer` for a [1, H, W, C] input: the gradient
 * of that unit's value with respect to the network's input (the normalised image it received),
 * its magnitude summed over the input's channels, as an [H, W] map.
 */
export async function computeEffectiveReceptiveField(compiled: CompiledModel, name: string, unit: Unit, input: tf.Tensor): Promise<EffectiveReceptiveField> {
  const layer = findLayer(compiled, name);
  const shape = layer.outputShape;
  const [channels, height, width] = shape.length === 3 ? (shape as [number, number, number]) : [shape[0] ?? 0, 1, 1];
  const valid = (value: number, size: number): boolean => Number.isInteger(value) && value >= 0 && value < size;
  if (shape.length !== 3 && shape.length !== 1) throw new InspectionError(`${name}'s output [${shape.join(', ')}] has no units to pick`);
  if (!valid(unit.channel, channels) || !valid(unit.row, height) || !valid(unit.column, width)) {
    throw new InspectionError(`${name} has no unit (channel ${unit.channel}, row ${unit.row}, column ${unit.column}): its output is ${shape.length === 3 ? `${channels}@${height}×${width}` : `${channels} units`}`);
  }
  const network = layer.aux ? compiled.model : compiled.predictor;
  const map = tf.tidy(() => {
    const gradient = tf.grad((x: tf.Tensor) => {
      const [output] = evaluateGraph(network, x, [layer.output]) as [tf.Tensor];
      // Channels last inside the runtime: [1, H, W, C], or [1, F] for a vector.
      return output.rank === 4 ? tf.sum(tf.slice(output, [0, unit.row, unit.column, unit.channel], [1, 1, 1, 1])) : tf.sum(tf.slice(output, [0, unit.channel], [1, 1]));
    })(input);
    return tf.squeeze(tf.sum(tf.abs(gradient), 3), [0]);
  });
  const values = (await map.data()) as Float32Array;
  const [mapHeight, mapWidth] = map.shape as [number, number];
  map.dispose();
  return { layer: name, unit, shape: [mapHeight, mapWidth], values, ...rangeOf(values) };
}

/** The convolutional layer Grad-CAM uses by default: the main path's last conv2d; null when there is none. */
export function lastConvolution(compiled: CompiledModel): string | null {
  const convolutions = compiled.layers.filter((layer) => !layer.aux && layer.node.kind === 'conv2d');
  return convolutions[convolutions.length - 1]?.name ?? null;
}

/**
 * The tensor whose entries are the class scores Grad-CAM differentiates: the input of the
 * main path's closing softmax or sigmoid (the logits; their probabilities saturate), looking
 * through identity layers; else the output itself.
 */
function scoreTensorOf(compiled: CompiledModel): SymbolicTensor {
  const output = compiled.predictor.outputs[0] as SymbolicTensor;
  let current = output;
  for (;;) {
    const leaf = compiled.layers.find((layer) => !layer.aux && layer.output.id === current.id);
    if (leaf === undefined) return output;
    const inbound = compiled.model.getLayer(leaf.layerName).inboundNodes[0]?.inputTensors[0];
    if (inbound === undefined) return output;
    if (leaf.node.kind === 'identity') {
      current = inbound;
      continue;
    }
    return leaf.node.kind === 'softmax' || leaf.node.kind === 'sigmoid' ? inbound : output;
  }
}

/**
 * Grad-CAM of class `classIndex` over the layer named `layer` (default: the last conv2d) for a
 * [1, H, W, C] input: with A the layer's [K, h, w] activations and y the class's score before
 * softmax, α_k = mean over (i, j) of ∂y/∂A_k[i, j], and the map is ReLU(Σ_k α_k A_k), [h, w]
 * at the layer's resolution (drawn over the input, it is resized to the input's size).
 */
export async function computeGradCam(compiled: CompiledModel, input: tf.Tensor, classIndex: number, layerName: string | null = null): Promise<GradCam> {
  const name = layerName ?? lastConvolution(compiled);
  if (name === null) throw new InspectionError(`${compiled.name} has no convolutional layer for Grad-CAM`);
  const layer = findLayer(compiled, name);
  if (layer.aux) throw new InspectionError(`${name} is in an auxiliary head; Grad-CAM needs a layer on the way to the model's output`);
  if (layer.outputShape.length !== 3) throw new InspectionError(`Grad-CAM needs a layer with a spatial output; ${name}'s is [${layer.outputShape.join(', ')}]`);
  const score = scoreTensorOf(compiled);
  const classes = score.shape[score.shape.length - 1] ?? 0;
  if (score.shape.length !== 2 || !Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes) {
    throw new InspectionError(`${compiled.name} has no class ${classIndex}: its output has ${score.shape.length === 2 ? `${classes} classes (0…${classes - 1})` : `the shape [${score.shape.slice(1).join(', ')}]`}`);
  }
  const [activations, scores] = evaluateGraph(compiled.predictor, input, [layer.output, score]) as [tf.Tensor4D, tf.Tensor2D];
  const result = tf.tidy(() => {
    const gradient = tf.grad((a: tf.Tensor) => {
      const [y] = evaluateGraph(compiled.predictor, input, [score], { tensor: layer.output, value: a }) as [tf.Tensor2D];
      return tf.sum(tf.slice(y, [0, classIndex], [1, 1]));
    })(activations);
    // Channels last: α is the mean over rows and columns, one weight per channel.
    const weights = tf.mean(gradient, [1, 2], true);
    const map = tf.squeeze(tf.relu(tf.sum(tf.mul(activations, weights), 3)), [0]);
    // Probabilities as the model gives them: a closing sigmoid scores each class alone.
    const probabilities = compiled.lastLayerKind === 'sigmoid' ? tf.sigmoid(scores) : tf.softmax(scores);
    return { map, score: tf.reshape(tf.slice(scores, [0, classIndex], [1, 1]), []), probability: tf.reshape(tf.slice(probabilities, [0, classIndex], [1, 1]), []) };
  });
  const values = (await result.map.data()) as Float32Array;
  const [height, width] = result.map.shape as [number, number];
  const scalar = await result.score.data();
  const probability = (await result.probability.data())[0];
  const output = { layer: name, classIndex, score: scalar[0] as number, probability: probability as number, shape: [height, width] as const, values, ...rangeOf(values) };
  tf.dispose([activations, scores, result.map, result.score, result.probability]);
  return output;
}

/**
 * Grad-CAM over the input as a PNG: the map resized to the input's size (bilinear, pixel
 * centres aligned as in OpenCV and PyTorch's `align_corners=False`), scaled by its maximum,
 * coloured with viridis and blended half and half with the input (grey or RGB bytes,
 * channels last), then enlarged by whole pixels to at least 224 pixels a side.
 */
export function renderGradCam(cam: HeatMap, pixels: Uint8Array, [channels, height, width]: readonly [number, number, number]): Buffer {
  const resized = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(cam.values, [cam.shape[0], cam.shape[1], 1]), [height, width], false, true));
  const heat = resized.dataSync();
  resized.dispose();
  const peak = cam.max > 0 ? cam.max : 1;
  const data = new Uint8Array(height * width * 3);
  for (let pixel = 0; pixel < height * width; pixel += 1) {
    const colour = viridis((heat[pixel] as number) / peak);
    for (let component = 0; component < 3; component += 1) {
      const base = pixels[pixel * channels + (channels === 3 ? component : 0)] as number;
      data[pixel * 3 + component] = Math.round(0.5 * base + 0.5 * colour[component]!);
    }
  }
  const image: PixelImage = { width, height, channels: 3, data };
  return encodePng(enlarge(image, Math.max(1, Math.ceil(224 / Math.max(height, width)))));
}
