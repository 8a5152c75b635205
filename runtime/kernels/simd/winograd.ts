// AssemblyScript (see convolution.ts for the conventions): Winograd's minimal filtering
// F(2×2, 3×3) for 3×3, stride-1 convolutions (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016). Each 2 × 2 block of output pixels ("tile") comes
// from a 4 × 4 patch d of the padded input as Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A: 16
// multiplications per tile and channel pair instead of the direct form's 36, 2.25× less
// arithmetic. The products for all tiles are 16 independent matrix products
// M_k = V_k · U_k ([tiles, C] · [C, F]), in the 4 × 8 register tiles of the other kernels; the transforms around them are
// additions only, in SIMD along the channels (input) or the filters (output, filter).
//
// Why by hand: no maintained WebAssembly library offers a Winograd convolution on memory
// it does not own (XNNPACK has none for 3×3 in its wasm build's public operators, and it
// repacks weights per call); see the simd README.
//
// Tiles go in chunks sized by the caller so that a chunk's transformed input V
// ([16, chunk, C'] with C' = C rounded up to 4) and products M ([16, chunk, F]) stay in
// the caches between the three steps, instead of streaming 4× the activations through memory.

import { filterPlaneBytes, multiplyAdd, planeBytes, relu, storeTile } from './lanes';
import { transposeRows } from './matmul';

/**
 * u[k, c, f] = (G g_{c,f} Gᵀ)[k / 4, k % 4] for the 3 × 3 filter g_{c,f}[i, j] =
 * filter[i, j, c, f] ([3, 3, C, F], channels last), with G = [[1, 0, 0], [½, ½, ½],
 * [½, −½, ½], [0, 0, 1]]. Planes of u are `filterPlaneBytes` apart (16·(C·F + 16) floats
 * in all). Vectors run along f; a last partial vector stores only its lanes (the next row
 * follows directly). Reads up to 12 bytes past the filter's end. Channels `firstChannel` ≤ c < `endChannel` only (the threads' shares).
 */
export function winogradFilter(filter: usize, u: usize, channels: i32, filters: i32, firstChannel: i32, endChannel: i32): void {
  const tapBytes = <usize>(channels * filters) << 2;
  const plane = filterPlaneBytes(channels, filters);
  const half = f32x4.splat(0.5);
  for (let c = firstChannel; c < endChannel; c++) {
    for (let f = 0; f < filters; f += 4) {
      const at = filter + ((<usize>(c * filters + f)) << 2);
      const g00 = v128.load(at), g01 = v128.load(at + tapBytes), g02 = v128.load(at + 2 * tapBytes);
      const g10 = v128.load(at + 3 * tapBytes), g11 = v128.load(at + 4 * tapBytes), g12 = v128.load(at + 5 * tapBytes);
      const g20 = v128.load(at + 6 * tapBytes), g21 = v128.load(at + 7 * tapBytes), g22 = v128.load(at + 8 * tapBytes);
      // G g: 4 × 3, column by column.
      const r10 = f32x4.mul(half, f32x4.add(f32x4.add(g00, g10), g20));
      const r11 = f32x4.mul(half, f32x4.add(f32x4.add(g01, g11), g21));
      const r12 = f32x4.mul(half, f32x4.add(f32x4.add(g02, g12), g22));
      const r20 = f32x4.mul(half, f32x4.add(f32x4.sub(g00, g10), g20));
      const r21 = f32x4.mul(half, f32x4.add(f32x4.sub(g01, g11), g21));
      const r22 = f32x4.mul(half, f32x4.add(f32x4.sub(g02, g12), g22));
      const lanes = min(filters - f, 4);
      const out = u + ((<usize>(c * filters + f)) << 2);
      // (G g) Gᵀ: row r of the 4 × 3 becomes row r of the 4 × 4, k = 4r + s.
      filterRow(out, plane, 0, g00, g01, g02, half, lanes);
      filterRow(out, plane, 4, r10, r11, r12, half, lanes);
      filterRow(out, plane, 8, r20, r21, r22, half, lanes);
      filterRow(out, plane, 12, g20, g21, g22, half, lanes);
    }
  }
}

@inline function filterRow(out: usize, plane: usize, k: i32, a: v128, b: v128, c: v128, half: v128, lanes: i32): void {
  storeFirst(out + <usize>k * plane, a, lanes);
  storeFirst(out + <usize>(k + 1) * plane, f32x4.mul(half, f32x4.add(f32x4.add(a, b), c)), lanes);
  storeFirst(out + <usize>(k + 2) * plane, f32x4.mul(half, f32x4.add(f32x4.sub(a, b), c)), lanes);
  storeFirst(out + <usize>(k + 3) * plane, c, lanes);
}

/**
 * out[i, j, f, c] = filter[2 − i, 2 − j, c, f]: the 3 × 3 filter of the input gradient
 * (a stride-1 convolution's input gradient is the convolution of the padded output
 * gradient with the filter rotated by 180° and its two channel axes swapped): each tap's
 * C × F matrix transposed (matmul.ts `transposeRows`), taps in reverse order. Channels
 * `firstChannel` ≤ c < `endChannel` of the filter only (the threads' shares).
 */
export function rotateFilter(filter: usize, out: usize, channels: i32, filters: i32, firstChannel: i32, endChannel: i32): void {
  const tapBytes = <usize>(channels * filters) << 2;
  for (let tap = 0; tap < 9; tap++) {
    transposeRows(filter + <usize>(8 - tap) * tapBytes, out + <usize>tap * tapBytes, channels, filters, firstChannel, endChannel);
  }
}

/**
 * y[b, p, q, f] = bias[f] + Σ_{i, j, c} x[b, p + i − top, q + j − left, c] · w[i, j, c, f]
 * for p < outHeight, q < outWidth, x zero outside its [B, height, width, C] (then max(·, 0)
 * when `withRelu`), with u = winogradFilter(w). `bias` 0 means none. x is read where it
 * is: no padded copy (see `patchOrigin`); readable 12 bytes past its end.
 *
 * With `pooled`, a 2 × 2, stride-2 max pool follows and only it is written
 * ([B, ⌊outHeight/2⌋, ⌊outWidth/2⌋, F]): a tile is exactly one pooling window.
 *
 * Scratch (the caller's, with 32 bytes of slack each): `v` 16·(chunk·C' + 16) floats, `m`
 * 16·(chunk·F + 16) floats, `patch` 16·C floats, where C' = C rounded up to a multiple of
 * 4 and `chunk` (a multiple of 4) the tiles transformed at a time (16 floats per plane:
 * lanes.ts `planeBytes`).
 */
export function winogradConvolve(
  x: usize, u: usize, bias: usize, output: usize, v: usize, m: usize, patch: usize,
  batch: i32, height: i32, width: i32, top: i32, left: i32, channels: i32, filters: i32,
  outHeight: i32, outWidth: i32, chunk: i32, withRelu: bool, pooled: bool,
): void {
  const tilesHigh = (outHeight + 1) >> 1;
  const tilesWide = (outWidth + 1) >> 1;
  const tilesPerImage = tilesHigh * tilesWide;
  const tiles = batch * tilesPerImage;
  const paddedChannels = (channels + 3) & ~3;
  const pixelBytes = <usize>channels << 2;
  for (let first = 0; first < tiles; first += chunk) {
    const count = min(chunk, tiles - first);
    const vPlane = planeBytes(count, paddedChannels);
    const mPlane = planeBytes(count, filters);
    transformInputs(x, v, patch, first, count, tilesPerImage, tilesWide, height, width, top, left, pixelBytes, channels, paddedChannels, vPlane);
    // M_k = V_k · U_k: [count, C] (rows C' apart) · [C, F].
    const uPlane = filterPlaneBytes(channels, filters);
    for (let k = 0; k < 16; k++) {
      products(v + <usize>k * vPlane, u + <usize>k * uPlane, m + <usize>k * mPlane, count, channels, paddedChannels, filters);
    }
    // Aᵀ M A, Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]], plus the bias, ReLU, and the pool or the 2 × 2 pixels.
    for (let t = 0; t < count; t++) {
      const tile = first + t;
      const b = tile / tilesPerImage;
      const within = tile - b * tilesPerImage;
      const th = within / tilesWide;
      const tw = within - th * tilesWide;
      const down = 2 * th + 1 < outHeight;
      const right = 2 * tw + 1 < outWidth;
      if (pooled && (!down || !right)) continue;
      const source = m + ((<usize>(t * filters)) << 2);
      for (let f = 0; f < filters; f += 4) {
        const at = source + (<usize>f << 2);
        const m0 = v128.load(at), m1 = v128.load(at + mPlane), m2 = v128.load(at + 2 * mPlane), m3 = v128.load(at + 3 * mPlane);
        const m4 = v128.load(at + 4 * mPlane), m5 = v128.load(at + 5 * mPlane), m6 = v128.load(at + 6 * mPlane), m7 = v128.load(at + 7 * mPlane);
        const m8 = v128.load(at + 8 * mPlane), m9 = v128.load(at + 9 * mPlane), m10 = v128.load(at + 10 * mPlane), m11 = v128.load(at + 11 * mPlane);
        const m12 = v128.load(at + 12 * mPlane), m13 = v128.load(at + 13 * mPlane), m14 = v128.load(at + 14 * mPlane), m15 = v128.load(at + 15 * mPlane);
        // Aᵀ M: two rows of four.
        const s0 = f32x4.add(f32x4.add(m0, m4), m8), s1 = f32x4.add(f32x4.add(m1, m5), m9);
        const s2 = f32x4.add(f32x4.add(m2, m6), m10), s3 = f32x4.add(f32x4.add(m3, m7), m11);
        const e0 = f32x4.sub(f32x4.sub(m4, m8), m12), e1 = f32x4.sub(f32x4.sub(m5, m9), m13);
        const e2 = f32x4.sub(f32x4.sub(m6, m10), m14), e3 = f32x4.sub(f32x4.sub(m7, m11), m15);
        // (Aᵀ M) A.
        let y00 = f32x4.add(f32x4.add(s0, s1), s2), y01 = f32x4.sub(f32x4.sub(s1, s2), s3);
        let y10 = f32x4.add(f32x4.add(e0, e1), e2), y11 = f32x4.sub(f32x4.sub(e1, e2), e3);
        const lanes = min(filters - f, 4);
        if (bias != 0) {
          const beta = v128.load(bias + (<usize>f << 2));
          y00 = f32x4.add(y00, beta); y01 = f32x4.add(y01, beta);
          y10 = f32x4.add(y10, beta); y11 = f32x4.add(y11, beta);
        }
        if (pooled) {
          // max then ReLU equals ReLU then max.
          let top = f32x4.max(f32x4.max(y00, y01), f32x4.max(y10, y11));
          if (withRelu) top = relu(top);
          const pixel = (b * (outHeight >> 1) + th) * (outWidth >> 1) + tw;
          storeFirst(output + ((<usize>(pixel * filters + f)) << 2), top, lanes);
          continue;
        }
        if (withRelu) {
          y00 = relu(y00); y01 = relu(y01); y10 = relu(y10); y11 = relu(y11);
        }
        const pixel = (b * outHeight + 2 * th) * outWidth + 2 * tw;
        const y = output + ((<usize>(pixel * filters + f)) << 2);
        const pixelStep = <usize>filters << 2;
        storeFirst(y, y00, lanes);
        if (right) storeFirst(y + pixelStep, y01, lanes);
        if (down) {
          const below = y + <usize>outWidth * pixelStep;
          storeFirst(below, y10, lanes);
          if (right) storeFirst(below + pixelStep, y11, lanes);
        }
      }
    }
  }
}

/**
 * V[k, t, c] = (Bᵀ d_t B)[k / 4, k % 4] for the tiles first…first + count − 1, where d_t is
 * tile t's 4 × 4 patch of channel c (`patchOrigin`: x placed at (top, left) in zeros),
 * Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]]. Rows of V are C' (C
 * rounded up to 4) apart, planes `vPlane` bytes; the lanes past C hold the next pixel's
 * channels and are never used.
 */
function transformInputs(
  x: usize, v: usize, patch: usize, first: i32, count: i32, tilesPerImage: i32, tilesWide: i32,
  height: i32, width: i32, top: i32, left: i32, pixelBytes: usize, channels: i32, paddedChannels: i32, vPlane: usize,
): void {
    const imageBytes = <usize>(height * width) * pixelBytes;
    for (let t = 0; t < count; t++) {
      const tile = first + t;
      const b = tile / tilesPerImage;
      const within = tile - b * tilesPerImage;
      const th = within / tilesWide;
      const tw = within - th * tilesWide;
      const origin = patchOrigin(x + <usize>b * imageBytes, patch, 2 * th - top, 2 * tw - left, 4, height, width, pixelBytes);
      const rowBytes = (origin == patch ? <usize>4 : <usize>width) * pixelBytes;
      const target = v + ((<usize>(t * paddedChannels)) << 2);
      for (let c = 0; c < channels; c += 4) {
        const r0 = origin + (<usize>c << 2);
        const r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
        // Bᵀ d, column by column: rows (d0 − d2, d1 + d2, d2 − d1, d1 − d3).
        const d00 = v128.load(r0), d01 = v128.load(r0 + pixelBytes), d02 = v128.load(r0 + 2 * pixelBytes), d03 = v128.load(r0 + 3 * pixelBytes);
        const d10 = v128.load(r1), d11 = v128.load(r1 + pixelBytes), d12 = v128.load(r1 + 2 * pixelBytes), d13 = v128.load(r1 + 3 * pixelBytes);
        const d20 = v128.load(r2), d21 = v128.load(r2 + pixelBytes), d22 = v128.load(r2 + 2 * pixelBytes), d23 = v128.load(r2 + 3 * pixelBytes);
        const d30 = v128.load(r3), d31 = v128.load(r3 + pixelBytes), d32 = v128.load(r3 + 2 * pixelBytes), d33 = v128.load(r3 + 3 * pixelBytes);
        const at = target + (<usize>c << 2);
        inputRow(at, vPlane, 0, f32x4.sub(d00, d20), f32x4.sub(d01, d21), f32x4.sub(d02, d22), f32x4.sub(d03, d23));
        inputRow(at, vPlane, 4, f32x4.add(d10, d20), f32x4.add(d11, d21), f32x4.add(d12, d22), f32x4.add(d13, d23));
        inputRow(at, vPlane, 8, f32x4.sub(d20, d10), f32x4.sub(d21, d11), f32x4.sub(d22, d12), f32x4.sub(d23, d13));
        inputRow(at, vPlane, 12, f32x4.sub(d10, d30), f32x4.sub(d11, d31), f32x4.sub(d12, d32), f32x4.sub(d13, d33));
      }
    }
}

/**
 * The first pixel of a size × size patch whose corner is at (row, column) of an image
 * ([height, width] pixels of `pixelBytes` at `image`), zeros outside it, with its rows
 * width·pixelBytes apart: in the image itself when the patch lies inside it, else in
 * `patch` (size·size pixels, rows size·pixelBytes apart), filled here with the part inside
 * and zeros around. So the Winograd kernels read their input where it is, and only the
 * tiles on the border copy (padding the whole input first cost ResNet-18 5–6% of a step).
 */
@inline export function patchOrigin(image: usize, patch: usize, row: i32, column: i32, size: i32, height: i32, width: i32, pixelBytes: usize): usize {
  if (row >= 0 && column >= 0 && row + size <= height && column + size <= width) return image + <usize>(row * width + column) * pixelBytes;
  fillPatch(image, patch, row, column, size, height, width, pixelBytes);
  return patch;
}

function fillPatch(image: usize, patch: usize, row: i32, column: i32, size: i32, height: i32, width: i32, pixelBytes: usize): void {
  const patchRow = <usize>size * pixelBytes;
  const start = max(column, 0);
  const end = min(column + size, width);
  const before = <usize>(start - column) * pixelBytes;
  const inside = end > start ? <usize>(end - start) * pixelBytes : 0;
  for (let i = 0; i < size; i++) {
    const target = patch + <usize>i * patchRow;
    const r = row + i;
    if (r < 0 || r >= height || inside == 0) {
      memory.fill(target, 0, patchRow);
      continue;
    }
    memory.fill(target, 0, before);
    memory.copy(target + before, image + <usize>(r * width + start) * pixelBytes, inside);
    memory.fill(target + before + inside, 0, patchRow - before - inside);
  }
}

/**
 * The filter gradient of the same convolution, as the transpose of the forward algorithm:
 * y_t = Aᵀ[U ⊙ V_t]A is linear in the filter g, so
 * dg = Gᵀ[Σ_t V_t ⊙ (A dy_t Aᵀ)]G, with dy_t tile t's 2 × 2 block of the output gradient
 * (zeros past the output's edge). This adds Σ_t V_t[k]ᵀ · W_t[k] ([C, F] per k, W_t =
 * A dy_t Aᵀ) into `sums` ([16, C, F], planes `filterPlaneBytes` apart; the first chunk
 * stores, so they need no zeroing); then
 * `winogradFilterGradientOutput` applies Gᵀ·G. `x` (with top, left) as for
 * `winogradConvolve`; scratch `v` 16·(chunk·C' + 16) floats, `w` 16·(chunk·F' + 16) floats
 * (F' = F rounded up to 4), `patch` 16·C floats, 32 bytes of slack each; `outputGradient`
 * readable 12 bytes past its end.
 */
export function winogradFilterGradient(
  x: usize, outputGradient: usize, sums: usize, v: usize, w: usize, patch: usize,
  batch: i32, height: i32, width: i32, top: i32, left: i32, channels: i32, filters: i32,
  outHeight: i32, outWidth: i32, chunk: i32,
): void {
  const tilesHigh = (outHeight + 1) >> 1;
  const tilesWide = (outWidth + 1) >> 1;
  const tilesPerImage = tilesHigh * tilesWide;
  const tiles = batch * tilesPerImage;
  const paddedChannels = (channels + 3) & ~3;
  const paddedFilters = (filters + 3) & ~3;
  const pixelBytes = <usize>channels << 2;
  const dyPixel = <usize>filters << 2;
  const zero = f32x4.splat(0);
  for (let first = 0; first < tiles; first += chunk) {
    const count = min(chunk, tiles - first);
    const vPlane = planeBytes(count, paddedChannels);
    const wPlane = planeBytes(count, paddedFilters);
    transformInputs(x, v, patch, first, count, tilesPerImage, tilesWide, height, width, top, left, pixelBytes, channels, paddedChannels, vPlane);
    // W_t = A dy_t Aᵀ, A = [[1, 0], [1, 1], [1, −1], [0, −1]]: rows (a, a + b, a − b, −b) of each column, then the same across.
    for (let t = 0; t < count; t++) {
      const tile = first + t;
      const b = tile / tilesPerImage;
      const within = tile - b * tilesPerImage;
      const th = within / tilesWide;
      const tw = within - th * tilesWide;
      const down = 2 * th + 1 < outHeight;
      const right = 2 * tw + 1 < outWidth;
      const pixel = outputGradient + <usize>((b * outHeight + 2 * th) * outWidth + 2 * tw) * dyPixel;
      const below = pixel + <usize>outWidth * dyPixel;
      const target = w + ((<usize>(t * paddedFilters)) << 2);
      for (let f = 0; f < filters; f += 4) {
        const at = <usize>f << 2;
        const y00 = v128.load(pixel + at);
        const y01 = right ? v128.load(pixel + dyPixel + at) : zero;
        const y10 = down ? v128.load(below + at) : zero;
        const y11 = down && right ? v128.load(below + dyPixel + at) : zero;
        // A dy: four rows of two.
        const s0 = f32x4.add(y00, y10), s1 = f32x4.add(y01, y11);
        const d0 = f32x4.sub(y00, y10), d1 = f32x4.sub(y01, y11);
        const out = target + at;
        gradientRow(out, wPlane, 0, y00, y01);
        gradientRow(out, wPlane, 4, s0, s1);
        gradientRow(out, wPlane, 8, d0, d1);
        gradientRow(out, wPlane, 12, f32x4.neg(y10), f32x4.neg(y11));
      }
    }
    const sumPlane = filterPlaneBytes(channels, filters);
    for (let k = 0; k < 16; k++) {
      accumulateProducts(v + <usize>k * vPlane, w + <usize>k * wPlane, sums + <usize>k * sumPlane, count, channels, paddedChannels, filters, paddedFilters, first > 0);
    }
  }
}

/** Row r of A dy (two columns a, b) times Aᵀ: W[4r + s] = (a, a + b, a − b, −b)[s], stored a plane apart. */
@inline function gradientRow(at: usize, plane: usize, k: i32, a: v128, b: v128): void {
  v128.store(at + <usize>k * plane, a);
  v128.store(at + <usize>(k + 1) * plane, f32x4.add(a, b));
  v128.store(at + <usize>(k + 2) * plane, f32x4.sub(a, b));
  v128.store(at + <usize>(k + 3) * plane, f32x4.neg(b));
}

/**
 * sums[c, f] += Σ_t v[t, c] · w[t, f] for c < C, f < F, t < count (v rows C' apart, w rows
 * F' apart): 4 channels × 8 filters per register tile, as `filterGradient`'s. Rows past C
 * repeat the last channel and are never stored. Without `accumulate`, sums = the products
 * (a first chunk: no zeroed buffer to read).
 */
export function accumulateProducts(v: usize, w: usize, sums: usize, count: i32, channels: i32, paddedChannels: i32, filters: i32, paddedFilters: i32, accumulate: bool): void {
  const sumRow = <usize>filters << 2;
  const vRow = <usize>paddedChannels << 2;
  const wRow = <usize>paddedFilters << 2;
  const last = channels - 1;
  for (let c = 0; c < channels; c += 4) {
    const v0 = v + (<usize>c << 2);
    const v1 = v + (<usize>min(c + 1, last) << 2);
    const v2 = v + (<usize>min(c + 2, last) << 2);
    const v3 = v + (<usize>min(c + 3, last) << 2);
    for (let f = 0; f < filters; f += 8) {
      const row = sums + <usize>c * sumRow + (<usize>f << 2);
      const row1 = row + (c + 1 <= last ? sumRow : 0);
      const row2 = row + (c + 2 <= last ? 2 * sumRow : 0);
      const row3 = row + (c + 3 <= last ? 3 * sumRow : 0);
      const zero = f32x4.splat(0);
      let a0 = zero, b0 = zero, a1 = zero, b1 = zero, a2 = zero, b2 = zero, a3 = zero, b3 = zero;
      if (accumulate) {
        a0 = v128.load(row); b0 = v128.load(row, 16); a1 = v128.load(row1); b1 = v128.load(row1, 16);
        a2 = v128.load(row2); b2 = v128.load(row2, 16); a3 = v128.load(row3); b3 = v128.load(row3, 16);
      }
      let wt = w + (<usize>f << 2);
      let vt: usize = 0;
      for (let t = 0; t < count; t++, wt += wRow, vt += vRow) {
        const low = v128.load(wt);
        const high = v128.load(wt, 16);
        let x = v128.load32_splat(v0 + vt);
        a0 = multiplyAdd(a0, x, low); b0 = multiplyAdd(b0, x, high);
        x = v128.load32_splat(v1 + vt);
        a1 = multiplyAdd(a1, x, low); b1 = multiplyAdd(b1, x, high);
        x = v128.load32_splat(v2 + vt);
        a2 = multiplyAdd(a2, x, low); b2 = multiplyAdd(b2, x, high);
        x = v128.load32_splat(v3 + vt);
        a3 = multiplyAdd(a3, x, low); b3 = multiplyAdd(b3, x, high);
      }
      storeTile(row, sumRow, c, last, min(filters - f, 8), a0, b0, a1, b1, a2, b2, a3, b3);
    }
  }
}

/**
 * dw[i, j, c, f] = (Gᵀ S_{c,f} G)[i, j] for S_{c,f}[r, s] = sums[4r + s, c, f]:
 * Gᵀ = [[1, ½, ½, 0], [0, ½, −½, 0], [0, ½, ½, 1]]; dw is [3, 3, C, F]. Channels `firstChannel` ≤ c < `endChannel` only (the threads' shares).
 */
export function winogradFilterGradientOutput(sums: usize, filterGradient: usize, channels: i32, filters: i32, firstChannel: i32, endChannel: i32): void {
  const plane = filterPlaneBytes(channels, filters);
  const tapBytes = <usize>(channels * filters) << 2;
  const half = f32x4.splat(0.5);
  for (let c = firstChannel; c < endChannel; c++) {
    for (let f = 0; f < filters; f += 4) {
      const offset = (<usize>(c * filters + f)) << 2;
      const at = sums + offset;
      const lanes = min(filters - f, 4);
      // Gᵀ S, column by column: rows (S0 + ½S1 + ½S2, ½S1 − ½S2, ½S1 + ½S2 + S3).
      const p0 = gradientColumn(at, plane, 0, half), p1 = gradientColumn(at, plane, 1, half);
      const p2 = gradientColumn(at, plane, 2, half), p3 = gradientColumn(at, plane, 3, half);
      const q0 = differenceColumn(at, plane, 0, half), q1 = differenceColumn(at, plane, 1, half);
      const q2 = differenceColumn(at, plane, 2, half), q3 = differenceColumn(at, plane, 3, half);
      const r0 = lastColumn(at, plane, 0, half), r1 = lastColumn(at, plane, 1, half);
      const r2 = lastColumn(at, plane, 2, half), r3 = lastColumn(at, plane, 3, half);
      const out = filterGradient + offset;
      outputRow(out, tapBytes, 0, p0, p1, p2, p3, half, lanes);
      outputRow(out, tapBytes, 3, q0, q1, q2, q3, half, lanes);
      outputRow(out, tapBytes, 6, r0, r1, r2, r3, half, lanes);
    }
  }
}

@inline function gradientColumn(at: usize, plane: usize, s: i32, half: v128): v128 {
  const m0 = v128.load(at + <usize>s * plane), m1 = v128.load(at + <usize>(4 + s) * plane), m2 = v128.load(at + <usize>(8 + s) * plane);
  return f32x4.add(m0, f32x4.mul(half, f32x4.add(m1, m2)));
}

@inline function differenceColumn(at: usize, plane: usize, s: i32, half: v128): v128 {
  return f32x4.mul(half, f32x4.sub(v128.load(at + <usize>(4 + s) * plane), v128.load(at + <usize>(8 + s) * plane)));
}

@inline function lastColumn(at: usize, plane: usize, s: i32, half: v128): v128 {
  const m1 = v128.load(at + <usize>(4 + s) * plane), m2 = v128.load(at + <usize>(8 + s) * plane), m3 = v128.load(at + <usize>(12 + s) * plane);
  return f32x4.add(m3, f32x4.mul(half, f32x4.add(m1, m2)));
}

/** A row (a0…a3) of Gᵀ S times G: taps (i, 0…2) = (a0 + ½a1 + ½a2, ½a1 − ½a2, ½a1 + ½a2 + a3). */
@inline function outputRow(out: usize, tapBytes: usize, tap: i32, a0: v128, a1: v128, a2: v128, a3: v128, half: v128, lanes: i32): void {
  storeFirst(out + <usize>tap * tapBytes, f32x4.add(a0, f32x4.mul(half, f32x4.add(a1, a2))), lanes);
  storeFirst(out + <usize>(tap + 1) * tapBytes, f32x4.mul(half, f32x4.sub(a1, a2)), lanes);
  storeFirst(out + <usize>(tap + 2) * tapBytes, f32x4.add(a3, f32x4.mul(half, f32x4.add(a1, a2))), lanes);
}

/**
 * out[r, n] = Σ_k a[r·aStride + k] · b[k, n] for r < rows, k < depth, n < columns (b and
 * out row-major, `columns` wide): `matMul`'s 4 × 8 tile with the loops the other way
 * round — eight columns at a time over every row of the chunk, so that the block of b they
 * read (depth × 8 floats) stays in the first-level cache while the rows stream past; with
 * ResNet's 512 × 512 transformed filters, `matMul`'s order read all of b again every 4 rows.
 * The last row tile overlaps the one before it (recomputed rows store the same values).
 */
export function products(a: usize, b: usize, out: usize, rows: i32, depth: i32, aStride: i32, columns: i32): void {
  const bRowBytes = <usize>columns << 2;
  const aRowBytes = <usize>aStride << 2;
  const depthBytes = <usize>depth << 2;
  const last = rows - 1;
  for (let lane = 0; lane < columns; lane += 8) {
    const lanes = min(columns - lane, 8);
    for (let first = 0; first < rows; first += 4) {
      const tile = min(first, max(rows - 4, 0));
      const a0 = a + <usize>tile * aRowBytes;
      const a1 = a + <usize>min(tile + 1, last) * aRowBytes;
      const a2 = a + <usize>min(tile + 2, last) * aRowBytes;
      const a3 = a + <usize>min(tile + 3, last) * aRowBytes;
      let c0 = f32x4.splat(0), d0 = f32x4.splat(0), c1 = f32x4.splat(0), d1 = f32x4.splat(0);
      let c2 = f32x4.splat(0), d2 = f32x4.splat(0), c3 = f32x4.splat(0), d3 = f32x4.splat(0);
      let bk = b + (<usize>lane << 2);
      for (let k: usize = 0; k < depthBytes; k += 4, bk += bRowBytes) {
        const low = v128.load(bk);
        const high = v128.load(bk, 16);
        let x = v128.load32_splat(a0 + k);
        c0 = multiplyAdd(c0, x, low); d0 = multiplyAdd(d0, x, high);
        x = v128.load32_splat(a1 + k);
        c1 = multiplyAdd(c1, x, low); d1 = multiplyAdd(d1, x, high);
        x = v128.load32_splat(a2 + k);
        c2 = multiplyAdd(c2, x, low); d2 = multiplyAdd(d2, x, high);
        x = v128.load32_splat(a3 + k);
        c3 = multiplyAdd(c3, x, low); d3 = multiplyAdd(d3, x, high);
      }
      storeTile(out + (((<usize>tile * columns) + lane) << 2), bRowBytes, tile, last, lanes, c0, d0, c1, d1, c2, d2, c3, d3);
    }
  }
}

/** Row r of Bᵀ d (four columns) times B: V[4r + s] for s = 0…3, stored a plane apart. */
@inline function inputRow(at: usize, plane: usize, k: i32, t0: v128, t1: v128, t2: v128, t3: v128): void {
  v128.store(at + <usize>k * plane, f32x4.sub(t0, t2));
  v128.store(at + <usize>(k + 1) * plane, f32x4.add(t1, t2));
  v128.store(at + <usize>(k + 2) * plane, f32x4.sub(t2, t1));
  v128.store(at + <usize>(k + 3) * plane, f32x4.sub(t1, t3));
}

/** Stores the first `lanes` (1…4) lanes of `value` at `pointer`. */
@inline export function storeFirst(pointer: usize, value: v128, lanes: i32): void {
  if (lanes >= 4) {
    v128.store(pointer, value);
    return;
  }
  v128.store32_lane(pointer, value, 0);
  if (lanes > 1) v128.store32_lane(pointer, value, 1, 4);
  if (lanes > 2) v128.store32_lane(pointer, value, 2, 8);
}
