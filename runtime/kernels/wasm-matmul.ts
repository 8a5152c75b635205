/**
 * BatchMatMul with a transposed operand for the wasm backend. The stock kernel sends
 * transposed products down a naive loop (~2.2 ms for a dense layer's 64×400 · 64×120 weight
 * gradient here, against ~0.2 ms for transposing first and multiplying untransposed with
 * XNNPACK). Dense layers' gradients are exactly such products.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeOn, type KernelArguments, type TensorInfo, transposeOn } from './wasm-kernel-calls';

type KernelFunction = (args: KernelArguments) => TensorInfo;

/** Wraps the stock kernel: transposes the operands it would handle slowly, then calls it. */
export function toTransposingMatMul(stock: KernelFunction): KernelFunction {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const transposeA = attrs['transposeA'] === true;
    const transposeB = attrs['transposeB'] === true;
    if (!transposeA && !transposeB) return stock(args);
    const a = inputs['a'] as TensorInfo;
    const b = inputs['b'] as TensorInfo;
    const freed: TensorInfo[] = [];
    const flip = (tensor: TensorInfo): TensorInfo => {
      const flipped = transposeOn(backend as BackendWasm, tensor, swapLastTwo(tensor.shape.length));
      freed.push(flipped);
      return flipped;
    };
    const result = stock({
      inputs: { a: transposeA ? flip(a) : a, b: transposeB ? flip(b) : b },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
    disposeOn(backend, ...freed);
    return result;
  };
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, axis) => axis);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}
