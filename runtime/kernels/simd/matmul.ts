// AssemblyScript (see convolution.ts for the conventions): the matrix products of a dense
// layer's gradients, which tfjs-backend-wasm sends down a naive loop when an operand is
// transposed (dW = xᵀ·dy, dx = dy·Wᵀ).

import { multiplyAdd, relu, storeTile } from './lanes';

/**
 * out[m, n] = bias[n] + Σ_k A(m, k) · b[k, n] for m < rows, n < columns, k < depth, then
 * max(·, 0) when `withRelu`, where A(m, k) = a[m·rowStride + k·depthStride] (so A may be
 * stored transposed) and b is row-major [depth, columns]; `bias` 0 means none. Tiles of
 * 4 rows × 8 columns; the last row tile overlaps the one before it (recomputed rows store
 * the same values), so rows ≥ 1 is all it needs.
 */
export function matMul(a: usize, b: usize, bias: usize, out: usize, rows: i32, depth: i32, columns: i32, rowStride: i32, depthStride: i32, withRelu: bool): void {
  const bRowBytes = <usize>columns << 2;
  const depthStep = <usize>depthStride << 2;
  const rowStep = <usize>rowStride << 2;
  const last = rows - 1;
  for (let first = 0; first < rows; first += 4) {
    const tile = min(first, max(rows - 4, 0));
    const a0 = a + <usize>tile * rowStep;
    const a1 = a + <usize>min(tile + 1, last) * rowStep;
    const a2 = a + <usize>min(tile + 2, last) * rowStep;
    const a3 = a + <usize>min(tile + 3, last) * rowStep;
    for (let lane = 0; lane < columns; lane += 8) {
      let c0 = f32x4.splat(0), d0 = f32x4.splat(0), c1 = f32x4.splat(0), d1 = f32x4.splat(0);
      let c2 = f32x4.splat(0), d2 = f32x4.splat(0), c3 = f32x4.splat(0), d3 = f32x4.splat(0);
      if (bias != 0) {
        const low = v128.load(bias + (<usize>lane << 2));
        const high = v128.load(bias + (<usize>lane << 2), 16);
        c0 = low; c1 = low; c2 = low; c3 = low;
        d0 = high; d1 = high; d2 = high; d3 = high;
      }
      let bk = b + (<usize>lane << 2);
      let ak: usize = 0;
      for (let k = 0; k < depth; k++, bk += bRowBytes, ak += depthStep) {
        const low = v128.load(bk);
        const high = v128.load(bk, 16);
        let v = v128.load32_splat(a0 + ak);
        c0 = multiplyAdd(c0, v, low); d0 = multiplyAdd(d0, v, high);
        v = v128.load32_splat(a1 + ak);
        c1 = multiplyAdd(c1, v, low); d1 = multiplyAdd(d1, v, high);
        v = v128.load32_splat(a2 + ak);
        c2 = multiplyAdd(c2, v, low); d2 = multiplyAdd(d2, v, high);
        v = v128.load32_splat(a3 + ak);
        c3 = multiplyAdd(c3, v, low); d3 = multiplyAdd(d3, v, high);
      }
      if (withRelu) {
        c0 = relu(c0); d0 = relu(d0); c1 = relu(c1); d1 = relu(d1);
        c2 = relu(c2); d2 = relu(d2); c3 = relu(c3); d3 = relu(d3);
      }
      storeTile(out + (((<usize>tile * columns) + lane) << 2), bRowBytes, tile, last, min(columns - lane, 8), c0, d0, c1, d1, c2, d2, c3, d3);
    }
  }
}

/**
 * out[c, r] = x[r, c] for an r × c matrix: a weight matrix to multiply by its transpose,
 * an image between channels last and channels first (../wasm-transpose.ts).
 */
export function transpose(x: usize, out: usize, rows: i32, columns: i32): void {
  transposeRows(x, out, rows, columns, 0, rows);
}

/**
 * `transpose` for the rows `firstRow` ≤ r < `endRow` only (a thread's share), in 4 × 4
 * blocks: four vector loads, shuffles, four vector stores. Element by element every store
 * went to another cache line (`rows` floats apart): the rotation of ResNet-18's 512 × 512
 * filters (winograd.ts `rotateFilter`) took its 4 × 4 × 512 input gradient 28.2–28.6 ms
 * that way and 24.1–25.3 ms this way (batch 64, two threads, three alternating rounds).
 */
export function transposeRows(x: usize, out: usize, rows: i32, columns: i32, firstRow: i32, endRow: i32): void {
  const blockEnd = firstRow + ((endRow - firstRow) & ~3);
  const wholeColumns = columns & ~3;
  const sourceRow = <usize>columns << 2;
  const targetRow = <usize>rows << 2;
  for (let r = firstRow; r < blockEnd; r += 4) {
    const from = x + ((<usize>(r * columns)) << 2);
    const to = out + (<usize>r << 2);
    for (let c = 0; c < wholeColumns; c += 4) {
      const at = from + (<usize>c << 2);
      const r0 = v128.load(at), r1 = v128.load(at + sourceRow), r2 = v128.load(at + 2 * sourceRow), r3 = v128.load(at + 3 * sourceRow);
      // [r0.0 r1.0 r0.1 r1.1], [r2.0 r3.0 r2.1 r3.1], then the upper halves: column j of
      // the block is lanes j of r0…r3.
      const low01 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5), low23 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
      const high01 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7), high23 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
      const column = to + <usize>c * targetRow;
      v128.store(column, v128.shuffle<i32>(low01, low23, 0, 1, 4, 5));
      v128.store(column + targetRow, v128.shuffle<i32>(low01, low23, 2, 3, 6, 7));
      v128.store(column + 2 * targetRow, v128.shuffle<i32>(high01, high23, 0, 1, 4, 5));
      v128.store(column + 3 * targetRow, v128.shuffle<i32>(high01, high23, 2, 3, 6, 7));
    }
    for (let k = 0; k < 4; k++) transposeRun(x, out, rows, columns, r + k, wholeColumns);
  }
  for (let r = blockEnd; r < endRow; r++) transposeRun(x, out, rows, columns, r, 0);
}

/** out[c, r] = x[r, c] for one row r and the columns from `firstColumn` on (the ones no 4 × 4 block covered). */
@inline function transposeRun(x: usize, out: usize, rows: i32, columns: i32, r: i32, firstColumn: i32): void {
  for (let c = firstColumn; c < columns; c++) {
    store<f32>(out + ((<usize>(c * rows + r)) << 2), load<f32>(x + ((<usize>(r * columns + c)) << 2)));
  }
}
