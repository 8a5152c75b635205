/**
 * Pure colour maps for feature maps and filters (no DOM; unit-tested in Node), from
 * d3-scale-chromatic (the D3 project's colour schemes; tree-shaken into the panel bundle):
 *
 * - `viridis` (matplotlib's perceptually uniform map, its published 256 entries) for
 *   activations: one range per layer, so channels compare.
 * - `diverging` (ColorBrewer RdBu, continuous; blue < 0 < red) for filter weights,
 *   symmetric around 0.
 *
 * The functions below are the panel's interface to them (Feature maps uses them): 256-entry
 * lookup tables for painting, normalisers per layer range, legends.
 */
// NOTE: d3-scale-chromatic is an ES module package; this module compiles to CommonJS for the
// Node unit tests, whose require() of it Node ≥ 20.19 does natively. In the bundle esbuild
// keeps what these two maps need (+31 KiB, most of it the viridis family's colour tables).
import { interpolateRdBu, interpolateViridis } from 'd3-scale-chromatic';

export type ColourMapName = 'viridis' | 'diverging';
export type Rgb = readonly [number, number, number];

/** t ∈ [0, 1] → CSS colour (`#rrggbb` or `rgb(r, g, b)`), as d3 gives them. */
const INTERPOLATORS: Readonly<Record<ColourMapName, (t: number) => string>> = {
  viridis: interpolateViridis,
  // d3's RdBu runs red → blue; the panel's runs blue (negative) → red (positive).
  diverging: (t) => interpolateRdBu(1 - t),
};

/** `#rrggbb` or `rgb(r, g, b)` → [r, g, b]. */
function parseCssColour(colour: string): Rgb {
  if (colour.startsWith('#')) return parseHex(colour);
  const match = /^rgb\((\d+), ?(\d+), ?(\d+)\)$/.exec(colour);
  if (match === null) throw new Error(`not an rgb() colour: ${colour}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

export function parseHex(hex: string): Rgb {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (match === null) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(match[1]!, 16), parseInt(match[2]!, 16), parseInt(match[3]!, 16)];
}

export function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((channel) => channel.toString(16).padStart(2, '0')).join('')}`;
}

const LUTS = new Map<ColourMapName, Uint8ClampedArray>();

/** 256 RGB triples (768 bytes): the map sampled at t = i / 255, for painting without a call per pixel. */
export function lookupTable(name: ColourMapName): Uint8ClampedArray {
  let table = LUTS.get(name);
  if (table !== undefined) return table;
  const interpolate = INTERPOLATORS[name];
  table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) table.set(parseCssColour(interpolate(i / 255)), i * 3);
  LUTS.set(name, table);
  return table;
}

/** The colour of t ∈ [0, 1] (clamped; NaN reads as 0). */
export function colourAt(name: ColourMapName, t: number): Rgb {
  const index = lutIndex(t);
  const table = lookupTable(name);
  return [table[index * 3]!, table[index * 3 + 1]!, table[index * 3 + 2]!];
}

function lutIndex(t: number): number {
  if (!(t > 0)) return 0; // also NaN
  if (t >= 1) return 255;
  return Math.round(t * 255);
}

export interface ValueRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Value → t ∈ [0, 1] for a map. Viridis stretches [min, max] (a constant range maps to 0,
 * so a dead channel reads dark); the diverging map is symmetric, 0 in the middle.
 */
export function normaliser(name: ColourMapName, range: ValueRange): (value: number) => number {
  if (name === 'diverging') {
    const bound = Math.max(Math.abs(range.min), Math.abs(range.max));
    return bound === 0 || !Number.isFinite(bound) ? () => 0.5 : (value) => 0.5 + value / (2 * bound);
  }
  const span = range.max - range.min;
  return span > 0 && Number.isFinite(span) ? (value) => (value - range.min) / span : () => 0;
}

/** The range a legend shows: the data's for viridis, ±max|value| for the diverging map. */
export function displayRange(name: ColourMapName, range: ValueRange): ValueRange {
  if (name !== 'diverging') return range;
  const bound = Math.max(Math.abs(range.min), Math.abs(range.max));
  return { min: -bound, max: bound };
}

/**
 * Paints `width × height` values starting at `offset` into `out` (RGBA, row-major,
 * opaque), the pixel data of an ImageData of the same size.
 */
export function paintTile(
  values: ArrayLike<number>,
  offset: number,
  width: number,
  height: number,
  name: ColourMapName,
  range: ValueRange,
  out: Uint8ClampedArray,
): void {
  const table = lookupTable(name);
  const toT = normaliser(name, range);
  const count = width * height;
  for (let i = 0; i < count; i++) {
    const index = lutIndex(toT(values[offset + i] ?? NaN));
    out[i * 4] = table[index * 3]!;
    out[i * 4 + 1] = table[index * 3 + 1]!;
    out[i * 4 + 2] = table[index * 3 + 2]!;
    out[i * 4 + 3] = 255;
  }
}

/** CSS `linear-gradient` stops (left to right) of a map, for legends drawn without canvas. */
export function gradientStops(name: ColourMapName, count = 11): string[] {
  const stops: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = count === 1 ? 0 : i / (count - 1);
    stops.push(`${toHex(colourAt(name, t))} ${(t * 100).toFixed(1)}%`);
  }
  return stops;
}

/** Relative luminance (WCAG) of a colour, for tests and for picking readable label colours. */
export function luminance([r, g, b]: Rgb): number {
  const linear = (channel: number): number => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}
