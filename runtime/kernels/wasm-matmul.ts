/**
 * BatchMatMul and _FusedMatMul (with a bias and a ReLU) for the wasm backend, in
 * ConvLens's SIMD module (`matMul`, which reads A transposed in place; B is transposed
 * first when it must be). The stock kernels send transposed products down a naive loop
 * (~2.2 ms for a dense layer's 64×400 · 64×120 weight gradient here) — dense layers'
 * gradients are exactly such products — and XNNPACK repacks the weights of every product
 * whose weights are new, which in training is every product (~6 GMAC/s for LeNet's dense
 * layers). Other calls (other activations, broadcast biases, non-float) go to the stock kernel.
 */
import type { KernelArguments, TensorInfo } from './wasm-kernel-calls';
import { elementCount } from './wasm-simd-module';
import { placeFor } from './kernel-place';
import { splitWork } from './kernel-threads';

type KernelFunction = (args: KernelArguments) => TensorInfo;

export function toSimdMatMul(stock: KernelFunction): KernelFunction {
  return (args) => simdMatMul(args) ?? stock(args);
}

function simdMatMul(args: KernelArguments): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const transposeA = attrs['transposeA'] === true;
  const transposeB = attrs['transposeB'] === true;
  const a = inputs['a'] as TensorInfo;
  const b = inputs['b'] as TensorInfo;
  const bias = inputs['bias'] as TensorInfo | undefined;
  const activation = (attrs['activation'] as string | undefined) ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') return null;
  // Matrices ([M, K], as tf.matMul passes them) or one batch axis ([B, M, K], tf.fused.matMul's and dense layers'); more batch axes go to the stock kernel.
  const rank = a.shape.length;
  if (inputs['preluActivationWeights'] !== undefined || a.dtype !== 'float32' || b.dtype !== 'float32' || (rank !== 2 && rank !== 3) || b.shape.length !== rank) return null;
  const [batchA, aRows, aColumns] = (rank === 3 ? a.shape : [1, ...a.shape]) as [number, number, number];
  const [batchB, bRows, bColumns] = (rank === 3 ? b.shape : [1, ...b.shape]) as [number, number, number];
  const rows = transposeA ? aColumns : aRows;
  const depth = transposeA ? aRows : aColumns;
  const columns = transposeB ? bRows : bColumns;
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  if (rows === 0 || depth === 0 || columns === 0) return null;
  // A bias per output column only ([N] or [1, …, 1, N]); tfjs also allows other broadcasts.
  if (bias !== undefined && (bias.dtype !== 'float32' || elementCount(bias) !== columns || bias.shape[bias.shape.length - 1] !== columns)) return null;
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput(rank === 3 ? [batch, rows, columns] : [rows, columns], 'float32');
  const place = placeFor(backend, batch * rows * depth * columns, rows);
  try {
    let bAddress: number;
    if (transposeB) {
      // [depth, columns] per batch item, with 8 floats of slack for the last 8-lane load.
      const source = place.input(b);
      bAddress = place.scratch(batchB * depth * columns);
      for (let item = 0; item < batchB; item += 1) place.kernels.transpose(source + item * columns * depth * 4, bAddress + item * depth * columns * 4, columns, depth);
    } else {
      bAddress = place.input(b);
    }
    const biasAddress = bias === undefined ? 0 : place.input(bias);
    const aAddress = place.input(a);
    const output = place.output(out);
    const [rowStride, depthStride] = transposeA ? [1, rows] : [depth, 1];
    for (let item = 0; item < batch; item += 1) {
      const aItem = aAddress + (batchA === 1 ? 0 : item) * rows * depth * 4;
      const bItem = bAddress + (batchB === 1 ? 0 : item) * depth * columns * 4;
      const outItem = output + item * rows * columns * 4;
      // Parts are runs of output rows.
      place.run('matMul', splitWork(rows, place.threads).map(([start, count]) => [
        aItem + start * rowStride * 4, bItem, biasAddress, outItem + start * columns * 4, count, depth, columns, rowStride, depthStride, activation === 'relu' ? 1 : 0,
      ]));
    }
    return out;
  } finally {
    place.finish();
  }
}
