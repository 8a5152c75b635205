// AssemblyScript (see convolution.ts for the conventions): per-channel kernels of the
// training step that tfjs-backend-wasm runs slowly for channels-last tensors — the bias
// add (a broadcast over [.., C]), the bias gradient (a sum over every axis but the last)
// and the 2×2 max-pool gradient. Each is one pass over its tensor.

/**
 * out[r, c] = x[r, c] + bias[c] for `count` elements of x with `channels` channels,
 * SIMD over the flattened tensor: `pattern` is the bias repeated to `period` =
 * lcm(channels, 4) floats, so every 4-lane load of x lines up with 4 lanes of it.
 */
export function addBias(x: usize, pattern: usize, period: i32, output: usize, count: i32): void {
  const periodBytes = <usize>period << 2;
  const whole = count - count % period;
  let offset: usize = 0;
  const end = <usize>whole << 2;
  while (offset < end) {
    for (let lane: usize = 0; lane < periodBytes; lane += 16) {
      v128.store(output + offset + lane, f32x4.add(v128.load(x + offset + lane), v128.load(pattern + lane)));
    }
    offset += periodBytes;
  }
  for (let index = whole; index < count; index++) {
    const at = <usize>index << 2;
    store<f32>(output + at, load<f32>(x + at) + load<f32>(pattern + (<usize>(index - whole) << 2)));
  }
}

/**
 * partial[k] = Σ over whole periods of x[period·n + k] for k < period (= lcm(channels, 4)),
 * SIMD over the flattened tensor; the caller folds `partial` into the channels and adds
 * the elements after the last whole period. `partial` must be zeroed by the caller.
 */
export function sumPeriods(x: usize, partial: usize, period: i32, count: i32): void {
  const periodBytes = <usize>period << 2;
  const end = <usize>(count - count % period) << 2;
  if (period <= 16) {
    // Up to four vectors: in registers.
    let a = f32x4.splat(0), b = f32x4.splat(0), c = f32x4.splat(0), d = f32x4.splat(0);
    for (let offset: usize = 0; offset < end; offset += periodBytes) {
      a = f32x4.add(a, v128.load(x + offset));
      if (period > 4) b = f32x4.add(b, v128.load(x + offset, 16));
      if (period > 8) c = f32x4.add(c, v128.load(x + offset, 32));
      if (period > 12) d = f32x4.add(d, v128.load(x + offset, 48));
    }
    v128.store(partial, a);
    if (period > 4) v128.store(partial, b, 16);
    if (period > 8) v128.store(partial, c, 32);
    if (period > 12) v128.store(partial, d, 48);
    return;
  }
  for (let offset: usize = 0; offset < end; offset += periodBytes) {
    for (let lane: usize = 0; lane < periodBytes; lane += 16) {
      v128.store(partial + lane, f32x4.add(v128.load(partial + lane), v128.load(x + offset + lane)));
    }
  }
}

/**
 * MaxPoolGrad of the 2×2, stride-2, unpadded window (LeNet, VGG), as tfjs's cpu backend
 * computes it (`maxPoolPositions`): scanning in row-major order from −∞ with a strict
 * comparison, a window's gradient goes to its first maximum; NaN never wins, and a window
 * of NaN and −∞ only passes no gradient. With 4 channels or more every pixel of a window is
 * written (its share or 0), four channels at a time, the last four overlapping the ones
 * before when C is not a multiple of 4 (LeNet's 6: they write the same values twice); with
 * fewer, only the winner. `dx` must be zeroed by the caller where that leaves pixels
 * unwritten: rows and columns no window covers, or C < 4.
 */
export function maxPoolGradient2x2(
  x: usize, dy: usize, dx: usize,
  batch: i32, height: i32, width: i32, channels: i32, outHeight: i32, outWidth: i32,
): void {
  const channelBytes = <usize>channels << 2;
  const rowBytes = <usize>(width * channels) << 2;
  const vectorEnd = <usize>(channels & ~3) << 2;
  let gradient = dy;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < outHeight; p++) {
      let corner = (<usize>(b * height + 2 * p) * rowBytes);
      for (let q = 0; q < outWidth; q++, corner += 2 * channelBytes, gradient += channelBytes) {
        let c: usize = 0;
        for (; c < vectorEnd; c += 16) windowGradient(x, dx, corner + c, gradient + c, channelBytes, rowBytes);
        if (c == channelBytes) continue;
        if (channels >= 4) {
          const last = channelBytes - 16;
          windowGradient(x, dx, corner + last, gradient + last, channelBytes, rowBytes);
          continue;
        }
        for (; c < channelBytes; c += 4) {
          const at = corner + c;
          let best: f32 = -Infinity;
          let where: isize = -1;
          if (load<f32>(x + at) > best) { best = load<f32>(x + at); where = at; }
          if (load<f32>(x + at + channelBytes) > best) { best = load<f32>(x + at + channelBytes); where = at + channelBytes; }
          if (load<f32>(x + at + rowBytes) > best) { best = load<f32>(x + at + rowBytes); where = at + rowBytes; }
          if (load<f32>(x + at + rowBytes + channelBytes) > best) where = at + rowBytes + channelBytes;
          if (where >= 0) store<f32>(dx + <usize>where, load<f32>(gradient + c));
        }
      }
    }
  }
}

/** Four channels of one window: each of its four pixels gets the gradient at `gradient` where it is the window's first maximum, 0 elsewhere. */
@inline function windowGradient(x: usize, dx: usize, at: usize, gradient: usize, channelBytes: usize, rowBytes: usize): void {
  const lowest = f32x4.splat(-Infinity);
  const x0 = v128.load(x + at);
  const x1 = v128.load(x + at + channelBytes);
  const x2 = v128.load(x + at + rowBytes);
  const x3 = v128.load(x + at + rowBytes + channelBytes);
  const c0 = f32x4.gt(x0, lowest);
  let best = v128.bitselect(x0, lowest, c0);
  const c1 = f32x4.gt(x1, best);
  best = v128.bitselect(x1, best, c1);
  const c2 = f32x4.gt(x2, best);
  best = v128.bitselect(x2, best, c2);
  const c3 = f32x4.gt(x3, best);
  const g = v128.load(gradient);
  // The winner is the last position whose comparison succeeded; none may have.
  const w2 = v128.andnot(c2, c3);
  const w1 = v128.andnot(v128.andnot(c1, c2), c3);
  const w0 = v128.andnot(c0, v128.or(v128.or(c1, c2), c3));
  v128.store(dx + at, v128.and(g, w0));
  v128.store(dx + at + channelBytes, v128.and(g, w1));
  v128.store(dx + at + rowBytes, v128.and(g, w2));
  v128.store(dx + at + rowBytes + channelBytes, v128.and(g, c3));
}

/**
 * The ReLU's gradient, dx = dy · step(x) exactly as tfjs computes it: step is 1 where
 * x > 0, 0 elsewhere and NaN where x is NaN (so a negative dy times 0 gives −0 as there).
 */
export function reluGradient(dy: usize, x: usize, dx: usize, count: i32): void {
  const vectorEnd = <usize>(count & ~3) << 2;
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let at: usize = 0;
  for (; at < vectorEnd; at += 16) {
    const input = v128.load(x + at);
    const step = v128.bitselect(input, v128.and(f32x4.gt(input, zero), one), f32x4.ne(input, input));
    v128.store(dx + at, f32x4.mul(v128.load(dy + at), step));
  }
  const end = <usize>count << 2;
  for (; at < end; at += 4) {
    const input = load<f32>(x + at);
    const step: f32 = input != input ? input : input > 0 ? 1 : 0;
    store<f32>(dx + at, load<f32>(dy + at) * step);
  }
}

/**
 * out[i] = a[i] + b[i] for i < count (out may be a): a same-shape Add, and the threads'
 * partial sums of a filter gradient added up (the JavaScript loop this replaced took
 * 11–17 ms here for ResNet-18's 36 · 512 · 512 Winograd sums).
 */
export function addArrays(a: usize, b: usize, out: usize, count: i32): void {
  const vectorEnd = <usize>(count & ~3) << 2;
  let at: usize = 0;
  for (; at < vectorEnd; at += 16) v128.store(out + at, f32x4.add(v128.load(a + at), v128.load(b + at)));
  const end = <usize>count << 2;
  for (; at < end; at += 4) store<f32>(out + at, load<f32>(a + at) + load<f32>(b + at));
}

/**
 * out[i] = max(x[i], 0) for i < count, as tfjs's cpu backend computes the ReLU (Math.max):
 * NaN stays NaN and −0 becomes 0, which is what WebAssembly's max does too.
 */
export function reluForward(x: usize, out: usize, count: i32): void {
  const vectorEnd = <usize>(count & ~3) << 2;
  const zero = f32x4.splat(0);
  let at: usize = 0;
  for (; at < vectorEnd; at += 16) v128.store(out + at, f32x4.max(v128.load(x + at), zero));
  const end = <usize>count << 2;
  for (; at < end; at += 4) store<f32>(out + at, max<f32>(load<f32>(x + at), 0));
}
