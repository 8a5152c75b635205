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

import { multiplyAdd, relu, storeTile } from './lanes';

/**
 * u[k, c, f] = (G g_{c,f} Gᵀ)[k / 4, k % 4] for the 3 × 3 filter g_{c,f}[i, j] =
 * filter[i, j, c, f] ([3, 3, C, F], channels last), with G = [[1, 0, 0], [½, ½, ½],
 * [½, −½, ½], [0, 0, 1]]. Vectors run along f; a last partial vector stores only its lanes
 * (the next row follows directly). Reads up to 12 bytes past the filter's end.
 */
export function winogradFilter(filter: usize, u: usize, channels: i32, filters: i32): void {
  const tapBytes = <usize>(channels * filters) << 2;
  const planeBytes = tapBytes;
  const half = f32x4.splat(0.5);
  for (let c = 0; c < channels; c++) {
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
      filterRow(out, planeBytes, 0, g00, g01, g02, half, lanes);
      filterRow(out, planeBytes, 4, r10, r11, r12, half, lanes);
      filterRow(out, planeBytes, 8, r20, r21, r22, half, lanes);
      filterRow(out, planeBytes, 12, g20, g21, g22, half, lanes);
    }
  }
}

@inline function filterRow(out: usize, planeBytes: usize, k: i32, a: v128, b: v128, c: v128, half: v128, lanes: i32): void {
  storeFirst(out + <usize>k * planeBytes, a, lanes);
  storeFirst(out + <usize>(k + 1) * planeBytes, f32x4.mul(half, f32x4.add(f32x4.add(a, b), c)), lanes);
  storeFirst(out + <usize>(k + 2) * planeBytes, f32x4.mul(half, f32x4.add(f32x4.sub(a, b), c)), lanes);
  storeFirst(out + <usize>(k + 3) * planeBytes, c, lanes);
}

/**
 * out[i, j, f, c] = filter[2 − i, 2 − j, c, f]: the 3 × 3 filter of the input gradient
 * (a stride-1 convolution's input gradient is the convolution of the padded output
 * gradient with the filter rotated by 180° and its two channel axes swapped). Scalar: it
 * touches 9·C·F floats once per call, next to 16·C·F·tiles multiply-adds.
 */
export function rotateFilter(filter: usize, out: usize, channels: i32, filters: i32): void {
  for (let tap = 0; tap < 9; tap++) {
    const source = filter + ((<usize>((8 - tap) * channels * filters)) << 2);
    const target = out + ((<usize>(tap * channels * filters)) << 2);
    for (let c = 0; c < channels; c++) {
      for (let f = 0; f < filters; f++) {
        store<f32>(target + ((<usize>(f * channels + c)) << 2), load<f32>(source + ((<usize>(c * filters + f)) << 2)));
      }
    }
  }
}

/**
 * y[b, p, q, f] = bias[f] + Σ_{i, j, c} padded[b, p + i, q + j, c] · w[i, j, c, f] for
 * p < outHeight, q < outWidth (then max(·, 0) when `withRelu`), with u = winogradFilter(w).
 * `padded` is [B, paddedHeight, paddedWidth, C] and must hold the whole 4 × 4 patch of
 * every tile: paddedHeight ≥ 2·⌈outHeight/2⌉ + 2, likewise the width (the caller pads with
 * zeros). `bias` 0 means none.
 *
 * With `pooled`, a 2 × 2, stride-2 max pool follows and only it is written
 * ([B, ⌊outHeight/2⌋, ⌊outWidth/2⌋, F]): a tile is exactly one pooling window.
 *
 * Scratch (the caller's, with 32 bytes of slack each): `v` 16·chunk·C' floats, `m`
 * 16·chunk·F floats, where C' = C rounded up to a multiple of 4 and `chunk` (a multiple
 * of 4) the tiles transformed at a time.
 */
export function winogradConvolve(
  padded: usize, u: usize, bias: usize, output: usize, v: usize, m: usize,
  batch: i32, paddedHeight: i32, paddedWidth: i32, channels: i32, filters: i32,
  outHeight: i32, outWidth: i32, chunk: i32, withRelu: bool, pooled: bool,
): void {
  const tilesHigh = (outHeight + 1) >> 1;
  const tilesWide = (outWidth + 1) >> 1;
  const tilesPerImage = tilesHigh * tilesWide;
  const tiles = batch * tilesPerImage;
  const paddedChannels = (channels + 3) & ~3;
  const rowBytes = <usize>(paddedWidth * channels) << 2;
  const pixelBytes = <usize>channels << 2;
  for (let first = 0; first < tiles; first += chunk) {
    const count = min(chunk, tiles - first);
    const vPlane = <usize>(count * paddedChannels) << 2;
    const mPlane = <usize>(count * filters) << 2;
    // Bᵀ d B for every tile of the chunk, Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]].
    for (let t = 0; t < count; t++) {
      const tile = first + t;
      const b = tile / tilesPerImage;
      const within = tile - b * tilesPerImage;
      const th = within / tilesWide;
      const tw = within - th * tilesWide;
      const origin = padded + <usize>(b * paddedHeight + 2 * th) * rowBytes + <usize>(2 * tw) * pixelBytes;
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
    // M_k = V_k · U_k: [count, C] (rows C' apart) · [C, F].
    const uPlane = <usize>(channels * filters) << 2;
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
 * out[r, n] = Σ_k a[r·aStride + k] · b[k, n] for r < rows, k < depth, n < columns (b and
 * out row-major, `columns` wide): `matMul`'s 4 × 8 tile with the loops the other way
 * round — eight columns at a time over every row of the chunk, so that the block of b they
 * read (depth × 8 floats) stays in the first-level cache while the rows stream past; with
 * ResNet's 512 × 512 transformed filters, `matMul`'s order read all of b again every 4 rows.
 * The last row tile overlaps the one before it (recomputed rows store the same values).
 */
function products(a: usize, b: usize, out: usize, rows: i32, depth: i32, aStride: i32, columns: i32): void {
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
@inline function storeFirst(pointer: usize, value: v128, lanes: i32): void {
  if (lanes >= 4) {
    v128.store(pointer, value);
    return;
  }
  v128.store32_lane(pointer, value, 0);
  if (lanes > 1) v128.store32_lane(pointer, value, 1, 4);
  if (lanes > 2) v128.store32_lane(pointer, value, 2, 8);
}
