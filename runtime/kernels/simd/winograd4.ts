// AssemblyScript (see convolution.ts for the conventions): Winograd's F(4×4, 3×3) for 3×3,
// stride-1 convolutions with many channels (Lavin & Gray 2016, interpolation points
// 0, ±1, ±2, ∞). Each 4 × 4 block of output pixels comes from a 6 × 6 patch d as
// Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A: 36 multiplications per tile and channel pair for 16
// outputs, 2.25 per output against F(2×2, 3×3)'s 4 (winograd.ts) and the direct form's 9.
// The 36 products M_k = V_k · U_k are winograd.ts's; the transforms, with small integer
// and fractional coefficients, run in SIMD along the channels (input) or the filters
// (output, filter). Its transforms round more than F(2×2)'s (coefficients up to 8 and
// 1/24): results equal the direct kernels' within 1e-4 of the largest output
// (test/runtime/wasm-winograd.test.ts), where F(2×2) is within 1e-5.
//
// Bᵀ = [[4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0],
//       [0, −2, −1, 2, 1, 0], [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]]
// G  = [[¼, 0, 0], [−⅙, −⅙, −⅙], [−⅙, ⅙, −⅙], [1/24, 1/12, ⅙], [1/24, −1/12, ⅙], [0, 0, 1]]
// Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, −1, 2, −2, 0], [0, 1, 1, 4, 4, 0], [0, 1, −1, 8, −8, 1]]

import { filterPlaneBytes, planeBytes, relu } from './lanes';
import { accumulateProducts, patchOrigin, products, storeFirst } from './winograd';

/**
 * u[k, c, f] = (G g_{c,f} Gᵀ)[k / 6, k % 6] for the 3 × 3 filter g_{c,f}[i, j] =
 * filter[i, j, c, f] ([3, 3, C, F], channels last), planes of u `filterPlaneBytes` apart
 * (36·(C·F + 16) floats in all). Vectors run along f; a last partial vector stores only its
 * lanes. Reads up to 12 bytes past the filter's end. Channels `firstChannel` ≤ c < `endChannel` only (the threads' shares).
 */
export function winograd4Filter(filter: usize, u: usize, channels: i32, filters: i32, firstChannel: i32, endChannel: i32): void {
  const tapBytes = <usize>(channels * filters) << 2;
  const plane = filterPlaneBytes(channels, filters);
  for (let c = firstChannel; c < endChannel; c++) {
    for (let f = 0; f < filters; f += 4) {
      const offset = (<usize>(c * filters + f)) << 2;
      const at = filter + offset;
      const lanes = min(filters - f, 4);
      const out = u + offset;
      // The nine taps once (taps 3i + j are row i, column j of g).
      const g00 = v128.load(at), g01 = v128.load(at + tapBytes), g02 = v128.load(at + 2 * tapBytes);
      const g10 = v128.load(at + 3 * tapBytes), g11 = v128.load(at + 4 * tapBytes), g12 = v128.load(at + 5 * tapBytes);
      const g20 = v128.load(at + 6 * tapBytes), g21 = v128.load(at + 7 * tapBytes), g22 = v128.load(at + 8 * tapBytes);
      // Row r of G g (G times each column of g), then that row times Gᵀ: the same G applied
      // along the other axis, into planes 6r … 6r + 5.
      for (let r = 0; r < 6; r++) {
        const a = gRow(g00, g10, g20, r);
        const b = gRow(g01, g11, g21, r);
        const d = gRow(g02, g12, g22, r);
        const row = out + <usize>(6 * r) * plane;
        storeFirst(row, gRow(a, b, d, 0), lanes);
        storeFirst(row + plane, gRow(a, b, d, 1), lanes);
        storeFirst(row + 2 * plane, gRow(a, b, d, 2), lanes);
        storeFirst(row + 3 * plane, gRow(a, b, d, 3), lanes);
        storeFirst(row + 4 * plane, gRow(a, b, d, 4), lanes);
        storeFirst(row + 5 * plane, gRow(a, b, d, 5), lanes);
      }
    }
  }
}

/** Row r of G times the column (a, b, c). */
@inline function gRow(a: v128, b: v128, c: v128, r: i32): v128 {
  if (r == 0) return f32x4.mul(a, f32x4.splat(0.25));
  if (r == 1) return f32x4.mul(f32x4.add(f32x4.add(a, b), c), f32x4.splat(-1.0 / 6));
  if (r == 2) return f32x4.mul(f32x4.add(f32x4.sub(a, b), c), f32x4.splat(-1.0 / 6));
  const outer = f32x4.add(f32x4.mul(a, f32x4.splat(1.0 / 24)), f32x4.mul(c, f32x4.splat(1.0 / 6)));
  if (r == 3) return f32x4.add(outer, f32x4.mul(b, f32x4.splat(1.0 / 12)));
  if (r == 4) return f32x4.sub(outer, f32x4.mul(b, f32x4.splat(1.0 / 12)));
  return c;
}

/**
 * y[b, p, q, f] = bias[f] + Σ_{i, j, c} x[b, p + i − top, q + j − left, c] · w[i, j, c, f]
 * for p < outHeight, q < outWidth, x zero outside its [B, height, width, C] (then max(·, 0)
 * when `withRelu`), with u = winograd4Filter(w). `bias` 0 means none. x is read where it is
 * (winograd.ts `patchOrigin`), readable 12 bytes past its end.
 *
 * Scratch (the caller's, with 32 bytes of slack each): `v` 36·(chunk·C' + 16) floats, `m`
 * 36·(chunk·F + 16) floats, `patch` 36·C floats, C' = C rounded up to 4; `chunk` (a
 * multiple of 4) tiles at a time (16 floats per plane: lanes.ts `planeBytes`).
 */
export function winograd4Convolve(
  x: usize, u: usize, bias: usize, output: usize, v: usize, m: usize, patch: usize,
  batch: i32, height: i32, width: i32, top: i32, left: i32, channels: i32, filters: i32,
  outHeight: i32, outWidth: i32, chunk: i32, withRelu: bool,
): void {
  const tilesHigh = (outHeight + 3) >> 2;
  const tilesWide = (outWidth + 3) >> 2;
  const tilesPerImage = tilesHigh * tilesWide;
  const tiles = batch * tilesPerImage;
  const paddedChannels = (channels + 3) & ~3;
  const pixelBytes = <usize>channels << 2;
  const uPlane = filterPlaneBytes(channels, filters);
  const pixelStep = <usize>filters << 2;
  for (let first = 0; first < tiles; first += chunk) {
    const count = min(chunk, tiles - first);
    const vPlane = planeBytes(count, paddedChannels);
    const mPlane = planeBytes(count, filters);
    transformInputs4(x, v, patch, first, count, tilesPerImage, tilesWide, height, width, top, left, pixelBytes, channels, paddedChannels, vPlane);
    for (let k = 0; k < 36; k++) {
      products(v + <usize>k * vPlane, u + <usize>k * uPlane, m + <usize>k * mPlane, count, channels, paddedChannels, filters);
    }
    // Y = Aᵀ M A, per tile and block of 4 filters: each row of M times A (into planes
    // 6i + 0…3, in place), then Aᵀ down each of those four columns, stored as pixels.
    for (let t = 0; t < count; t++) {
      const tile = first + t;
      const b = tile / tilesPerImage;
      const within = tile - b * tilesPerImage;
      const th = within / tilesWide;
      const tw = within - th * tilesWide;
      const rows = min(4, outHeight - 4 * th);
      const columns = min(4, outWidth - 4 * tw);
      const source = m + ((<usize>(t * filters)) << 2);
      const corner = output + <usize>((b * outHeight + 4 * th) * outWidth + 4 * tw) * pixelStep;
      for (let f = 0; f < filters; f += 4) {
        const at = source + (<usize>f << 2);
        // Rows of M are F apart: past F a vector holds the next tile's filters, so only the
        // block's own lanes may be written back.
        const lanes = min(filters - f, 4);
        for (let i = 0; i < 6; i++) {
          const row = at + <usize>(6 * i) * mPlane;
          aTransposed(row, mPlane, lanes, v128.load(row), v128.load(row + mPlane), v128.load(row + 2 * mPlane),
            v128.load(row + 3 * mPlane), v128.load(row + 4 * mPlane), v128.load(row + 5 * mPlane));
        }
        const beta = bias != 0 ? v128.load(bias + (<usize>f << 2)) : f32x4.splat(0);
        for (let q = 0; q < columns; q++) {
          const column = at + <usize>q * mPlane;
          const step = 6 * mPlane;
          const m0 = v128.load(column), m1 = v128.load(column + step), m2 = v128.load(column + 2 * step);
          const m3 = v128.load(column + 3 * step), m4 = v128.load(column + 4 * step), m5 = v128.load(column + 5 * step);
          const sum12 = f32x4.add(m1, m2), difference12 = f32x4.sub(m1, m2);
          const sum34 = f32x4.add(m3, m4), difference34 = f32x4.sub(m3, m4);
          const pixel = corner + <usize>q * pixelStep + (<usize>f << 2);
          const rowStep = <usize>outWidth * pixelStep;
          emit(pixel, f32x4.add(f32x4.add(m0, sum12), sum34), beta, withRelu, lanes);
          if (rows > 1) emit(pixel + rowStep, f32x4.add(difference12, f32x4.add(difference34, difference34)), beta, withRelu, lanes);
          if (rows > 2) emit(pixel + 2 * rowStep, f32x4.add(sum12, f32x4.mul(sum34, f32x4.splat(4))), beta, withRelu, lanes);
          if (rows > 3) emit(pixel + 3 * rowStep, f32x4.add(f32x4.add(difference12, f32x4.mul(difference34, f32x4.splat(8))), m5), beta, withRelu, lanes);
        }
      }
    }
  }
}


/**
 * V[k, t, c] = (Bᵀ d_t B)[k / 6, k % 6] for the tiles first…first + count − 1, where d_t
 * is tile t's 6 × 6 patch of channel c (tiles 4 apart; winograd.ts `patchOrigin`: x
 * placed at (top, left) in zeros). Rows of V are C' apart, planes `vPlane` bytes; the
 * lanes past C hold the next pixel's channels and are never used. Per tile and block of 4
 * channels: each row of d times B (into planes 6i + j), then Bᵀ down each column, in place.
 */
function transformInputs4(
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
      const origin = patchOrigin(x + <usize>b * imageBytes, patch, 4 * th - top, 4 * tw - left, 6, height, width, pixelBytes);
      const rowBytes = (origin == patch ? <usize>6 : <usize>width) * pixelBytes;
      const target = v + ((<usize>(t * paddedChannels)) << 2);
      for (let c = 0; c < channels; c += 4) {
        const at = target + (<usize>c << 2);
        for (let i = 0; i < 6; i++) {
          const row = origin + <usize>i * rowBytes + (<usize>c << 2);
          bTransposed(at + <usize>(6 * i) * vPlane, vPlane,
            v128.load(row), v128.load(row + pixelBytes), v128.load(row + 2 * pixelBytes),
            v128.load(row + 3 * pixelBytes), v128.load(row + 4 * pixelBytes), v128.load(row + 5 * pixelBytes));
        }
        for (let j = 0; j < 6; j++) {
          const column = at + <usize>j * vPlane;
          const step = 6 * vPlane;
          bTransposed(column, step,
            v128.load(column), v128.load(column + step), v128.load(column + 2 * step),
            v128.load(column + 3 * step), v128.load(column + 4 * step), v128.load(column + 5 * step));
        }
      }
    }
}

/**
 * The filter gradient of the same convolution by F(4×4, 3×3), as winograd.ts's
 * `winogradFilterGradient` is by F(2×2): y_t = Aᵀ[U ⊙ V_t]A is linear in the filter g, so
 * dg = Gᵀ[Σ_t V_t ⊙ (A dy_t Aᵀ)]G, with dy_t tile t's 4 × 4 block of the output gradient
 * (zeros past the output's edge). This adds Σ_t V_t[k]ᵀ · W_t[k] ([C, F] per k,
 * W_t = A dy_t Aᵀ) into `sums` ([36, C, F], planes `filterPlaneBytes` apart; the first
 * chunk stores, so they need no zeroing);
 * then `winograd4FilterGradientOutput` applies Gᵀ·G. `x` (with top, left) as for
 * `winograd4Convolve`; scratch `v` 36·(chunk·C' + 16) floats, `w` 36·(chunk·F' + 16) floats
 * (F' = F rounded up to 4), `patch` 36·C floats, 32 bytes of slack each; `outputGradient`
 * readable 12 bytes past its end.
 */
export function winograd4FilterGradient(
  x: usize, outputGradient: usize, sums: usize, v: usize, w: usize, patch: usize,
  batch: i32, height: i32, width: i32, top: i32, left: i32, channels: i32, filters: i32,
  outHeight: i32, outWidth: i32, chunk: i32,
): void {
  const tilesHigh = (outHeight + 3) >> 2;
  const tilesWide = (outWidth + 3) >> 2;
  const tilesPerImage = tilesHigh * tilesWide;
  const tiles = batch * tilesPerImage;
  const paddedChannels = (channels + 3) & ~3;
  const paddedFilters = (filters + 3) & ~3;
  const pixelBytes = <usize>channels << 2;
  const dyPixel = <usize>filters << 2;
  const dyRow = <usize>outWidth * dyPixel;
  const sumPlane = filterPlaneBytes(channels, filters);
  const zero = f32x4.splat(0);
  for (let first = 0; first < tiles; first += chunk) {
    const count = min(chunk, tiles - first);
    const vPlane = planeBytes(count, paddedChannels);
    const wPlane = planeBytes(count, paddedFilters);
    transformInputs4(x, v, patch, first, count, tilesPerImage, tilesWide, height, width, top, left, pixelBytes, channels, paddedChannels, vPlane);
    // W_t = A dy_t Aᵀ: A down each column of the 4 × 4 block (into planes 6i + q), then
    // across each of the six rows, in place. Rows of W are F' apart, so whole vectors fit.
    for (let t = 0; t < count; t++) {
      const tile = first + t;
      const b = tile / tilesPerImage;
      const within = tile - b * tilesPerImage;
      const th = within / tilesWide;
      const tw = within - th * tilesWide;
      const rows = min(4, outHeight - 4 * th);
      const columns = min(4, outWidth - 4 * tw);
      const corner = outputGradient + <usize>((b * outHeight + 4 * th) * outWidth + 4 * tw) * dyPixel;
      const target = w + ((<usize>(t * paddedFilters)) << 2);
      for (let f = 0; f < filters; f += 4) {
        const at = <usize>f << 2;
        const out = target + at;
        for (let q = 0; q < 4; q++) {
          const pixel = corner + <usize>q * dyPixel + at;
          const inside = q < columns;
          const y0 = inside ? v128.load(pixel) : zero;
          const y1 = inside && rows > 1 ? v128.load(pixel + dyRow) : zero;
          const y2 = inside && rows > 2 ? v128.load(pixel + 2 * dyRow) : zero;
          const y3 = inside && rows > 3 ? v128.load(pixel + 3 * dyRow) : zero;
          aColumn(out + <usize>q * wPlane, 6 * wPlane, y0, y1, y2, y3);
        }
        for (let i = 0; i < 6; i++) {
          const row = out + <usize>(6 * i) * wPlane;
          aColumn(row, wPlane, v128.load(row), v128.load(row + wPlane), v128.load(row + 2 * wPlane), v128.load(row + 3 * wPlane));
        }
      }
    }
    for (let k = 0; k < 36; k++) {
      accumulateProducts(v + <usize>k * vPlane, w + <usize>k * wPlane, sums + <usize>k * sumPlane, count, channels, paddedChannels, filters, paddedFilters, first > 0);
    }
  }
}

/**
 * dw[i, j, c, f] = (Gᵀ S_{c,f} G)[i, j] for S_{c,f}[r, s] = sums[6r + s, c, f]; dw is
 * [3, 3, C, F]. Gᵀ down each column of S (into its rows 0…2, in place, only the block's
 * own lanes: rows of sums are F apart), then along each of those three rows. Channels `firstChannel` ≤ c < `endChannel` only (the threads' shares).
 */
export function winograd4FilterGradientOutput(sums: usize, filterGradient: usize, channels: i32, filters: i32, firstChannel: i32, endChannel: i32): void {
  const plane = filterPlaneBytes(channels, filters);
  const tapBytes = <usize>(channels * filters) << 2;
  for (let c = firstChannel; c < endChannel; c++) {
    for (let f = 0; f < filters; f += 4) {
      const offset = (<usize>(c * filters + f)) << 2;
      const at = sums + offset;
      const lanes = min(filters - f, 4);
      for (let s = 0; s < 6; s++) {
        const column = at + <usize>s * plane;
        const step = 6 * plane;
        gTransposed(column, step, lanes, v128.load(column), v128.load(column + step), v128.load(column + 2 * step),
          v128.load(column + 3 * step), v128.load(column + 4 * step), v128.load(column + 5 * step));
      }
      for (let i = 0; i < 3; i++) {
        const row = at + <usize>(6 * i) * plane;
        gTransposed(filterGradient + offset + <usize>(3 * i) * tapBytes, tapBytes, lanes, v128.load(row), v128.load(row + plane), v128.load(row + 2 * plane),
          v128.load(row + 3 * plane), v128.load(row + 4 * plane), v128.load(row + 5 * plane));
      }
    }
  }
}

/** A times the column (y0 … y3), A = Aᵀ's transpose: six values stored at `at` + n·`step`. */
@inline function aColumn(at: usize, step: usize, y0: v128, y1: v128, y2: v128, y3: v128): void {
  const even = f32x4.add(y0, y2), odd = f32x4.add(y1, y3);
  const outer = f32x4.add(y0, f32x4.mul(f32x4.splat(4), y2));
  const inner = f32x4.add(f32x4.add(y1, y1), f32x4.mul(f32x4.splat(8), y3));
  v128.store(at, y0);
  v128.store(at + step, f32x4.add(even, odd));
  v128.store(at + 2 * step, f32x4.sub(even, odd));
  v128.store(at + 3 * step, f32x4.add(outer, inner));
  v128.store(at + 4 * step, f32x4.sub(outer, inner));
  v128.store(at + 5 * step, y3);
}

/** Gᵀ times (r0 … r5): three values, their first `lanes` stored at `at` + n·`step`. */
@inline function gTransposed(at: usize, step: usize, lanes: i32, r0: v128, r1: v128, r2: v128, r3: v128, r4: v128, r5: v128): void {
  const sum12 = f32x4.add(r1, r2), sum34 = f32x4.add(r3, r4);
  const sixth = f32x4.splat(1.0 / 6);
  storeFirst(at, f32x4.add(f32x4.sub(f32x4.mul(r0, f32x4.splat(0.25)), f32x4.mul(sum12, sixth)), f32x4.mul(sum34, f32x4.splat(1.0 / 24))), lanes);
  storeFirst(at + step, f32x4.add(f32x4.mul(f32x4.sub(r2, r1), sixth), f32x4.mul(f32x4.sub(r3, r4), f32x4.splat(1.0 / 12))), lanes);
  storeFirst(at + 2 * step, f32x4.add(f32x4.mul(f32x4.sub(sum34, sum12), sixth), r5), lanes);
}

/** Bᵀ times (x0 … x5), stored at `at` + n·`step` for n = 0…5. */
@inline function bTransposed(at: usize, step: usize, x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  // With s = x4 − 4·x2 and r = x3 − 4·x1: y1 = s + r, y2 = s − r; with p = x4 − x2 and
  // o = 2·(x3 − x1): y3 = p + o, y4 = p − o.
  const s = f32x4.sub(x4, f32x4.mul(four, x2));
  const r = f32x4.sub(x3, f32x4.mul(four, x1));
  const p = f32x4.sub(x4, x2);
  const o = f32x4.mul(two, f32x4.sub(x3, x1));
  v128.store(at, f32x4.add(f32x4.sub(f32x4.mul(four, x0), f32x4.mul(five, x2)), x4));
  v128.store(at + step, f32x4.add(s, r));
  v128.store(at + 2 * step, f32x4.sub(s, r));
  v128.store(at + 3 * step, f32x4.add(p, o));
  v128.store(at + 4 * step, f32x4.sub(p, o));
  v128.store(at + 5 * step, f32x4.add(f32x4.sub(f32x4.mul(four, x1), f32x4.mul(five, x3)), x5));
}

/** (m0 … m5) times A (Aᵀ's rows as columns): four values, their first `lanes` stored at `at` + n·`step` for n = 0…3. */
@inline function aTransposed(at: usize, step: usize, lanes: i32, m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128): void {
  const sum12 = f32x4.add(m1, m2), difference12 = f32x4.sub(m1, m2);
  const sum34 = f32x4.add(m3, m4), difference34 = f32x4.sub(m3, m4);
  storeFirst(at, f32x4.add(f32x4.add(m0, sum12), sum34), lanes);
  storeFirst(at + step, f32x4.add(difference12, f32x4.add(difference34, difference34)), lanes);
  storeFirst(at + 2 * step, f32x4.add(sum12, f32x4.mul(sum34, f32x4.splat(4))), lanes);
  storeFirst(at + 3 * step, f32x4.add(f32x4.add(difference12, f32x4.mul(difference34, f32x4.splat(8))), m5), lanes);
}

/** value + bias, ReLU'd when asked, its first `lanes` stored at `pointer`. */
@inline function emit(pointer: usize, value: v128, bias: v128, withRelu: bool, lanes: i32): void {
  let y = f32x4.add(value, bias);
  if (withRelu) y = relu(y);
  storeFirst(pointer, y, lanes);
}
