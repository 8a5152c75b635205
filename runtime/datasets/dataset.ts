/**
 * What a dataset is to the runtime: labelled uint8 images, channels last (the layout the
 * tensors use, layout.ts), with the per-channel statistics that normalise them.
 */

/** Labelled images of one split. */
export interface ImageSet {
  /** Pixels 0–255, [count, height, width, channels] row-major (channels last). */
  readonly images: Uint8Array;
  /** Class index per image. */
  readonly labels: Int32Array;
  readonly count: number;
}

export interface Dataset {
  /** `mnist`, `fashion-mnist`, `cifar10`, or the folder's name. */
  readonly name: string;
  /** Where the files were read from, for messages. */
  readonly source: string;
  /** Per-image shape as the IR writes it: [channels, height, width]. */
  readonly shape: readonly [number, number, number];
  readonly classes: readonly string[];
  readonly train: ImageSet;
  /** The official test split; null when the dataset has none (an image folder without test/). */
  readonly test: ImageSet | null;
  /** Per-channel mean and standard deviation of the training pixels scaled to [0, 1]. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** The bytes of one image of a set. */
export function imageOf(set: ImageSet, index: number, pixelsPerImage: number): Uint8Array {
  return set.images.subarray(index * pixelsPerImage, (index + 1) * pixelsPerImage);
}

/** Per-channel mean and standard deviation over channels-last uint8 pixels, scaled to [0, 1]. */
export function measureChannels(images: Uint8Array, channels: number): { mean: number[]; std: number[] } {
  const sums = new Float64Array(channels);
  const squares = new Float64Array(channels);
  for (let index = 0; index < images.length; index += 1) {
    const value = (images[index] as number) / 255;
    const channel = index % channels;
    sums[channel] = (sums[channel] as number) + value;
    squares[channel] = (squares[channel] as number) + value * value;
  }
  const perChannel = images.length / channels;
  const mean = Array.from(sums, (sum) => sum / Math.max(perChannel, 1));
  const std = Array.from(squares, (square, channel) => Math.sqrt(Math.max(square / Math.max(perChannel, 1) - (mean[channel] as number) ** 2, 1e-12)));
  return { mean, std };
}
