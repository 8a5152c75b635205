// AssemblyScript: the vector helpers the kernels share (inlined where they are used).

@inline export function multiplyAdd(accumulator: v128, a: v128, b: v128): v128 {
  // Relaxed SIMD's fused multiply-add is not available in Node 20 without a flag.
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

