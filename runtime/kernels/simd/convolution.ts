// AssemblyScript, compiled to WebAssembly SIMD by `npm run build:kernels` (build.mjs here).
//
// The three convolution kernels of ConvLens's wasm backend: forward, filter gradient and
// input gradient of a 2-D convolution in channels-last layout (NHWC tensors, filters
// [KH, KW, C, F]). The module imports the memory of tfjs-backend-wasm's own instance, so
// it reads and writes tensors where tfjs keeps them: every pointer below is a byte offset
// into that heap, and nothing here allocates (no runtime, no data segment; build.mjs
// checks both).
//
// Why by hand: XNNPACK, which tfjs-backend-wasm uses for its convolutions, is tuned for
// many channels (LeNet's 1 → 6 convolution runs at ~6 GMAC/s there) and tfjs has no
// filter gradient for wasm; building one from XNNPACK convolutions needs transposes that
// cost more than the arithmetic (bench/README.md). No maintained library provides these
// kernels for WebAssembly.
//
// Conventions shared by the three kernels:
// - The input side is given padded: `padded` is [B, paddedHeight, paddedWidth, C] with the
//   convolution's padding already in place (zeros), so no kernel checks bounds. The caller
//   makes that copy only when the padding is not zero.
// - Vectors run along the filters (F) in the forward pass and filter gradient, 8 lanes
//   (two f32x4) at a time. When F is not a multiple of 8 the last lanes read whatever
//   follows in memory and are never stored; the caller guarantees that 32 bytes after
//   every input are inside the heap.
// - Register tiles are 4 × 8: four output pixels (or four taps) by eight filters, i.e.
//   eight accumulators, so that V8 keeps them in registers (x64 has 16 vector registers).

import { multiplyAdd, relu, storeLanes, storeTile } from './lanes';

/**
 * Output pixels per pass of `convolve` and `inputGradient`: each block of the filter is
 * used for this many pixels while it stays cached, instead of being read from memory again
 * every 4 pixels (DCGAN's 4×4×64 → 128 filter is 512 KB).
 */
const REUSE_CHUNK = 64;

/**
 * Taps per pass of `convolve`: a pass's block of the filter for 8 filters (512 × 8 floats,
 * 16 KB) stays in the first-level cache for every pixel of the chunk. ResNet-18's stride-2
 * 256 → 512 layer has 2,304 taps, whose 74 KB blocks ran at 15 GMAC/s from the
 * second-level cache, against 24 for 576 taps; later passes add to the earlier passes' sums.
 */
const TAP_BLOCK = 512;

/**
 * y[b, p, q, f] = bias[f] + Σ_{i, j, c} padded[b, p·sh + i·dh, q·sw + j·dw, c] · w[i, j, c, f],
 * then max(·, 0) when `withRelu`. `bias` 0 means none.
 *
 * `windows` holds each output pixel's window start in `padded` (byte offsets, i32) and
 * `taps` each tap's byte offset inside a window, in the filter's (i, j, c) order: the
 * caller computes both, so that the loops here are flat (nested loops over i, j and a
 * short c made V8's code 4× slower than this flat form).
 *
 * With `pooled`, a 2 × 2 max pool (stride 2) follows (inference only: the full-size
 * output is never written): `windows` then lists the four pixels of each pooling window
 * in turn, and output pixel t is the maximum of tile t's four. (A NaN activation gives a
 * NaN here where tfjs's max pool skips it; only a model that is already NaN sees it.) The
 * pooled form takes all taps in one pass: its output has no room for a pixel's partial sums.
 */
export function convolve(
  padded: usize, filter: usize, bias: usize, output: usize,
  windows: usize, windowCount: i32, taps: usize, tapCount: i32, filters: i32, withRelu: bool, pooled: bool,
): void {
  const tapStep = <usize>filters << 2;
  const last = windowCount - 1;
  const tiles = pooled ? windowCount >> 2 : (windowCount + 3) >> 2;
  const tilesPerChunk = REUSE_CHUNK >> 2;
  const tapBlock = pooled ? tapCount : TAP_BLOCK;
  for (let chunk = 0; chunk < tiles; chunk += tilesPerChunk) {
    const chunkEnd = min(chunk + tilesPerChunk, tiles);
    for (let blockStart = 0; blockStart < tapCount; blockStart += tapBlock) {
      const blockEnd = min(blockStart + tapBlock, tapCount);
      const firstBlock = blockStart == 0;
      const lastBlock = blockEnd == tapCount;
      const tapEnd = taps + (<usize>blockEnd << 2);
      for (let lane = 0; lane < filters; lane += 8) {
        const lanes = min(filters - lane, 8);
        for (let index = chunk; index < chunkEnd; index++) {
          // A last tile past the end repeats the last pixel in rows that are never stored.
          const tile = index << 2;
          const x0 = padded + load<i32>(windows + (<usize>tile << 2));
          const x1 = padded + load<i32>(windows + (<usize>min(tile + 1, last) << 2));
          const x2 = padded + load<i32>(windows + (<usize>min(tile + 2, last) << 2));
          const x3 = padded + load<i32>(windows + (<usize>min(tile + 3, last) << 2));
          const y0 = output + (((<usize>tile * filters) + lane) << 2);
          let a0 = f32x4.splat(0), b0 = f32x4.splat(0), a1 = f32x4.splat(0), b1 = f32x4.splat(0);
          let a2 = f32x4.splat(0), b2 = f32x4.splat(0), a3 = f32x4.splat(0), b3 = f32x4.splat(0);
          if (!firstBlock) {
            // The earlier passes' sums (rows past the last pixel reread the last one).
            const y1 = y0 + (tile + 1 <= last ? tapStep : 0);
            const y2 = y0 + (tile + 2 <= last ? 2 * tapStep : 0);
            const y3 = y0 + (tile + 3 <= last ? 3 * tapStep : 0);
            a0 = v128.load(y0); b0 = v128.load(y0, 16); a1 = v128.load(y1); b1 = v128.load(y1, 16);
            a2 = v128.load(y2); b2 = v128.load(y2, 16); a3 = v128.load(y3); b3 = v128.load(y3, 16);
          } else if (bias != 0) {
            const low = v128.load(bias + (<usize>lane << 2));
            const high = v128.load(bias + (<usize>lane << 2), 16);
            a0 = low; a1 = low; a2 = low; a3 = low;
            b0 = high; b1 = high; b2 = high; b3 = high;
          }
          let w = filter + <usize>blockStart * tapStep + (<usize>lane << 2);
          for (let tap = taps + (<usize>blockStart << 2); tap < tapEnd; tap += 4, w += tapStep) {
            const offset = <usize>load<i32>(tap);
            const low = v128.load(w);
            const high = v128.load(w, 16);
            let x = v128.load32_splat(x0 + offset);
            a0 = multiplyAdd(a0, x, low); b0 = multiplyAdd(b0, x, high);
            x = v128.load32_splat(x1 + offset);
            a1 = multiplyAdd(a1, x, low); b1 = multiplyAdd(b1, x, high);
            x = v128.load32_splat(x2 + offset);
            a2 = multiplyAdd(a2, x, low); b2 = multiplyAdd(b2, x, high);
            x = v128.load32_splat(x3 + offset);
            a3 = multiplyAdd(a3, x, low); b3 = multiplyAdd(b3, x, high);
          }
          if (pooled) {
            // max then ReLU equals ReLU then max.
            let low = f32x4.max(f32x4.max(a0, a1), f32x4.max(a2, a3));
            let high = f32x4.max(f32x4.max(b0, b1), f32x4.max(b2, b3));
            if (withRelu) {
              low = relu(low);
              high = relu(high);
            }
            storeLanes(output + (((<usize>index * filters) + lane) << 2), low, high, lanes);
            continue;
          }
          if (withRelu && lastBlock) {
            a0 = relu(a0); b0 = relu(b0); a1 = relu(a1); b1 = relu(b1);
            a2 = relu(a2); b2 = relu(b2); a3 = relu(a3); b3 = relu(b3);
          }
          storeTile(y0, tapStep, tile, last, lanes, a0, b0, a1, b1, a2, b2, a3, b3);
        }
      }
    }
  }
}

/** Output pixels per pass of `filterGradient`: their dy rows stay in the first-level caches. */
const PIXEL_CHUNK = 256;

/**
 * Filters per pass of `filterGradient`: a chunk's output gradient for them (256 pixels × 64
 * filters, 64 KB) stays in the second-level cache while every tile of taps reads it.
 * Whole rows of 512 filters (512 KB) were read from further out once per tile of taps:
 * ResNet-18's stride-2 layers' filter gradients took 5–10% longer (59.5 → 55.2 ms at
 * 64 → 128 filters, 65.0 → 61.5 ms at 256 → 512, one core).
 */
const FILTER_BLOCK = 64;

/**
 * dw[i, j, c, f] = Σ_{b, p, q} padded[b, p·sh + i·dh, q·sw + j·dw, c] · dy[b, p, q, f]:
 * four taps (i, j, c) by eight filters per tile, summed over the output pixels
 * (`windows` and `taps` as for `convolve`) chunk by chunk — every tile of a chunk before
 * the next chunk, so dy is read from memory once, not once per tile (VGG's 32-filter
 * layers read 8 MB of dy 288 times without it) — into `sums`, which the caller zeroes
 * ([taps, filters] plus 8 floats of slack: the last tile's 8-lane loads).
 */
export function filterGradient(
  padded: usize, outputGradient: usize, sums: usize,
  windows: usize, pixels: i32, taps: usize, tapCount: i32, filters: i32,
): void {
  const dyPixelStep = <usize>filters << 2;
  const lastTap = tapCount - 1;
  for (let chunk = 0; chunk < pixels; chunk += PIXEL_CHUNK) {
    const windowStart = windows + (<usize>chunk << 2);
    const windowEnd = windows + (<usize>min(chunk + PIXEL_CHUNK, pixels) << 2);
    const dyStart = outputGradient + <usize>chunk * dyPixelStep;
    for (let laneStart = 0; laneStart < filters; laneStart += FILTER_BLOCK) {
      const laneEnd = min(laneStart + FILTER_BLOCK, filters);
      for (let tile = 0; tile < tapCount; tile += 4) {
        // A last tile past the end repeats the last tap in rows that are never stored.
        const o0 = padded + load<i32>(taps + (<usize>tile << 2));
        const o1 = padded + load<i32>(taps + (<usize>min(tile + 1, lastTap) << 2));
        const o2 = padded + load<i32>(taps + (<usize>min(tile + 2, lastTap) << 2));
        const o3 = padded + load<i32>(taps + (<usize>min(tile + 3, lastTap) << 2));
        for (let lane = laneStart; lane < laneEnd; lane += 8) {
          const row = sums + (((<usize>tile * filters) + lane) << 2);
          const row1 = row + (tile + 1 <= lastTap ? dyPixelStep : 0);
          const row2 = row + (tile + 2 <= lastTap ? 2 * dyPixelStep : 0);
          const row3 = row + (tile + 3 <= lastTap ? 3 * dyPixelStep : 0);
          let a0 = v128.load(row), b0 = v128.load(row, 16), a1 = v128.load(row1), b1 = v128.load(row1, 16);
          let a2 = v128.load(row2), b2 = v128.load(row2, 16), a3 = v128.load(row3), b3 = v128.load(row3, 16);
          let dy = dyStart + (<usize>lane << 2);
          for (let window = windowStart; window < windowEnd; window += 4, dy += dyPixelStep) {
            const x = <usize>load<i32>(window);
            const low = v128.load(dy);
            const high = v128.load(dy, 16);
            let v = v128.load32_splat(x + o0);
            a0 = multiplyAdd(a0, v, low); b0 = multiplyAdd(b0, v, high);
            v = v128.load32_splat(x + o1);
            a1 = multiplyAdd(a1, v, low); b1 = multiplyAdd(b1, v, high);
            v = v128.load32_splat(x + o2);
            a2 = multiplyAdd(a2, v, low); b2 = multiplyAdd(b2, v, high);
            v = v128.load32_splat(x + o3);
            a3 = multiplyAdd(a3, v, low); b3 = multiplyAdd(b3, v, high);
          }
          storeTile(row, dyPixelStep, tile, lastTap, min(filters - lane, 8), a0, b0, a1, b1, a2, b2, a3, b3);
        }
      }
    }
  }
}

/**
 * dx_padded[b, p·sh + i·dh, q·sw + j·dw, c] += Σ_f dy[b, p, q, f] · w[i, j, c, f], added
 * into `paddedGradient` (zeroed by the caller, [B, paddedHeight, paddedWidth, C] plus 8
 * floats of slack) pixel by pixel: a matrix product dy · wᵀ whose columns go straight to
 * their place in the window (col2im fused into the product, no column buffer).
 *
 * The taps are cut into runs that are contiguous in a window (a kernel row when dw = 1,
 * else one tap's C channels), and runs into blocks of 8 taps. `runs` holds per run: its
 * first block, its byte offset inside the window, its count of blocks and the lanes its
 * last block uses (1…8; only those are added, so an Inf in dy cannot spill 0·Inf = NaN
 * past the run). `packedFilter` is [blocks, F, 8]: wᵀ block by block, each run
 * zero-padded to whole blocks, so that the F rows of one block are contiguous. Pixels go in chunks of REUSE_CHUNK, every block for a
 * chunk before the next chunk: a block's weights are read from memory once per chunk, not
 * once per 4 pixels (DCGAN's 128 → 64 filter is 512 KB).
 */
export function inputGradient(
  outputGradient: usize, packedFilter: usize, runs: usize, runCount: i32, paddedGradient: usize,
  windows: usize, pixels: i32, filters: i32,
): void {
  const blockBytes = <usize>filters << 5;
  const rowBytes = <usize>filters << 2;
  for (let chunk = 0; chunk < pixels; chunk += REUSE_CHUNK) {
    const chunkEnd = min(chunk + REUSE_CHUNK, pixels);
    // A register tile's four pixels are a quarter of the chunk apart, not neighbours:
    // neighbouring windows overlap when C is small (LeNet's 6 channels: 24 bytes apart), and
    // each pixel's read-add-write then loaded what the store before it had just written
    // in part, a load the processor cannot forward from the pending store and must wait
    // for. Pixels past 4 · quarter go one by one.
    const quarter = (chunkEnd - chunk) >> 2;
    const quarterBytes = <usize>quarter * rowBytes;
    const quarterWindows = <usize>quarter << 2;
    for (let run = 0; run < runCount; run++) {
      const entry = runs + ((<usize>run * 4) << 2);
      const firstBlock = load<i32>(entry);
      const offset = <usize>load<i32>(entry, 4);
      const blocks = load<i32>(entry, 8);
      const lastLanes = load<i32>(entry, 12);
      for (let block = 0; block < blocks; block++) {
        const weights = packedFilter + <usize>(firstBlock + block) * blockBytes;
        const at = offset + ((<usize>block * 8) << 2);
        const lanes = block == blocks - 1 ? lastLanes : 8;
        for (let first = chunk; first < chunk + quarter; first++) {
          const dy0 = outputGradient + ((<usize>first * filters) << 2);
          const dy1 = dy0 + quarterBytes;
          const dy2 = dy1 + quarterBytes;
          const dy3 = dy2 + quarterBytes;
          let a0 = f32x4.splat(0), b0 = f32x4.splat(0), a1 = f32x4.splat(0), b1 = f32x4.splat(0);
          let a2 = f32x4.splat(0), b2 = f32x4.splat(0), a3 = f32x4.splat(0), b3 = f32x4.splat(0);
          let w = weights;
          for (let f: usize = 0; f < <usize>(filters << 2); f += 4, w += 32) {
            const low = v128.load(w);
            const high = v128.load(w, 16);
            let d = v128.load32_splat(dy0 + f);
            a0 = multiplyAdd(a0, d, low); b0 = multiplyAdd(b0, d, high);
            d = v128.load32_splat(dy1 + f);
            a1 = multiplyAdd(a1, d, low); b1 = multiplyAdd(b1, d, high);
            d = v128.load32_splat(dy2 + f);
            a2 = multiplyAdd(a2, d, low); b2 = multiplyAdd(b2, d, high);
            d = v128.load32_splat(dy3 + f);
            a3 = multiplyAdd(a3, d, low); b3 = multiplyAdd(b3, d, high);
          }
          const window = windows + (<usize>first << 2);
          addInto(paddedGradient + <usize>load<i32>(window) + at, a0, b0, lanes);
          addInto(paddedGradient + <usize>load<i32>(window + quarterWindows) + at, a1, b1, lanes);
          addInto(paddedGradient + <usize>load<i32>(window + 2 * quarterWindows) + at, a2, b2, lanes);
          addInto(paddedGradient + <usize>load<i32>(window + 3 * quarterWindows) + at, a3, b3, lanes);
        }
        for (let first = chunk + 4 * quarter; first < chunkEnd; first++) {
          const dy0 = outputGradient + ((<usize>first * filters) << 2);
          let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
          let w = weights;
          for (let f: usize = 0; f < <usize>(filters << 2); f += 4, w += 32) {
            const d = v128.load32_splat(dy0 + f);
            a0 = multiplyAdd(a0, d, v128.load(w));
            b0 = multiplyAdd(b0, d, v128.load(w, 16));
          }
          addInto(paddedGradient + <usize>load<i32>(windows + (<usize>first << 2)) + at, a0, b0, lanes);
        }
      }
    }
  }
}

/** Adds the first `lanes` (1…8) of (low, high) to the floats at `pointer`. */
@inline function addInto(pointer: usize, low: v128, high: v128, lanes: i32): void {
  storeLanes(pointer, f32x4.add(v128.load(pointer), low), f32x4.add(v128.load(pointer, 16), high), lanes);
}

/**
 * padded[b, top + r, left + s, :] = x[b, r, s, :], zeros elsewhere: the padded input the
 * kernels above read, made with one block copy per row (bulk memory), not element by element,
 * and zeros written only around the copy (filling the whole field first wrote most of it
 * twice: ResNet-18 spent 6% of a training step here).
 */
export function padInto(x: usize, padded: usize, batch: i32, height: i32, width: i32, channels: i32, paddedHeight: i32, paddedWidth: i32, top: i32, left: i32): void {
  const pixelBytes = <usize>channels << 2;
  const rowBytes = <usize>width * pixelBytes;
  const paddedRowBytes = <usize>paddedWidth * pixelBytes;
  const leftBytes = <usize>left * pixelBytes;
  const rightBytes = paddedRowBytes - leftBytes - rowBytes;
  const belowBytes = <usize>(paddedHeight - top - height) * paddedRowBytes;
  let source = x;
  let target = padded;
  for (let b = 0; b < batch; b++) {
    memory.fill(target, 0, <usize>top * paddedRowBytes);
    target += <usize>top * paddedRowBytes;
    for (let r = 0; r < height; r++, source += rowBytes, target += paddedRowBytes) {
      memory.fill(target, 0, leftBytes);
      memory.copy(target + leftBytes, source, rowBytes);
      memory.fill(target + leftBytes + rowBytes, 0, rightBytes);
    }
    memory.fill(target, 0, belowBytes);
    target += belowBytes;
  }
}

/** x[b, r, s, :] = padded[b, top + r, left + s, :]: the interior of a padded tensor (the inverse of padInto). */
export function cropFrom(padded: usize, x: usize, batch: i32, height: i32, width: i32, channels: i32, paddedHeight: i32, paddedWidth: i32, top: i32, left: i32): void {
  const rowBytes = <usize>(width * channels) << 2;
  const paddedRowBytes = <usize>(paddedWidth * channels) << 2;
  let target = x;
  for (let b = 0; b < batch; b++) {
    let source = padded + (<usize>(b * paddedHeight + top) * paddedRowBytes) + (<usize>(left * channels) << 2);
    for (let r = 0; r < height; r++, target += rowBytes, source += paddedRowBytes) memory.copy(target, source, rowBytes);
  }
}

/**
 * `convolve` for one input channel at column stride 1 (a grey-scale network's first layer,
 * LeNet's 1 → 6): vectors run along the output row instead of the filters, 16 pixels by 2
 * filters per tile, so that a filter count like 6 wastes no lanes (8-lane filter vectors
 * would compute 8); then each tile is interleaved to the [pixel, filter] order of the
 * output. Needs outWidth ≥ 16.
 *
 * `rows` holds the window start (bytes) of each output row's first pixel; `taps` as for
 * `convolve`. With an odd filter count, the last tile's second filter reads whatever
 * follows and is never stored.
 *
 * With `pooled`, a 2 × 2 max pool (stride 2) follows, as in `convolve`: `rows` then lists
 * the 2·⌊OH/2⌋ rows of each image that the pool reads and `outWidth` is the even width it
 * reads (2·⌊OW/2⌋). Adjacent lanes are maxed within a tile (16 pixels → 8 pooled ones); an
 * even row stores its result and the odd row after it maxes into it.
 */
export function convolveSingleChannel(
  padded: usize, filter: usize, bias: usize, output: usize,
  rows: usize, rowCount: i32, outWidth: i32, taps: usize, tapCount: i32, filters: i32, withRelu: bool, pooled: bool,
): void {
  const tapEnd = taps + (<usize>tapCount << 2);
  const filterStep = <usize>filters << 2;
  const pooledWidth = outWidth >> 1;
  for (let row = 0; row < rowCount; row++) {
    const rowStart = padded + <usize>load<i32>(rows + (<usize>row << 2));
    const firstPixel = pooled ? (row >> 1) * pooledWidth : row * outWidth;
    const intoEvenRow = pooled && (row & 1) != 0;
    for (let start = 0; start < outWidth; start += 16) {
      // The last block may overlap the one before it: recomputed pixels store the same values
      // (pooled, maxing a value into itself again). outWidth is even when pooled, so q is too.
      const q = min(start, outWidth - 16);
      const x = rowStart + (<usize>q << 2);
      for (let group = 0; group < filters; group += 2) {
        const groupOffset = <usize>group << 2;
        // f: the group's first filter at pixels q…q+15, four at a time; g: its second.
        let f0 = f32x4.splat(0), f1 = f32x4.splat(0), f2 = f32x4.splat(0), f3 = f32x4.splat(0);
        let g0 = f32x4.splat(0), g1 = f32x4.splat(0), g2 = f32x4.splat(0), g3 = f32x4.splat(0);
        if (bias != 0) {
          f0 = v128.load32_splat(bias + groupOffset); f1 = f0; f2 = f0; f3 = f0;
          g0 = v128.load32_splat(bias + groupOffset, 4); g1 = g0; g2 = g0; g3 = g0;
        }
        let w = filter + groupOffset;
        for (let tap = taps; tap < tapEnd; tap += 4, w += filterStep) {
          const at = x + <usize>load<i32>(tap);
          const wf = v128.load32_splat(w);
          const wg = v128.load32_splat(w, 4);
          let v = v128.load(at);
          f0 = multiplyAdd(f0, v, wf); g0 = multiplyAdd(g0, v, wg);
          v = v128.load(at, 16);
          f1 = multiplyAdd(f1, v, wf); g1 = multiplyAdd(g1, v, wg);
          v = v128.load(at, 32);
          f2 = multiplyAdd(f2, v, wf); g2 = multiplyAdd(g2, v, wg);
          v = v128.load(at, 48);
          f3 = multiplyAdd(f3, v, wf); g3 = multiplyAdd(g3, v, wg);
        }
        if (withRelu) {
          f0 = relu(f0); f1 = relu(f1); f2 = relu(f2); f3 = relu(f3);
          g0 = relu(g0); g1 = relu(g1); g2 = relu(g2); g3 = relu(g3);
        }
        const lanes = min(filters - group, 2);
        if (pooled) {
          const y = output + ((<usize>(firstPixel + (q >> 1)) * filters + group) << 2);
          storeInterleaved(y, pairMax(f0, f1), pairMax(g0, g1), filterStep, lanes, intoEvenRow);
          storeInterleaved(y + 4 * filterStep, pairMax(f2, f3), pairMax(g2, g3), filterStep, lanes, intoEvenRow);
          continue;
        }
        const y = output + ((<usize>(firstPixel + q) * filters + group) << 2);
        storeInterleaved(y, f0, g0, filterStep, lanes, false);
        storeInterleaved(y + 4 * filterStep, f1, g1, filterStep, lanes, false);
        storeInterleaved(y + 8 * filterStep, f2, g2, filterStep, lanes, false);
        storeInterleaved(y + 12 * filterStep, f3, g3, filterStep, lanes, false);
      }
    }
  }
}

/** The maxima of adjacent pixels of one filter: lanes (0, 1), (2, 3) of `low`, then of `high`. */
@inline function pairMax(low: v128, high: v128): v128 {
  return f32x4.max(i32x4.shuffle(low, high, 0, 2, 4, 6), i32x4.shuffle(low, high, 1, 3, 5, 7));
}

/**
 * Stores two filters' vectors over four pixels (f = the first filter at pixels 0–3, g the
 * second) in [pixel, filter] order: pixel k's pair at pointer + k·pixelStep, only its first
 * filter when `lanes` is 1; with `maxInto`, the maximum of those and the values there.
 */
@inline function storeInterleaved(pointer: usize, f: v128, g: v128, pixelStep: usize, lanes: i32, maxInto: bool): void {
  storePair(pointer, i32x4.shuffle(f, g, 0, 4, 0, 4), lanes, maxInto);
  storePair(pointer + pixelStep, i32x4.shuffle(f, g, 1, 5, 1, 5), lanes, maxInto);
  storePair(pointer + 2 * pixelStep, i32x4.shuffle(f, g, 2, 6, 2, 6), lanes, maxInto);
  storePair(pointer + 3 * pixelStep, i32x4.shuffle(f, g, 3, 7, 3, 7), lanes, maxInto);
}

@inline function storePair(pointer: usize, value: v128, lanes: i32, maxInto: bool): void {
  if (lanes >= 2) {
    // Reads only the lanes it writes: the output may end right after them.
    if (maxInto) value = f32x4.max(value, v128.load64_zero(pointer));
    v128.store64_lane(pointer, value, 0);
    return;
  }
  if (maxInto) value = f32x4.max(value, v128.load32_zero(pointer));
  v128.store32_lane(pointer, value, 0);
}
