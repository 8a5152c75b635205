/**
 * BatchMatMul with a transposed operand for the wasm backend, in ConvLens's SIMD module
 * (`matMul`, which reads A transposed in place; B is transposed first when it must be).
 * The stock kernel sends transposed products down a naive loop (~2.2 ms for a dense
 * layer's 64×400 · 64×120 weight gradient here); dense layers' gradients are exactly such
 * products. Untransposed products stay with the stock kernel (XNNPACK).
 */
import { disposeOn, type KernelArguments, type TensorInfo } from './wasm-kernel-calls';
import { addressOf, readable, simdKernels } from './wasm-simd-module';

type KernelFunction = (args: KernelArguments) => TensorInfo;

export function toSimdMatMul(stock: KernelFunction): KernelFunction {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const transposeA = attrs['transposeA'] === true;
    const transposeB = attrs['transposeB'] === true;
    const a = inputs['a'] as TensorInfo;
    const b = inputs['b'] as TensorInfo;
    if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length !== 3 || b.shape.length !== 3) return stock(args);
    const [batchA, aRows, aColumns] = a.shape as [number, number, number];
    const [batchB, bRows, bColumns] = b.shape as [number, number, number];
    const rows = transposeA ? aColumns : aRows;
    const depth = transposeA ? aRows : aColumns;
    const columns = transposeB ? bRows : bColumns;
    if (batchA !== batchB && batchA !== 1 && batchB !== 1) return stock(args);
    if (rows === 0 || depth === 0 || columns === 0) return stock(args);
    const batch = Math.max(batchA, batchB);
    const kernels = simdKernels(backend);
    const out = backend.makeOutput([batch, rows, columns], 'float32');
    const temporaries: TensorInfo[] = [];
    let bAddress: number;
    if (transposeB) {
      // [depth, columns] per batch item, with 8 floats of slack for the last 8-lane load.
      const flipped = backend.makeOutput([batchB * depth * columns + 8], 'float32');
      temporaries.push(flipped);
      for (let item = 0; item < batchB; item += 1) {
        kernels.transpose(addressOf(backend, b) + item * columns * depth * 4, addressOf(backend, flipped) + item * depth * columns * 4, columns, depth);
      }
      bAddress = addressOf(backend, flipped);
    } else {
      bAddress = readable(backend, b, temporaries);
    }
    const aAddress = addressOf(backend, a);
    for (let item = 0; item < batch; item += 1) {
      kernels.matMul(
        aAddress + (batchA === 1 ? 0 : item) * rows * depth * 4,
        bAddress + (batchB === 1 ? 0 : item) * depth * columns * 4,
        addressOf(backend, out) + item * rows * columns * 4,
        rows, depth, columns,
        transposeA ? 1 : depth, transposeA ? rows : 1,
      );
    }
    disposeOn(backend, ...temporaries);
    return out;
  };
}
