// AssemblyScript: the vector helpers the kernels share (inlined where they are used).

@inline export function multiplyAdd(accumulator: v128, a: v128, b: v128): v128 {
  // The relaxed build (kernels-relaxed.wasm, build.mjs) uses relaxed SIMD's multiply-add:
  // one fused instruction where the host has FMA, where the plain build needs two. The
  // runtime loads it where the engine has relaxed SIMD (Node 22; Node 20 once the runtime has
  // turned on --experimental-wasm-relaxed-simd). The condition is a compile-time constant.
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, accumulator);
  return f32x4.add(accumulator, f32x4.mul(a, b));
}

@inline export function relu(v: v128): v128 {
  return f32x4.max(v, f32x4.splat(0));
}

/** Stores the first `lanes` (1…8) of the 8-lane value (low, high) at `pointer`. */
@inline export function storeLanes(pointer: usize, low: v128, high: v128, lanes: i32): void {
  if (lanes >= 8) {
    v128.store(pointer, low);
    v128.store(pointer, high, 16);
    return;
  }
  if (lanes >= 4) {
    v128.store(pointer, low);
    if (lanes > 4) v128.store32_lane(pointer, high, 0, 16);
    if (lanes > 5) v128.store32_lane(pointer, high, 1, 20);
    if (lanes > 6) v128.store32_lane(pointer, high, 2, 24);
    return;
  }
  v128.store32_lane(pointer, low, 0);
  if (lanes > 1) v128.store32_lane(pointer, low, 1, 4);
  if (lanes > 2) v128.store32_lane(pointer, low, 2, 8);
}


/**
 * Stores a 4 × 8 register tile: row k (k = 0…3) gets (a_k, b_k)'s first `lanes` lanes at
 * pointer + k·rowBytes, for the rows first + k ≤ last only (a tile may hang over the end).
 */
@inline export function storeTile(
  pointer: usize, rowBytes: usize, first: i32, last: i32, lanes: i32,
  a0: v128, b0: v128, a1: v128, b1: v128, a2: v128, b2: v128, a3: v128, b3: v128,
): void {
  storeLanes(pointer, a0, b0, lanes);
  if (first + 1 <= last) storeLanes(pointer + rowBytes, a1, b1, lanes);
  if (first + 2 <= last) storeLanes(pointer + 2 * rowBytes, a2, b2, lanes);
  if (first + 3 <= last) storeLanes(pointer + 3 * rowBytes, a3, b3, lanes);
}

/**
 * Bytes from one plane of a Winograd chunk's scratch to the next: its rows, plus 64 bytes.
 * The transforms touch all 16 or 36 planes at the same offset; planes a multiple of 4 KiB
 * apart would all fall in one set of the first-level cache (8 ways on current x64 cores),
 * and chunks of 56 or 112 tiles of 64 or 128 channels are exactly that (F(4×4)'s filter
 * gradient ran 1.8× slower on such chunks). Callers add 16 floats per plane to the scratch.
 */
@inline export function planeBytes(rows: i32, width: i32): usize {
  return (<usize>(rows * width) << 2) + 64;
}

/**
 * Bytes from one plane of a transformed filter (or of the filter gradient's sums, [16 or 36,
 * C, F]) to the next: C·F floats plus 64 bytes. The filter transforms write all planes at
 * the same offset; C·F·4 bytes is a multiple of 4 KiB for most channel counts (1 MiB at
 * 512 × 512), which put every plane in one set of the first- and second-level caches
 * (F(4×4)'s filter transform at 512 × 512 took 17 ms, over half the time of the products it
 * feeds). Callers add 16 floats per plane to these buffers.
 */
@inline export function filterPlaneBytes(channels: i32, filters: i32): usize {
  return (<usize>(channels * filters) << 2) + 64;
}
