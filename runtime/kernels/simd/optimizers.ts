// AssemblyScript (see convolution.ts for the conventions): optimizer updates in one SIMD
// pass over a variable (optimizer-kernels.ts has the formulas and their sources).

/**
 * Adam: m' = β₁m + (1 − β₁)g; v' = β₂v + (1 − β₂)g²; w' = w − lr·(m'·c₁) / (√(v'·c₂) + ε),
 * with the bias corrections c₁ = 1 / (1 − β₁ᵗ) and c₂ = 1 / (1 − β₂ᵗ) computed by the caller.
 */
export function adam(
  w: usize, m: usize, v: usize, g: usize, newW: usize, newM: usize, newV: usize, count: i32,
  learningRate: f32, beta1: f32, beta2: f32, epsilon: f32, correction1: f32, correction2: f32,
): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(1 - beta2);
  const step = f32x4.splat(learningRate * correction1), corr2 = f32x4.splat(correction2), eps = f32x4.splat(epsilon);
  const vectorEnd = <usize>(count & ~3) << 2;
  let at: usize = 0;
  for (; at < vectorEnd; at += 16) {
    const gradient = v128.load(g + at);
    const mean = f32x4.add(f32x4.mul(b1, v128.load(m + at)), f32x4.mul(c1, gradient));
    const variance = f32x4.add(f32x4.mul(b2, v128.load(v + at)), f32x4.mul(c2, f32x4.mul(gradient, gradient)));
    v128.store(newM + at, mean);
    v128.store(newV + at, variance);
    const denominator = f32x4.add(f32x4.sqrt(f32x4.mul(variance, corr2)), eps);
    v128.store(newW + at, f32x4.sub(v128.load(w + at), f32x4.div(f32x4.mul(step, mean), denominator)));
  }
  const end = <usize>count << 2;
  for (; at < end; at += 4) {
    const gradient = load<f32>(g + at);
    const mean = beta1 * load<f32>(m + at) + (1 - beta1) * gradient;
    const variance = beta2 * load<f32>(v + at) + (1 - beta2) * gradient * gradient;
    store<f32>(newM + at, mean);
    store<f32>(newV + at, variance);
    store<f32>(newW + at, load<f32>(w + at) - (learningRate * correction1 * mean) / (Mathf.sqrt(variance * correction2) + epsilon));
  }
}

/** SGD with momentum: u' = μu + g; w' = w − lr·u'. */
export function momentum(w: usize, u: usize, g: usize, newW: usize, newU: usize, count: i32, learningRate: f32, mu: f32): void {
  const muVector = f32x4.splat(mu), rate = f32x4.splat(learningRate);
  const vectorEnd = <usize>(count & ~3) << 2;
  let at: usize = 0;
  for (; at < vectorEnd; at += 16) {
    const next = f32x4.add(f32x4.mul(muVector, v128.load(u + at)), v128.load(g + at));
    v128.store(newU + at, next);
    v128.store(newW + at, f32x4.sub(v128.load(w + at), f32x4.mul(rate, next)));
  }
  const end = <usize>count << 2;
  for (; at < end; at += 4) {
    const next = mu * load<f32>(u + at) + load<f32>(g + at);
    store<f32>(newU + at, next);
    store<f32>(newW + at, load<f32>(w + at) - learningRate * next);
  }
}
