/**
 * Sum over the leading axes for the wasm backend (a bias's gradient: dy [N, H, W, C] summed
 * to [C]), as row sums in JavaScript; the stock kernel transposes the reduced axes to the
 * end first (~0.4 ms for LeNet's first bias at batch 32 here). Other reductions go to the
 * stock kernel.
 */
import { heapView, type KernelArguments, type TensorInfo } from './wasm-kernel-calls';

type KernelFunction = (args: KernelArguments) => TensorInfo;

export function toLeadingAxesSum(stock: KernelFunction): KernelFunction {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs['x'] as TensorInfo;
    const axes = (Array.isArray(attrs['axis']) ? (attrs['axis'] as number[]) : [attrs['axis'] as number]).map((axis) => (axis < 0 ? axis + x.shape.length : axis)).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((axis, index) => axis === index);
    if (!leading || x.dtype !== 'float32' || attrs['keepDims'] === true) return stock(args);
    const kept = x.shape.slice(axes.length);
    const columns = kept.reduce((product, dimension) => product * dimension, 1);
    const rows = x.shape.slice(0, axes.length).reduce((product, dimension) => product * dimension, 1);
    const out = backend.makeOutput(kept, 'float32');
    const sums = new Float64Array(columns);
    const values = heapView(backend, x);
    for (let row = 0, offset = 0; row < rows; row += 1, offset += columns) {
      for (let column = 0; column < columns; column += 1) sums[column] = (sums[column] as number) + (values[offset + column] as number);
    }
    heapView(backend, out).set(sums);
    return out;
  };
}
