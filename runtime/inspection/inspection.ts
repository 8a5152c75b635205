/**
 * What the panels and `convlens run` show of a trained model: the feature maps of any layer
 * for an input, the first convolution's filters, and the top-k predictions — as data
 * (channels first, like everything the runtime hands out) and as PNG grids.
 */
import * as tf from '@tensorflow/tfjs-core';
import { model as functionalModel } from '@tensorflow/tfjs-layers';
import type { CompiledModel } from '../compile';
import { diverging, viridis } from './colour-map';
import { encodePng, enlarge, tileImages, type PixelImage } from './image-grid';

export interface FeatureMaps {
  readonly layer: string;
  /** Channels first: [C, H, W], or [F] for a vector. */
  readonly shape: readonly number[];
  /** Channels first, flat. */
  readonly values: Float32Array;
  readonly min: number;
  readonly max: number;
}

export interface Filters {
  readonly layer: string;
  /** PyTorch's layout: [filters, channels / groups, kh, kw]. */
  readonly shape: readonly [number, number, number, number];
  readonly values: Float32Array;
}

export interface Prediction {
  readonly index: number;
  readonly label: string;
  readonly probability: number;
}

export class InspectionError extends Error {
  override readonly name = 'InspectionError';
}

function findLayer(compiled: CompiledModel, name: string) {
  const layer = compiled.layers.find((candidate) => candidate.name === name);
  if (layer === undefined) {
    throw new InspectionError(`${compiled.name} has no layer '${name}'; its layers are ${compiled.layers.map((candidate) => candidate.name).join(', ')}`);
  }
  return layer;
}

/** The output of layer `name` (an engine display name) for a [1, H, W, C] input. */
export async function computeFeatureMaps(compiled: CompiledModel, name: string, input: tf.Tensor): Promise<FeatureMaps> {
  const layer = findLayer(compiled, name);
  const probe = functionalModel({ inputs: compiled.model.inputs, outputs: layer.output });
  const output = tf.tidy(() => {
    const y = probe.apply(input, { training: false }) as tf.Tensor;
    return y.rank === 4 ? tf.transpose(y, [0, 3, 1, 2]) : y;
  });
  const values = (await output.data()) as Float32Array;
  output.dispose();
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { layer: name, shape: [...layer.outputShape], values, min, max };
}

/** Feature maps as a PNG grid, one viridis tile per channel, on one scale for the whole layer. */
export function renderFeatureMaps(maps: FeatureMaps): Buffer {
  const [channels, height, width] = maps.shape.length === 3 ? (maps.shape as [number, number, number]) : [1, 1, maps.shape[0] ?? 1];
  const range = maps.max - maps.min || 1;
  const tiles: PixelImage[] = Array.from({ length: channels }, (_, channel) => {
    const data = new Uint8Array(height * width * 3);
    for (let pixel = 0; pixel < height * width; pixel += 1) {
      const value = maps.values[channel * height * width + pixel] as number;
      data.set(viridis((value - maps.min) / range), pixel * 3);
    }
    return { width, height, channels: 3, data };
  });
  const columns = Math.ceil(Math.sqrt(channels));
  return encodePng(enlarge(tileImages(tiles, columns), Math.max(1, Math.floor(96 / Math.max(height, width)))));
}

/** The first convolution's kernels, in PyTorch's [filters, channels, kh, kw] layout. */
export async function readFirstLayerFilters(compiled: CompiledModel): Promise<Filters> {
  const first = compiled.layers.find((layer) => layer.node.kind === 'conv2d');
  if (first === undefined) throw new InspectionError(`${compiled.name} has no conv2d layer`);
  const kernel = compiled.model.getLayer(first.layerName).getWeights()[0];
  if (kernel === undefined) throw new InspectionError(`${first.name} has no weights`);
  const transposed = tf.transpose(kernel, [3, 2, 0, 1]);
  const values = (await transposed.data()) as Float32Array;
  transposed.dispose();
  return { layer: first.name, shape: transposed.shape as [number, number, number, number], values };
}

/**
 * Filters as a PNG grid: with three input channels each filter is one RGB tile (its weights
 * scaled to [0, 255] over the whole layer); otherwise one diverging tile per filter and
 * channel (blue negative, white zero, red positive), a row per filter.
 */
export function renderFilters(filters: Filters): Buffer {
  const [count, channels, height, width] = filters.shape;
  let limit = 0;
  for (const value of filters.values) limit = Math.max(limit, Math.abs(value));
  limit = limit || 1;
  const tiles: PixelImage[] = [];
  for (let filter = 0; filter < count; filter += 1) {
    if (channels === 3) {
      const data = new Uint8Array(height * width * 3);
      for (let pixel = 0; pixel < height * width; pixel += 1) {
        for (let channel = 0; channel < 3; channel += 1) {
          const value = filters.values[((filter * channels + channel) * height * width) + pixel] as number;
          data[pixel * 3 + channel] = Math.round(((value / limit + 1) / 2) * 255);
        }
      }
      tiles.push({ width, height, channels: 3, data });
      continue;
    }
    for (let channel = 0; channel < channels; channel += 1) {
      const data = new Uint8Array(height * width * 3);
      for (let pixel = 0; pixel < height * width; pixel += 1) {
        data.set(diverging((filters.values[((filter * channels + channel) * height * width) + pixel] as number) / limit), pixel * 3);
      }
      tiles.push({ width, height, channels: 3, data });
    }
  }
  const columns = channels === 3 ? Math.ceil(Math.sqrt(count)) : channels;
  return encodePng(enlarge(tileImages(tiles, columns), Math.max(1, Math.floor(48 / Math.max(height, width)))));
}

/** The k most probable classes for a [1, H, W, C] input (softmax of logits, or the model's own softmax). */
export async function predictTopK(compiled: CompiledModel, input: tf.Tensor, labels: readonly string[], k: number): Promise<Prediction[]> {
  const probabilities = tf.tidy(() => {
    const output = compiled.predictor.apply(input, { training: false }) as tf.Tensor;
    return compiled.lastLayerKind === 'softmax' ? output : tf.softmax(output);
  });
  const values = Array.from(await probabilities.data());
  probabilities.dispose();
  return values
    .map((probability, index) => ({ index, label: labels[index] ?? String(index), probability }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, k);
}
