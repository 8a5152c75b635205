/**
 * Pure preprocessing of a hand-drawn digit (no DOM; unit-tested in Node), the way MNIST
 * itself was made: crop to the ink, scale the longer side to 20 pixels with area
 * averaging, and place it in a 28×28 frame so its centre of mass is at the centre.
 */

/** Area-averaging resample of a grey image (row-major) from sw×sh to dw×dh. */
export function resample(source: ArrayLike<number>, sw: number, sh: number, dw: number, dh: number): Float64Array {
  const out = new Float64Array(dw * dh);
  const fx = sw / dw;
  const fy = sh / dh;
  for (let y = 0; y < dh; y++) {
    const y0 = y * fy;
    const y1 = y0 + fy;
    for (let x = 0; x < dw; x++) {
      const x0 = x * fx;
      const x1 = x0 + fx;
      let sum = 0;
      for (let sy = Math.floor(y0); sy < Math.min(sh, Math.ceil(y1)); sy++) {
        const wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
        if (wy <= 0) continue;
        for (let sx = Math.floor(x0); sx < Math.min(sw, Math.ceil(x1)); sx++) {
          const wx = Math.min(x1, sx + 1) - Math.max(x0, sx);
          if (wx <= 0) continue;
          sum += (source[sy * sw + sx] ?? 0) * wx * wy;
        }
      }
      out[y * dw + x] = sum / (fx * fy);
    }
  }
  return out;
}

export interface InkBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** The bounding box of the pixels above `threshold`; null for an empty drawing. */
export function inkBox(grey: ArrayLike<number>, width: number, height: number, threshold = 0.05): InkBox | null {
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((grey[y * width + x] ?? 0) > threshold) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        if (y > bottom) bottom = y;
      }
    }
  }
  return right < 0 ? null : { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * A drawing (grey values in [0, 1], row-major, white ink on black) as an MNIST-like
 * `size × size` image: values in [0, 1], rounded to 3 decimals to keep messages small.
 * An empty drawing gives all zeros.
 */
export function toDigitImage(grey: ArrayLike<number>, width: number, height: number, size = 28, box = 20): number[] {
  const out = new Array<number>(size * size).fill(0);
  const ink = inkBox(grey, width, height);
  if (ink === null) return out;
  const crop = new Float64Array(ink.width * ink.height);
  for (let y = 0; y < ink.height; y++) {
    for (let x = 0; x < ink.width; x++) crop[y * ink.width + x] = clamp01(grey[(ink.top + y) * width + ink.left + x] ?? 0);
  }
  const factor = box / Math.max(ink.width, ink.height);
  const dw = Math.max(1, Math.round(ink.width * factor));
  const dh = Math.max(1, Math.round(ink.height * factor));
  const scaled = resample(crop, ink.width, ink.height, dw, dh);
  // Centre of mass of the scaled digit → the frame's centre.
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const value = scaled[y * dw + x]!;
      mass += value;
      cx += value * (x + 0.5);
      cy += value * (y + 0.5);
    }
  }
  const offsetX = Math.round(size / 2 - (mass > 0 ? cx / mass : dw / 2));
  const offsetY = Math.round(size / 2 - (mass > 0 ? cy / mass : dh / 2));
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const tx = x + offsetX;
      const ty = y + offsetY;
      if (tx < 0 || ty < 0 || tx >= size || ty >= size) continue;
      out[ty * size + tx] = Math.round(clamp01(scaled[y * dw + x]!) * 1000) / 1000;
    }
  }
  return out;
}

/** Grey values of RGBA pixel data (the red channel: the pad draws white on black). */
export function greyOfRgba(rgba: ArrayLike<number>, count: number): Float64Array {
  const grey = new Float64Array(count);
  for (let i = 0; i < count; i++) grey[i] = (rgba[i * 4] ?? 0) / 255;
  return grey;
}

function clamp01(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
