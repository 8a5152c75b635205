/**
 * Reading PNG and JPEG files into a model's input: decoded with pngjs and jpeg-js (pure
 * JavaScript, no native code), converted to the model's channels (ITU-R BT.601 luma for
 * one channel) and resized bilinearly to its height and width.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** RGBA bytes, row-major. */
  readonly data: Uint8Array;
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

export function isImageFile(file: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(file).toLowerCase());
}

/** Decodes a PNG or JPEG; a file that is neither, or a damaged one, is an error that names `what` (the file). */
export function decodeImage(bytes: Uint8Array, what: string): RgbaImage {
  // Decide by content, not extension: the PNG signature, else JPEG's SOI marker.
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const png = decodeOrSay(what, 'PNG', () => PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
    return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const jpeg = decodeOrSay(what, 'JPEG', () => decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 }));
    return { width: jpeg.width, height: jpeg.height, data: jpeg.data };
  }
  throw new Error(`${what} is neither a PNG nor a JPEG image`);
}

/** The decoders' own messages ("unrecognised content at end of stream") name no file. */
function decodeOrSay<T>(what: string, format: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw new Error(`${what} is a damaged ${format} image (${error instanceof Error ? error.message : String(error)}): replace or remove it`);
  }
}

export async function readImage(file: string, what = file): Promise<RgbaImage> {
  return decodeImage(new Uint8Array(await readFile(file)), what);
}

/**
 * An RGBA image as `channels` × `height` × `width` pixels, channels last (the layout the
 * runtime's tensors use). Bilinear sampling at pixel centres (half-pixel offsets, as
 * OpenCV's INTER_LINEAR and tf.image.resize with half_pixel_centers).
 */
export function toModelPixels(image: RgbaImage, [channels, height, width]: readonly [number, number, number]): Uint8Array {
  const out = new Uint8Array(height * width * channels);
  const scaleY = image.height / height;
  const scaleX = image.width / width;
  const sample = (x: number, y: number, component: number): number => (image.data[(y * image.width + x) * 4 + component] as number);
  for (let row = 0; row < height; row += 1) {
    const sourceY = Math.min(Math.max((row + 0.5) * scaleY - 0.5, 0), image.height - 1);
    const y0 = Math.floor(sourceY);
    const y1 = Math.min(y0 + 1, image.height - 1);
    const fy = sourceY - y0;
    for (let column = 0; column < width; column += 1) {
      const sourceX = Math.min(Math.max((column + 0.5) * scaleX - 0.5, 0), image.width - 1);
      const x0 = Math.floor(sourceX);
      const x1 = Math.min(x0 + 1, image.width - 1);
      const fx = sourceX - x0;
      const rgb = [0, 1, 2].map((component) => {
        const top = sample(x0, y0, component) * (1 - fx) + sample(x1, y0, component) * fx;
        const bottom = sample(x0, y1, component) * (1 - fx) + sample(x1, y1, component) * fx;
        return top * (1 - fy) + bottom * fy;
      }) as [number, number, number];
      const target = (row * width + column) * channels;
      if (channels === 1) {
        // Luma, ITU-R BT.601: Y = 0.299 R + 0.587 G + 0.114 B.
        out[target] = Math.round(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]);
      } else {
        for (let channel = 0; channel < channels; channel += 1) out[target + channel] = Math.round(rgb[Math.min(channel, 2)] as number);
      }
    }
  }
  return out;
}
