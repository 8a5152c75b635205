/**
 * Sum over the leading axes for the wasm backend (a bias's gradient: dy [N, H, W, C] summed
 * to [C]) in one SIMD pass of ConvLens's module (`sumPeriods`); the stock kernel transposes
 * the reduced axes to the end first (~0.4 ms for LeNet's first bias at batch 32 here).
 * Other reductions go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { disposeOn, heapView, type KernelArguments, type TensorInfo } from './wasm-kernel-calls';
import { addressOf, elementCount, simdKernels } from './wasm-simd-module';

type KernelFunction = (args: KernelArguments) => TensorInfo;

export function toLeadingAxesSum(stock: KernelFunction): KernelFunction {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs['x'] as TensorInfo;
    const axes = (Array.isArray(attrs['axis']) ? (attrs['axis'] as number[]) : [attrs['axis'] as number]).map((axis) => (axis < 0 ? axis + x.shape.length : axis)).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((axis, index) => axis === index);
    if (!leading || x.dtype !== 'float32' || attrs['keepDims'] === true) return stock(args);
    const kept = x.shape.slice(axes.length);
    const columns = tf.util.sizeFromShape(kept);
    const count = elementCount(x);
    if (columns === 0 || count === 0) return stock(args);
    // The module sums whole periods of lcm(columns, 4) floats, so that its 4-lane loads
    // always meet the same columns; the partial sums fold into the columns here.
    const period = leastCommonMultiple(columns, 4);
    const out = backend.makeOutput(kept, 'float32');
    const partial = backend.makeOutput([period], 'float32');
    heapView(backend, partial).fill(0);
    simdKernels(backend).sumPeriods(addressOf(backend, x), addressOf(backend, partial), period, count);
    const sums = new Float64Array(columns);
    const partialSums = heapView(backend, partial);
    for (let k = 0; k < period; k += 1) sums[k % columns] = (sums[k % columns] as number) + (partialSums[k] as number);
    const values = heapView(backend, x);
    for (let index = count - (count % period); index < count; index += 1) sums[index % columns] = (sums[index % columns] as number) + (values[index] as number);
    heapView(backend, out).set(sums);
    disposeOn(backend, partial);
    return out;
  };
}

export function leastCommonMultiple(a: number, b: number): number {
  let [x, y] = [a, b];
  while (y !== 0) [x, y] = [y, x % y];
  return (a / x) * b;
}
