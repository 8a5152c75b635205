/**
 * The runtime's one layout rule: the IR speaks channels first (`[C, H, W]`, as PyTorch and
 * the engine do), TensorFlow.js computes channels last (`[H, W, C]`, the only layout its
 * wasm and cpu convolutions support). A per-sample tensor of rank 3 is stored as
 * `[H, W, C]`; every other rank is stored as the IR writes it. Nothing outside runtime/
 * ever sees a channels-last shape.
 */

/** IR (channels-first) per-sample shape → the shape the tensor has inside TensorFlow.js. */
export function toTensorShape(shape: readonly number[]): number[] {
  if (shape.length !== 3) return [...shape];
  const [channels, height, width] = shape as [number, number, number];
  return [height, width, channels];
}

/** A TensorFlow.js per-sample shape → the IR's channels-first shape. */
export function toIrShape(shape: readonly number[]): number[] {
  if (shape.length !== 3) return [...shape];
  const [height, width, channels] = shape as [number, number, number];
  return [channels, height, width];
}

/** The channel axis of a batched tensor whose per-sample rank is `rank`. */
export function channelAxis(rank: number): number {
  // Rank 3 is [N, H, W, C]; otherwise the IR's first per-sample axis is axis 1 of the batch.
  return rank === 3 ? 3 : 1;
}
