// AssemblyScript (see convolution.ts for the conventions): batch normalisation in training
// over channels-last data seen as [rows, channels] (rows = N·H·W, or N after a dense
// layer), forward and gradient, as passes over a range of rows: per-channel sums and the
// elementwise output. The caller (wasm-batch-norm.ts) runs each pass on every thread's
// rows, adds the threads' sums and derives the per-channel factors between passes.
// Per-channel sums run down the rows in f32 registers for a block of rows at a time and
// join f64 totals after each block, so a sum over 32,768 rows (ResNet's first layers at
// batch 32) rounds like a short f32 sum, not a long one. Nothing reads past a buffer: the
// last 1–3 channels of a row load and store only their lanes.
//
// Per-channel vectors (shift, scale, …) are the caller's zero-padded copies of padded =
// channels rounded up to 4 floats, so they load whole even in the tail; totals are f64,
// `padded` of them, zeroed by the caller.
import { multiplyAdd } from './lanes';

/** Rows summed in registers before their sums join the totals: a block of ≤ 16 KB stays in L1, ≤ 64 terms keep f32's rounding small. */
@inline function blockRows(channels: i32): i32 {
  const rows = 4096 / channels;
  return rows < 1 ? 1 : rows > 64 ? 64 : rows;
}

/** The first `lanes` (1…4) floats at `pointer`, zeros in the other lanes; reads nothing past them. */
@inline function loadLanes(pointer: usize, lanes: i32): v128 {
  if (lanes >= 4) return v128.load(pointer);
  if (lanes == 1) return v128.load32_zero(pointer);
  const two = v128.load64_zero(pointer);
  return lanes == 2 ? two : v128.load32_lane(pointer, two, 2, 8);
}

/** Stores the first `lanes` (1…4) lanes of `value` at `pointer`. */
@inline function storeLanes(pointer: usize, value: v128, lanes: i32): void {
  if (lanes >= 4) {
    v128.store(pointer, value);
    return;
  }
  if (lanes == 1) {
    v128.store32_lane(pointer, value, 0);
    return;
  }
  v128.store64_lane(pointer, value, 0);
  if (lanes == 3) v128.store32_lane(pointer, value, 2, 8);
}

/** totals[0…4) (f64) += the four f32 lanes of `value`. */
@inline function addToTotals(totals: usize, value: v128): void {
  v128.store(totals, f64x2.add(v128.load(totals), f64x2.promote_low_f32x4(value)));
  v128.store(totals, f64x2.add(v128.load(totals, 16), f64x2.promote_low_f32x4(f32x4.shuffle(value, value, 2, 3, 2, 3))), 16);
}

/**
 * totals[c] += Σ_rows x[r, c] − shift[c] (squared when `squares` is 1): the batch mean's sum
 * (shift zero) and the variance's sum of squared deviations, the first two passes of the
 * forward pass (two passes rather than Σx² − (Σx)²/n, which cancels when |mean| ≫ std).
 * Two accumulators per group of four channels, one for even rows and one for odd, so
 * consecutive adds do not wait on each other.
 */
export function batchNormSums(x: usize, shift: usize, totals: usize, rows: i32, channels: i32, squares: i32): void {
  const rowBytes = <usize>channels << 2;
  const block = blockRows(channels);
  for (let first = 0; first < rows; first += block) {
    const count = min(block, rows - first);
    for (let c = 0; c < channels; c += 4) {
      const lanes = min(4, channels - c);
      const s = v128.load(shift + (<usize>c << 2));
      let a = f32x4.splat(0), b = f32x4.splat(0);
      let p = x + <usize>first * rowBytes + (<usize>c << 2);
      let r = 0;
      if (squares) {
        for (; r + 1 < count; r += 2, p += 2 * rowBytes) {
          const d0 = f32x4.sub(loadLanes(p, lanes), s);
          const d1 = f32x4.sub(loadLanes(p + rowBytes, lanes), s);
          a = multiplyAdd(a, d0, d0);
          b = multiplyAdd(b, d1, d1);
        }
        if (r < count) {
          const d0 = f32x4.sub(loadLanes(p, lanes), s);
          a = multiplyAdd(a, d0, d0);
        }
      } else {
        for (; r + 1 < count; r += 2, p += 2 * rowBytes) {
          a = f32x4.add(a, loadLanes(p, lanes));
          b = f32x4.add(b, loadLanes(p + rowBytes, lanes));
        }
        if (r < count) a = f32x4.add(a, loadLanes(p, lanes));
      }
      addToTotals(totals + (<usize>c << 3), f32x4.add(a, b));
    }
  }
}

/**
 * The forward pass's output: y = (x − mean)·scale + shift per channel, where the caller has
 * made scale = γ·invStd and shift = β (invStd = 1/√(variance + ε), the biased variance as
 * tfjs's moments and PyTorch's training mode normalise).
 */
export function batchNormApply(x: usize, y: usize, mean: usize, scale: usize, shift: usize, rows: i32, channels: i32): void {
  const rowBytes = <usize>channels << 2;
  const block = blockRows(channels);
  for (let first = 0; first < rows; first += block) {
    const count = min(block, rows - first);
    for (let c = 0; c < channels; c += 4) {
      const lanes = min(4, channels - c);
      const at = <usize>c << 2;
      const m = v128.load(mean + at);
      const k = v128.load(scale + at);
      const b = v128.load(shift + at);
      let offset = <usize>first * rowBytes + at;
      for (let r = 0; r < count; r++, offset += rowBytes) {
        storeLanes(y + offset, multiplyAdd(b, f32x4.sub(loadLanes(x + offset, lanes), m), k), lanes);
      }
    }
  }
}

/**
 * The gradient's sums, with x̂ = (x − mean)·invStd: dyTotals[c] += Σ dy (dβ) and
 * productTotals[c] += Σ dy·(x − mean) (dγ = invStd times it).
 */
export function batchNormGradientSums(dy: usize, x: usize, mean: usize, dyTotals: usize, productTotals: usize, rows: i32, channels: i32): void {
  const rowBytes = <usize>channels << 2;
  const block = blockRows(channels);
  for (let first = 0; first < rows; first += block) {
    const count = min(block, rows - first);
    for (let c = 0; c < channels; c += 4) {
      const lanes = min(4, channels - c);
      const at = <usize>c << 2;
      const m = v128.load(mean + at);
      let sa = f32x4.splat(0), sb = f32x4.splat(0), pa = f32x4.splat(0), pb = f32x4.splat(0);
      let offset = <usize>first * rowBytes + at;
      let r = 0;
      for (; r + 1 < count; r += 2, offset += 2 * rowBytes) {
        const g0 = loadLanes(dy + offset, lanes);
        const g1 = loadLanes(dy + offset + rowBytes, lanes);
        sa = f32x4.add(sa, g0);
        sb = f32x4.add(sb, g1);
        pa = multiplyAdd(pa, g0, f32x4.sub(loadLanes(x + offset, lanes), m));
        pb = multiplyAdd(pb, g1, f32x4.sub(loadLanes(x + offset + rowBytes, lanes), m));
      }
      if (r < count) {
        const g0 = loadLanes(dy + offset, lanes);
        sa = f32x4.add(sa, g0);
        pa = multiplyAdd(pa, g0, f32x4.sub(loadLanes(x + offset, lanes), m));
      }
      addToTotals(dyTotals + (<usize>c << 3), f32x4.add(sa, sb));
      addToTotals(productTotals + (<usize>c << 3), f32x4.add(pa, pb));
    }
  }
}

/**
 * The gradient's dx (the batch statistics' dependence on x included): with M = rows,
 * dx = γ·invStd·(dy − dβ/M − x̂·dγ/M) = k·(dy − a − (x − mean)·b), where the caller has made
 * k = γ·invStd, a = dβ/M and b = invStd·dγ/M per channel.
 */
export function batchNormGradientApply(dy: usize, x: usize, dx: usize, mean: usize, k: usize, a: usize, b: usize, rows: i32, channels: i32): void {
  const rowBytes = <usize>channels << 2;
  const block = blockRows(channels);
  for (let first = 0; first < rows; first += block) {
    const count = min(block, rows - first);
    for (let c = 0; c < channels; c += 4) {
      const lanes = min(4, channels - c);
      const at = <usize>c << 2;
      const m = v128.load(mean + at);
      const kc = v128.load(k + at);
      const ac = v128.load(a + at);
      const bc = v128.load(b + at);
      let offset = <usize>first * rowBytes + at;
      for (let r = 0; r < count; r++, offset += rowBytes) {
        const centred = f32x4.sub(loadLanes(x + offset, lanes), m);
        const inner = f32x4.sub(f32x4.sub(loadLanes(dy + offset, lanes), ac), f32x4.mul(centred, bc));
        storeLanes(dx + offset, f32x4.mul(kc, inner), lanes);
      }
    }
  }
}
