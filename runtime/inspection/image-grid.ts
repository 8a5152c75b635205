/**
 * Images as PNG: tiling many small images (GAN samples, feature maps, filters) into one
 * grid with a gap between them, and encoding with pngjs.
 */
import { PNG } from 'pngjs';

/** Grayscale or RGB pixels, channels last. */
export interface PixelImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

export function encodePng(image: PixelImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  for (let pixel = 0; pixel < image.width * image.height; pixel += 1) {
    for (let component = 0; component < 3; component += 1) {
      png.data[pixel * 4 + component] = image.data[pixel * image.channels + (image.channels === 1 ? 0 : component)] as number;
    }
    png.data[pixel * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** Tiles equally sized images row by row, `columns` per row, `gap` background pixels between. */
export function tileImages(images: readonly PixelImage[], columns: number, gap = 2, background = 32): PixelImage {
  const first = images[0];
  if (first === undefined) return { width: 1, height: 1, channels: 1, data: new Uint8Array([background]) };
  const rows = Math.ceil(images.length / columns);
  const channels = images.some((image) => image.channels === 3) ? 3 : 1;
  const width = columns * first.width + (columns + 1) * gap;
  const height = rows * first.height + (rows + 1) * gap;
  const data = new Uint8Array(width * height * channels).fill(background);
  images.forEach((image, index) => {
    const left = gap + (index % columns) * (first.width + gap);
    const top = gap + Math.floor(index / columns) * (first.height + gap);
    for (let row = 0; row < image.height; row += 1) {
      for (let column = 0; column < image.width; column += 1) {
        for (let channel = 0; channel < channels; channel += 1) {
          const source = (row * image.width + column) * image.channels + (image.channels === 1 ? 0 : channel);
          data[((top + row) * width + left + column) * channels + channel] = image.data[source] as number;
        }
      }
    }
  });
  return { width, height, channels, data };
}

/** Scales an image up by an integer factor (nearest neighbour), so 28×28 samples are visible. */
export function enlarge(image: PixelImage, factor: number): PixelImage {
  if (factor <= 1) return image;
  const width = image.width * factor;
  const height = image.height * factor;
  const data = new Uint8Array(width * height * image.channels);
  for (let row = 0; row < height; row += 1) {
    for (let column = 0; column < width; column += 1) {
      const source = (Math.floor(row / factor) * image.width + Math.floor(column / factor)) * image.channels;
      data.set(image.data.subarray(source, source + image.channels), (row * width + column) * image.channels);
    }
  }
  return { width, height, channels: image.channels, data };
}

/** Channels-last floats in [low, high] → bytes (clamped). */
export function toBytes(values: ArrayLike<number>, low: number, high: number): Uint8Array {
  const bytes = new Uint8Array(values.length);
  const scale = high > low ? 255 / (high - low) : 0;
  for (let index = 0; index < values.length; index += 1) {
    bytes[index] = Math.max(0, Math.min(255, Math.round(((values[index] as number) - low) * scale)));
  }
  return bytes;
}
