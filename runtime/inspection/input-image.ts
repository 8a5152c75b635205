/**
 * The input of a feature-map request as the network receives it: a test sample's bytes, or
 * an image file decoded, converted to the model's channels and resized to its input — channels
 * last, 0–255, before normalisation (trained-model.ts `toInputTensor` normalises). The same
 * bytes go back to the client with the maps, so a panel can show what the network looked at.
 * No TensorFlow.js.
 */
import * as path from 'node:path';
import { imageOf } from '../datasets/dataset';
import { readImage, toModelPixels } from '../datasets/image-file';
import { loadDataset } from '../datasets/load-dataset';
import type { ComputeFeatureMapsRequest, InputPixels } from '../protocol';

/**
 * The bytes the network receives for `input`: `shape` is the model's input `[C, H, W]`;
 * relative paths and dataset folders resolve against `cwd`. Channels last.
 */
export async function readInputPixels(input: ComputeFeatureMapsRequest['input'], shape: readonly [number, number, number], cwd: string): Promise<Uint8Array> {
  if ('image' in input) return toModelPixels(await readImage(path.resolve(cwd, input.image)), shape);
  const dataset = await loadDataset(input.dataset, { inputShape: shape, cwd });
  const test = dataset.test ?? dataset.train;
  if (!Number.isInteger(input.testIndex) || input.testIndex < 0 || input.testIndex >= test.count) throw new Error(`test sample ${input.testIndex} is outside 0…${test.count - 1}`);
  return imageOf(test, input.testIndex, shape[0] * shape[1] * shape[2]);
}

/** Channels-last bytes of a `[C, H, W]` input as the protocol carries them (base64). */
export function toInputPixels(pixels: Uint8Array, [channels, height, width]: readonly [number, number, number]): InputPixels {
  if (pixels.length !== channels * height * width) throw new Error(`${pixels.length} bytes are not an image of ${channels}@${height}×${width}`);
  return { width, height, channels, pixels: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength).toString('base64') };
}
