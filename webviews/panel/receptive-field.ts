/**
 * Where a unit looks on the input, as pixels (pure; no DOM, unit-tested in Node): the
 * theoretical receptive field's rectangle from the engine's size, jump and start, and the
 * RGBA of heat maps (a unit's effective receptive field, Grad-CAM) laid over the input.
 */
import type { ReceptiveFieldGeometry, TensorSnapshot, UnitPosition } from '../protocol';

/** Input pixels, inclusive on every side: rows top…bottom, columns left…right. */
export interface PixelBox {
  readonly top: number;
  readonly left: number;
  readonly bottom: number;
  readonly right: number;
}

/** Rounding slack: the engine's starts and jumps are exact binary fractions, sizes integers. */
const EPSILON = 1e-9;

/**
 * The input pixels unit (row, column) of a layer covers: along each axis the unit's centre is
 * start + jump · index and its field spans (size − 1) / 2 either side, so it covers the pixels
 * [start + jump·index − (size − 1)/2, start + jump·index + (size − 1)/2], clipped to the
 * image (padding lies outside it). Null when nothing of it is inside.
 */
export function receptiveFieldBox(field: ReceptiveFieldGeometry, unit: Pick<UnitPosition, 'row' | 'column'>, height: number, width: number): PixelBox | null {
  const span = (axis: 0 | 1, index: number, length: number): [number, number] | null => {
    const centre = field.start[axis] + field.jump[axis] * index;
    const half = (field.size[axis] - 1) / 2;
    const low = Math.max(0, Math.ceil(centre - half - EPSILON));
    const high = Math.min(length - 1, Math.floor(centre + half + EPSILON));
    return low > high ? null : [low, high];
  };
  const rows = span(0, unit.row, height);
  const columns = span(1, unit.column, width);
  if (rows === null || columns === null) return null;
  return { top: rows[0], bottom: rows[1], left: columns[0], right: columns[1] };
}

/** `rows 2–13 × columns 6–17` (or a single row or column). */
export function describeBox(box: PixelBox): string {
  const range = (low: number, high: number): string => (low === high ? `${low}` : `${low}–${high}`);
  return `rows ${range(box.top, box.bottom)} × columns ${range(box.left, box.right)}`;
}

/** The colour of the effective receptive field's heat: its strength is its opacity. */
export const FIELD_COLOUR: readonly [number, number, number] = [255, 64, 0];
/** The opacity of the strongest pixel of a heat map over the input. */
export const HEAT_OPACITY = 0.85;

/**
 * RGBA of an [H, W] map of non-negative values as a wash over the input: `colour(t)` for
 * t = value / max in [0, 1], at opacity t · HEAT_OPACITY (a zero map is transparent).
 */
export function heatRgba(map: TensorSnapshot, colour: (t: number) => readonly [number, number, number] = () => FIELD_COLOUR): Uint8ClampedArray {
  const count = map.values.length;
  const rgba = new Uint8ClampedArray(count * 4);
  const peak = map.max > 0 ? map.max : 0;
  for (let index = 0; index < count; index++) {
    const t = peak > 0 ? Math.max(0, Math.min(1, (map.values[index] as number) / peak)) : 0;
    const [red, green, blue] = colour(t);
    rgba[index * 4] = red;
    rgba[index * 4 + 1] = green;
    rgba[index * 4 + 2] = blue;
    rgba[index * 4 + 3] = Math.round(t * HEAT_OPACITY * 255);
  }
  return rgba;
}
