/**
 * Add for the wasm backend in one SIMD pass of ConvLens's module, split between the kernel
 * threads: when one operand is a per-channel vector broadcast over the other's last axis (a
 * bias: [N, H, W, C] + [C], `addBias`; the stock kernel's general broadcast took ~0.5–0.9 ms
 * for LeNet's first convolution's bias at batch 32 here), and when both have the same shape
 * (a residual block's sum, `addArrays`; the stock kernel runs on one thread). Other
 * additions go to the stock kernel.
 */
import { disposeOn, heapView, type KernelArguments, type TensorInfo } from './wasm-kernel-calls';
import { leastCommonMultiple } from './wasm-sum';
import { addressOf, elementCount } from './wasm-simd-module';
import { runElementwise, runOnArrays } from './kernel-place';

type KernelFunction = (args: KernelArguments) => TensorInfo;

/** Whether `bias` is [C] or [1, …, 1, C] with C the last axis of `x`, and no larger in rank. */
function isChannelBias(x: TensorInfo, bias: TensorInfo): boolean {
  const channels = x.shape[x.shape.length - 1];
  if (channels === undefined || bias.shape.length > x.shape.length || bias.shape[bias.shape.length - 1] !== channels) return false;
  return bias.shape.slice(0, -1).every((dimension) => dimension === 1) && x.shape.length >= 2;
}

function sameShape(a: TensorInfo, b: TensorInfo): boolean {
  return a.shape.length === b.shape.length && a.shape.every((dimension, axis) => dimension === b.shape[axis]);
}

function addSameShape({ backend }: KernelArguments, a: TensorInfo, b: TensorInfo): TensorInfo {
  const out = backend.makeOutput([...a.shape], 'float32');
  runOnArrays(backend, 'addArrays', [a, b, out].map((info) => addressOf(backend, info)), elementCount(a));
  return out;
}

export function toBiasAdd(stock: KernelFunction): KernelFunction {
  return (args) => {
    const { inputs, backend } = args;
    const a = inputs['a'] as TensorInfo;
    const b = inputs['b'] as TensorInfo;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock(args);
    if (sameShape(a, b)) return elementCount(a) === 0 ? stock(args) : addSameShape(args, a, b);
    // Addition commutes exactly in floating point, so either operand may be the bias.
    const [x, bias] = isChannelBias(a, b) ? [a, b] : isChannelBias(b, a) ? [b, a] : [null, null];
    if (x === null || bias === null) return stock(args);
    const channels = elementCount(bias);
    if (channels === 0 || elementCount(x) === 0) return stock(args);
    const period = leastCommonMultiple(channels, 4);
    const out = backend.makeOutput([...x.shape], 'float32');
    const pattern = backend.makeOutput([period], 'float32');
    const biasValues = heapView(backend, bias);
    const patternValues = heapView(backend, pattern);
    for (let k = 0; k < period; k += 1) patternValues[k] = biasValues[k % channels] as number;
    const [xAt, patternAt, outAt] = [x, pattern, out].map((info) => addressOf(backend, info)) as [number, number, number];
    // Each thread's run starts on a whole period, so the pattern lines up with its channels.
    runElementwise(backend, 'addBias', elementCount(x), 1, (offset, count) => [xAt + offset, patternAt, period, outAt + offset, count], leastCommonMultiple(period, 16));
    disposeOn(backend, pattern);
    return out;
  };
}
