/**
 * The Feature maps tab's input image — the picture the network looked at — as pixels and
 * words (pure; no DOM, unit-tested in Node).
 */
import type { InputImage } from '../protocol';

/** The longest side the image is shown at, in CSS pixels: 28×28 at 4× (112), 32×32 at 4× (128). */
export const INPUT_IMAGE_SIDE = 128;

/** RGBA bytes for `ImageData`: grey repeated into R, G and B; opaque. */
export function inputImageRgba(image: InputImage): Uint8ClampedArray {
  const bytes = atob(image.pixels);
  const count = image.width * image.height;
  const rgba = new Uint8ClampedArray(count * 4);
  for (let pixel = 0; pixel < count; pixel++) {
    for (let component = 0; component < 3; component++) rgba[pixel * 4 + component] = bytes.charCodeAt(pixel * image.channels + (image.channels === 1 ? 0 : component));
    rgba[pixel * 4 + 3] = 255;
  }
  return rgba;
}

/** The shown size: scaled up by an integer factor to at most `side`, or shrunk to fit it. */
export function inputImageDisplaySize(width: number, height: number, side = INPUT_IMAGE_SIDE): { readonly width: number; readonly height: number; readonly scale: number } {
  const longest = Math.max(width, height, 1);
  const scale = longest <= side ? Math.floor(side / longest) : side / longest;
  return { width: Math.round(width * scale), height: Math.round(height * scale), scale };
}

/** `28×28 grey`, `32×32 RGB`. */
export function describeInputImage(image: InputImage): string {
  return `${image.width}×${image.height} ${image.channels === 1 ? 'grey' : 'RGB'}`;
}
