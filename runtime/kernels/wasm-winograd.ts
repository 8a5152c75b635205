/**
 * Winograd F(4×4, 3×3) (simd/winograd4.ts) and F(2×2, 3×3) (simd/winograd.ts; `tileFor`
 * below chooses) for the wasm backend's 3×3, stride-1 convolutions: the forward pass
 * (Conv2D, FusedConv2D, the pooled convolution of inference), the input gradient
 * (Conv2DBackpropInput) and the filter gradient (Conv2DBackpropFilter, as the transpose of
 * the forward algorithm). 4× (F(4×4)) or 2.25× (F(2×2)) fewer multiply-adds than the
 * direct kernels, which (wasm-simd-convolution.ts) stay for every other convolution.
 *
 * Accuracy: F(2×2)'s transforms add at most a few roundings per value (B and A are ±1, G
 * halves): within 1e-5 of the direct kernels' largest output (measured ~1e-6).
 * F(4×4)'s have coefficients up to 8 and 1/24: within 1e-4 (measured 1.4e-6 to 1e-5).
 * test/runtime/wasm-winograd.test.ts holds each to its bound on random shapes.
 *
 * This file does the bookkeeping: the transformed filter, the scratch of a chunk of tiles
 * and of a border tile's patch (the kernels read the input where it is, and copy only the
 * patches that hang over its edges).
 */
import { addPartialSums, type KernelPlace } from './kernel-place';
import { splitWork } from './kernel-threads';
import { winogradSetting, winogradTileSetting } from './kernel-settings';

/**
 * How much less work a Winograd call is than the direct convolution, for deciding whether
 * to thread it: F(2×2)'s 2.25, the smaller of the two (F(4×4)'s is 4).
 */
export const WINOGRAD_SAVING = 2.25;

/** Fewer channels or filters than this leave too little work per transform (VGG's 3-channel first layer). */
const MIN_CHANNELS = 8;

/**
 * Floats of a buffer of `planes` planes of `planeFloats` each, laid out as the kernels lay
 * them (simd/lanes.ts `planeBytes`, `filterPlaneBytes`): 16 floats (64 bytes) after each
 * plane, so that planes are never a multiple of 4 KiB apart, and 8 floats of slack at the
 * end, where the last 4-lane loads of a row may start inside and end past it.
 */
const planeBuffer = (planes: number, planeFloats: number): number => planes * (planeFloats + 16) + 8;

// CONVLENS_WINOGRAD=off runs the direct kernels for every convolution (bench/README.md
// compares the two in one benchmark run); read on first use (kernel-settings.ts).
let enabled: boolean | undefined;
let calls = 0;
let largeTileCalls = 0;

/** Winograd convolutions run so far in this process (forward, input and filter gradients): how tests know it ran. */
export function winogradCallCount(): number {
  return calls;
}

/** Of those, the ones that took F(4×4, 3×3). */
export function winograd4CallCount(): number {
  return largeTileCalls;
}

/**
 * Turns the Winograd path off (false) or on (true, the default unless CONVLENS_WINOGRAD=off)
 * for this process, so that tests and benchmarks can compare it with the direct kernels.
 */
export function setWinogradEnabled(on: boolean): void {
  enabled = on;
}

export function winogradEnabled(): boolean {
  return (enabled ??= winogradSetting());
}

export interface WinogradCandidate {
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly dilationHeight: number;
  readonly dilationWidth: number;
  readonly channels: number;
  readonly filters: number;
}

/** Whether a convolution of this geometry goes through Winograd: 3×3, stride 1, no dilation, ≥ 8 channels and filters. */
export function usesWinograd(g: WinogradCandidate): boolean {
  return winogradEnabled() && g.filterHeight === 3 && g.filterWidth === 3 && g.strideHeight === 1 && g.strideWidth === 1
    && g.dilationHeight === 1 && g.dilationWidth === 1 && g.channels >= MIN_CHANNELS && g.filters >= MIN_CHANNELS;
}

/** A [B, height, width, channels] tensor (its address in the call's place), placed at (top, left) in an otherwise zero field. */
interface Source {
  readonly address: number;
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly top: number;
  readonly left: number;
}

/**
 * Tiles per chunk. F(2×2): a chunk's 16 planes of transformed input and of products
 * (16 · chunk · (C' + F) floats) about 512 kB, the second-level cache of a current x64
 * core; at least 16 tiles, so that each block of the transformed filter read into the
 * first-level cache serves four register tiles or more. F(4×4), whose transformed filter
 * is 2.25× larger and read once per chunk: 28 to 56 tiles, the range measured fastest
 * here from 32 to 512 channels (16 tiles ran 1.5× slower at 128 channels, 112 tiles 1.9×
 * slower at 32).
 *
 * A part of under 1.5 such chunks of `tiles` takes them all in one: a last chunk of a few
 * tiles reads the whole transformed filter for them (36 MB at 512 × 512), which made
 * ResNet-18's 4 × 4 × 512 layers (32 tiles a part: 28 + 4) ~7% slower than one chunk of 32.
 * Chunks stay multiples of 4 (the products' register tiles are 4 rows).
 */
function chunkFor(channels: number, filters: number, tile: 2 | 4, tiles: number): number {
  const paddedChannels = Math.ceil(channels / 4) * 4;
  const planes = (tile + 2) ** 2;
  const fits = Math.floor(131072 / planes / (paddedChannels + filters) / 4) * 4;
  const preferred = tile === 4 ? Math.max(28, Math.min(56, fits)) : Math.max(16, Math.min(128, fits));
  return tiles < 1.5 * preferred ? Math.max(4, Math.ceil(tiles / 4) * 4) : preferred;
}

/**
 * Which tiling a convolution takes (forward, input gradient and filter gradient alike):
 * F(4×4, 3×3) (2.25 multiplies per output, larger transforms) for outputs of at least
 * 4 × 4, F(2×2, 3×3) (4 per output) for smaller ones, where most of a 4 × 4 tile would be
 * waste, and for the pooled form, whose tile is exactly one pooling window. Timed alone on
 * one thread here, batch 64, 'same' padding, F(4×4) took (forward / input gradient /
 * filter gradient) 0.55 / 0.55 / 0.51 of F(2×2)'s time at 32 × 32 × 32 channels,
 * 0.58 / 0.59 / 0.57 at 32 × 32 × 64, 0.60 / 0.61 / 0.60 at 16 × 16 × 128,
 * 0.64 / 0.67 / 0.62 at 8 × 8 × 256, 0.92 / 0.86 / 0.82 at 4 × 4 × 512, 0.5–0.7 at 8 and
 * 16 channels, and 3–5× F(2×2)'s at 2 × 2 × 512. `CONVLENS_WINOGRAD_TILE=2` or `4` forces
 * one (tests and benchmarks compare them).
 */
const MIN_OUTPUT_F4 = 4;
/** setWinogradTile's tile; CONVLENS_WINOGRAD_TILE's (read on first use) until it is called. */
let forcedTile: { readonly tile: 2 | 4 | undefined } | undefined;

/** Forces F(2×2) or F(4×4) for every unpooled convolution (undefined: by the output's size). */
export function setWinogradTile(tile: 2 | 4 | undefined): void {
  forcedTile = { tile };
}

/**
 * A filter-sized kernel (a filter transform, the rotation, the filter gradient's output
 * transform) split between the place's threads by input channel: `args` then the channel
 * range. On one thread, ResNet-18's transforms of its 512 × 512 filters left the second
 * core idle for 4% of a training step.
 */
function byChannels(place: KernelPlace, kernel: 'winogradFilter' | 'winograd4Filter' | 'rotateFilter' | 'winogradFilterGradientOutput' | 'winograd4FilterGradientOutput', channels: number, args: readonly number[]): void {
  place.run(kernel, splitWork(channels, place.threads).map(([first, count]) => [...args, first, first + count]));
}

function tileFor(outHeight: number, outWidth: number, pooled: boolean): 2 | 4 {
  if (pooled) return 2;
  const forced = (forcedTile ??= { tile: winogradTileSetting() }).tile;
  if (forced !== undefined) return forced;
  return outHeight >= MIN_OUTPUT_F4 && outWidth >= MIN_OUTPUT_F4 ? 4 : 2;
}

/**
 * y = the 3×3, stride-1 convolution of `source` with `filter` ([3, 3, C, F], readable 32
 * bytes past its end), output [B, outHeight, outWidth, F] at `output` (pooled: the 2 × 2
 * max pool of it), plus `bias` (an address, 0 for none), then ReLU when asked. Parts are
 * runs of whole images, each with its own scratch.
 */
function run(place: KernelPlace, source: Source, filter: number, filters: number, outHeight: number, outWidth: number, bias: number, output: number, withRelu: boolean, pooled: boolean): void {
  calls += 1;
  const { batch, channels } = source;
  const tile = tileFor(outHeight, outWidth, pooled);
  if (tile === 4) largeTileCalls += 1;
  const planes = (tile + 2) ** 2;
  const u = place.scratch(planeBuffer(planes, channels * filters));
  byChannels(place, tile === 4 ? 'winograd4Filter' : 'winogradFilter', channels, [filter, u, channels, filters]);
  const paddedChannels = Math.ceil(channels / 4) * 4;
  const imageFloats = source.height * source.width * channels;
  const outputFloats = (pooled ? Math.floor(outHeight / 2) * Math.floor(outWidth / 2) : outHeight * outWidth) * filters;
  const parts = splitWork(batch, place.threads);
  const tilesPerImage = Math.ceil(outHeight / tile) * Math.ceil(outWidth / tile);
  const chunk = chunkFor(channels, filters, tile, Math.max(...parts.map(([, images]) => images)) * tilesPerImage);
  // Each part's chunk of transformed tiles and of products, and a border tile's patch
  // ((tile + 2)² pixels of C channels).
  const scratch = parts.map(() => [
    place.scratch(planeBuffer(planes, chunk * paddedChannels)), place.scratch(planeBuffer(planes, chunk * filters)), place.scratch(planes * channels + 8),
  ] as const);
  const common = (first: number, images: number, part: number) => [
    source.address + first * imageFloats * 4, u, bias, output + first * outputFloats * 4, ...(scratch[part] as readonly [number, number, number]),
    images, source.height, source.width, source.top, source.left, channels, filters, outHeight, outWidth, chunk, withRelu ? 1 : 0,
  ];
  if (tile === 4) place.run('winograd4Convolve', parts.map(([first, images], part) => common(first, images, part)));
  else place.run('winogradConvolve', parts.map(([first, images], part) => [...common(first, images, part), pooled ? 1 : 0]));
}

/** A 3×3, stride-1 convolution's sizes: [B, inHeight, inWidth, C] → [B, outHeight, outWidth, F], padding (top, left) before. */
interface ConvolutionGeometry {
  /** Where the result goes (an address in the call's place). */
  readonly output: number;
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly channels: number;
  readonly filters: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly top: number;
  readonly left: number;
}

/** Every address below is in the call's place, readable 32 bytes past its end. */
export interface ForwardCall extends ConvolutionGeometry {
  readonly x: number;
  readonly filter: number;
  readonly bias: number;
  readonly withRelu: boolean;
  readonly pooled: boolean;
}

/** Conv2D / FusedConv2D / the pooled convolution by Winograd (the caller checked `usesWinograd`). */
export function winogradForward(place: KernelPlace, call: ForwardCall): void {
  const source = { address: call.x, batch: call.batch, height: call.inHeight, width: call.inWidth, channels: call.channels, top: call.top, left: call.left };
  run(place, source, call.filter, call.filters, call.outHeight, call.outWidth, call.bias, call.output, call.withRelu, call.pooled);
}

export interface FilterGradientCall extends ConvolutionGeometry {
  readonly x: number;
  readonly dy: number;
}

/**
 * Conv2DBackpropFilter by Winograd (simd/winograd.ts `winogradFilterGradient`): the sums
 * over tiles run in chunks of up to 8 MB of transformed input and output gradient, larger
 * than the forward pass's, because every chunk reads and writes all 16 · C · F sums.
 */
export function winogradFilterGradient(place: KernelPlace, call: FilterGradientCall): void {
  calls += 1;
  const { batch, channels, filters, outHeight, outWidth } = call;
  const tile = tileFor(outHeight, outWidth, false);
  if (tile === 4) largeTileCalls += 1;
  const planes = (tile + 2) ** 2;
  const paddedChannels = Math.ceil(channels / 4) * 4;
  const paddedFilters = Math.ceil(filters / 4) * 4;
  const parts = splitWork(batch, place.threads);
  const tiles = Math.ceil(batch / parts.length) * Math.ceil(outHeight / tile) * Math.ceil(outWidth / tile);
  const chunk = Math.max(16, Math.min(Math.ceil(tiles / 4) * 4, Math.floor((1 << 21) / (planes * (paddedChannels + paddedFilters)) / 4) * 4));
  const imageFloats = call.inHeight * call.inWidth * channels;
  const sumFloats = planeBuffer(planes, channels * filters);
  // Parts are runs of whole images, each summing into sums of its own, added up after; then
  // each part's chunks of transformed tiles and output gradients, and its border patch.
  const scratch = parts.map(() => [
    place.scratch(sumFloats), place.scratch(planeBuffer(planes, chunk * paddedChannels)),
    place.scratch(planeBuffer(planes, chunk * paddedFilters)), place.scratch(planes * channels + 8),
  ] as const);
  place.run(tile === 4 ? 'winograd4FilterGradient' : 'winogradFilterGradient', parts.map(([first, images], part) => [
    call.x + first * imageFloats * 4, call.dy + first * outHeight * outWidth * filters * 4, ...(scratch[part] as readonly [number, number, number, number]),
    images, call.inHeight, call.inWidth, call.top, call.left, channels, filters, outHeight, outWidth, chunk,
  ]));
  const sums = addPartialSums(place, scratch.map(([partial]) => partial), sumFloats);
  byChannels(place, tile === 4 ? 'winograd4FilterGradientOutput' : 'winogradFilterGradientOutput', channels, [sums, call.output, channels, filters]);
}

export interface InputGradientCall extends ConvolutionGeometry {
  readonly dy: number;
  /** The filter ([3, 3, C, F]). */
  readonly filter: number;
}

/** Whether the input gradient of this padding can go through Winograd (it pads dy by 2 − top, 2 − left). */
export function winogradInputGradientFits(top: number, left: number): boolean {
  return top <= 2 && left <= 2;
}

/**
 * Conv2DBackpropInput by Winograd: dx[b, r, s, c] = Σ_{i, j, f} dy[b, r + top − i, s + left − j, f] · w[i, j, c, f]
 * is the stride-1 convolution of dy, placed at (2 − top, 2 − left) in zeros, with the
 * filter rotated by 180° and its channel axes swapped; output [B, inHeight, inWidth, C].
 */
export function winogradInputGradient(place: KernelPlace, call: InputGradientCall): void {
  const rotated = place.scratch(9 * call.channels * call.filters + 8);
  byChannels(place, 'rotateFilter', call.channels, [call.filter, rotated, call.channels, call.filters]);
  const source = { address: call.dy, batch: call.batch, height: call.outHeight, width: call.outWidth, channels: call.filters, top: 2 - call.top, left: 2 - call.left };
  run(place, source, rotated, call.channels, call.inHeight, call.inWidth, 0, call.output, false, false);
}
