// AssemblyScript (see convolution.ts for the conventions): batch normalisation in training
// over channels-last data seen as [rows, channels] (rows = N·H·W, or N after a dense
// layer), forward and gradient. Per-channel sums run down the rows in f32 registers for a
// block of rows at a time and join f64 totals after each block, so a sum over 32,768 rows
// (ResNet's first layers at batch 32) rounds like a short f32 sum, not a long one. Nothing
// reads past a buffer: the last 1–3 channels of a row load and store only their lanes.
//
// `scratch` is the caller's, 8·padded floats (padded = channels rounded up to 4): f64 totals
// and zero-padded per-channel copies, so per-channel vectors load whole even in the tail
// (the forward pass uses the first 5·padded).
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

function zero(pointer: usize, bytes: usize): void {
  for (let at: usize = 0; at < bytes; at += 16) v128.store(pointer + at, f32x4.splat(0));
}

/**
 * totals[c] += Σ_rows x[r, c] − shift[c] (squared when `squares`): the batch mean's sum
 * (shift zero) and the variance's sum of squared deviations. Two accumulators per group of
 * four channels, one for even rows and one for odd, so consecutive adds do not wait on each other.
 */
function channelSums(x: usize, shift: usize, totals: usize, rows: i32, channels: i32, squares: bool): void {
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
 * The forward pass: per channel the batch mean, the biased variance (Σ(x − mean)² / rows,
 * as tfjs's moments and PyTorch's training mode normalise), invStd = 1/√(variance + ε),
 * and y = (x − mean)·(γ·invStd) + β. Three passes over x: the sum, the squared deviations
 * from the mean (two passes rather than Σx² − (Σx)²/n, which cancels when |mean| ≫ std),
 * and the output.
 */
export function batchNormTraining(
  x: usize, gamma: usize, beta: usize, y: usize, mean: usize, variance: usize, invStd: usize, scratch: usize,
  rows: i32, channels: i32, epsilon: f32,
): void {
  const padded = (channels + 3) & ~3;
  const totals = scratch;
  const meanCopy = scratch + (<usize>padded << 3);
  const scaleCopy = meanCopy + (<usize>padded << 2);
  const betaCopy = scaleCopy + (<usize>padded << 2);
  zero(scratch, <usize>padded * 20);
  channelSums(x, meanCopy, totals, rows, channels, false);
  for (let c = 0; c < channels; c++) {
    const at = <usize>c << 2;
    const m = <f32>(load<f64>(totals + (<usize>c << 3)) / <f64>rows);
    store<f32>(mean + at, m);
    store<f32>(meanCopy + at, m);
    store<f64>(totals + (<usize>c << 3), 0);
  }
  channelSums(x, meanCopy, totals, rows, channels, true);
  for (let c = 0; c < channels; c++) {
    const at = <usize>c << 2;
    const v = <f32>(load<f64>(totals + (<usize>c << 3)) / <f64>rows);
    const inverse = <f32>(1 / Math.sqrt(<f64>v + <f64>epsilon));
    store<f32>(variance + at, v);
    store<f32>(invStd + at, inverse);
    store<f32>(scaleCopy + at, load<f32>(gamma + at) * inverse);
    store<f32>(betaCopy + at, load<f32>(beta + at));
  }
  const rowBytes = <usize>channels << 2;
  const block = blockRows(channels);
  for (let first = 0; first < rows; first += block) {
    const count = min(block, rows - first);
    for (let c = 0; c < channels; c += 4) {
      const lanes = min(4, channels - c);
      const at = <usize>c << 2;
      const m = v128.load(meanCopy + at);
      const scale = v128.load(scaleCopy + at);
      const shift = v128.load(betaCopy + at);
      let offset = <usize>first * rowBytes + at;
      for (let r = 0; r < count; r++, offset += rowBytes) {
        storeLanes(y + offset, multiplyAdd(shift, f32x4.sub(loadLanes(x + offset, lanes), m), scale), lanes);
      }
    }
  }
}

/**
 * The gradient of batchNormTraining's y (the batch statistics' dependence on x included):
 * with x̂ = (x − mean)·invStd and M = rows, dβ = Σ dy, dγ = Σ dy·x̂ and
 * dx = γ·invStd·(dy − dβ/M − x̂·dγ/M). Two passes: the two sums, then dx.
 */
export function batchNormTrainingGradient(
  dy: usize, x: usize, mean: usize, invStd: usize, gamma: usize, dx: usize, dgamma: usize, dbeta: usize, scratch: usize,
  rows: i32, channels: i32,
): void {
  const padded = (channels + 3) & ~3;
  const dyTotals = scratch;
  const productTotals = scratch + (<usize>padded << 3);
  const meanCopy = scratch + (<usize>padded << 4);
  const kCopy = meanCopy + (<usize>padded << 2);
  const aCopy = kCopy + (<usize>padded << 2);
  const bCopy = aCopy + (<usize>padded << 2);
  zero(scratch, <usize>padded << 5);
  for (let c = 0; c < channels; c++) store<f32>(meanCopy + (<usize>c << 2), load<f32>(mean + (<usize>c << 2)));
  const rowBytes = <usize>channels << 2;
  const block = blockRows(channels);
  for (let first = 0; first < rows; first += block) {
    const count = min(block, rows - first);
    for (let c = 0; c < channels; c += 4) {
      const lanes = min(4, channels - c);
      const at = <usize>c << 2;
      const m = v128.load(meanCopy + at);
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
  const count = <f64>rows;
  for (let c = 0; c < channels; c++) {
    const at = <usize>c << 2;
    const sumDy = load<f64>(dyTotals + (<usize>c << 3));
    const sumProduct = load<f64>(productTotals + (<usize>c << 3));
    const inverse = <f64>load<f32>(invStd + at);
    store<f32>(dbeta + at, <f32>sumDy);
    store<f32>(dgamma + at, <f32>(sumProduct * inverse));
    // dx = k·(dy − a − (x − mean)·b) with k = γ·invStd, a = dβ/M, b = invStd·dγ/M.
    store<f32>(kCopy + at, <f32>(<f64>load<f32>(gamma + at) * inverse));
    store<f32>(aCopy + at, <f32>(sumDy / count));
    store<f32>(bCopy + at, <f32>(inverse * inverse * sumProduct / count));
  }
  for (let first = 0; first < rows; first += block) {
    const count = min(block, rows - first);
    for (let c = 0; c < channels; c += 4) {
      const lanes = min(4, channels - c);
      const at = <usize>c << 2;
      const m = v128.load(meanCopy + at);
      const k = v128.load(kCopy + at);
      const a = v128.load(aCopy + at);
      const b = v128.load(bCopy + at);
      let offset = <usize>first * rowBytes + at;
      for (let r = 0; r < count; r++, offset += rowBytes) {
        const centred = f32x4.sub(loadLanes(x + offset, lanes), m);
        const inner = f32x4.sub(f32x4.sub(loadLanes(dy + offset, lanes), a), f32x4.mul(centred, b));
        storeLanes(dx + offset, f32x4.mul(k, inner), lanes);
      }
    }
  }
}
