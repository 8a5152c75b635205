/**
 * ConvLens's WebAssembly SIMD module (simd/kernels.ts, compiled to
 * packages/runtime/dist/kernels/simd/kernels.wasm by `npm run build:kernels`), instantiated once per
 * tfjs wasm backend on that backend's own memory: its kernels read and write tensors where
 * tfjs keeps them, by address. This file is the module's JavaScript face: its exports'
 * signatures, tensor addresses, and buffers made safe for 8-lane reads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView, type TensorInfo } from './wasm-kernel-calls';
import { controlBytes, kernelThreads, KernelThreads } from './kernel-threads';
import { heapIsShared } from './shared-heap';
import { simdSetting } from './kernel-settings';
import { TrainingError } from '../training/training-error';

/** The module's exports (simd/kernels.ts); every pointer is a byte address in tfjs's heap. */
export interface SimdKernels {
  convolve(padded: number, filter: number, bias: number, output: number, windows: number, windowCount: number, taps: number, tapCount: number, filters: number, withRelu: number, pooled: number): void;
  convolveSingleChannel(padded: number, filter: number, bias: number, output: number, rows: number, rowCount: number, outWidth: number, taps: number, tapCount: number, filters: number, withRelu: number, pooled: number): void;
  filterGradient(padded: number, outputGradient: number, filterGradient: number, windows: number, pixels: number, taps: number, tapCount: number, filters: number): void;
  inputGradient(outputGradient: number, packedFilter: number, runs: number, runCount: number, paddedGradient: number, windows: number, pixels: number, filters: number): void;
  padInto(x: number, padded: number, batch: number, height: number, width: number, channels: number, paddedHeight: number, paddedWidth: number, top: number, left: number): void;
  cropFrom(padded: number, x: number, batch: number, height: number, width: number, channels: number, paddedHeight: number, paddedWidth: number, top: number, left: number): void;
  winogradFilter(filter: number, u: number, channels: number, filters: number, firstChannel: number, endChannel: number): void;
  rotateFilter(filter: number, out: number, channels: number, filters: number, firstChannel: number, endChannel: number): void;
  winogradConvolve(x: number, u: number, bias: number, output: number, v: number, m: number, patch: number, batch: number, height: number, width: number, top: number, left: number, channels: number, filters: number, outHeight: number, outWidth: number, chunk: number, withRelu: number, pooled: number): void;
  winograd4Filter(filter: number, u: number, channels: number, filters: number, firstChannel: number, endChannel: number): void;
  winograd4Convolve(x: number, u: number, bias: number, output: number, v: number, m: number, patch: number, batch: number, height: number, width: number, top: number, left: number, channels: number, filters: number, outHeight: number, outWidth: number, chunk: number, withRelu: number): void;
  winograd4FilterGradient(x: number, outputGradient: number, sums: number, v: number, w: number, patch: number, batch: number, height: number, width: number, top: number, left: number, channels: number, filters: number, outHeight: number, outWidth: number, chunk: number): void;
  winograd4FilterGradientOutput(sums: number, filterGradient: number, channels: number, filters: number, firstChannel: number, endChannel: number): void;
  winogradFilterGradient(x: number, outputGradient: number, sums: number, v: number, w: number, patch: number, batch: number, height: number, width: number, top: number, left: number, channels: number, filters: number, outHeight: number, outWidth: number, chunk: number): void;
  winogradFilterGradientOutput(sums: number, filterGradient: number, channels: number, filters: number, firstChannel: number, endChannel: number): void;
  matMul(a: number, b: number, bias: number, out: number, rows: number, depth: number, columns: number, rowStride: number, depthStride: number, withRelu: number): void;
  transpose(x: number, out: number, rows: number, columns: number): void;
  adam(w: number, m: number, v: number, g: number, newW: number, newM: number, newV: number, count: number, learningRate: number, beta1: number, beta2: number, epsilon: number, correction1: number, correction2: number): void;
  momentum(w: number, u: number, g: number, newW: number, newU: number, count: number, learningRate: number, mu: number): void;
  reluGradient(dy: number, x: number, dx: number, count: number): void;
  addBias(x: number, pattern: number, period: number, output: number, count: number): void;
  addArrays(a: number, b: number, out: number, count: number): void;
  reluForward(x: number, out: number, count: number): void;
  sumPeriods(x: number, partial: number, period: number, count: number): void;
  maxPoolGradient2x2(x: number, dy: number, dx: number, batch: number, height: number, width: number, channels: number, outHeight: number, outWidth: number): void;
  batchNormSums(x: number, shift: number, totals: number, rows: number, channels: number, squares: number): void;
  batchNormApply(x: number, y: number, mean: number, scale: number, shift: number, rows: number, channels: number): void;
  batchNormGradientSums(dy: number, x: number, mean: number, dyTotals: number, productTotals: number, rows: number, channels: number): void;
  batchNormGradientApply(dy: number, x: number, dx: number, mean: number, k: number, a: number, b: number, rows: number, channels: number): void;
}

/**
 * The compiled module, read once per process from simd/kernels.wasm (or kernels-relaxed.wasm,
 * and their -shared builds for a shared heap) beside this script:
 * packages/runtime/dist/kernels/simd/ from `tsc -b`, dist/simd/ beside the bundled runtime in the
 * packaged extension (extension/packaging/package-vsix.ts). Instances are per backend.
 */
let compiled: { readonly module: WebAssembly.Module; readonly variant: SimdVariant } | undefined;
let compiledShared: WebAssembly.Module | undefined;
const instances = new WeakMap<BackendWasm, SimdKernels>();

/**
 * Which build of the module runs: `relaxed` (kernels-relaxed.wasm, relaxed SIMD's fused
 * multiply-add) where the engine compiles it, `plain` (kernels.wasm) otherwise.
 * `CONVLENS_SIMD=plain` forces the plain build (tests compare the two); `CONVLENS_SIMD=relaxed`
 * refuses to run without relaxed SIMD instead of falling back.
 */
export type SimdVariant = 'plain' | 'relaxed';

/**
 * The intra-op thread pool (kernel-threads.ts) on `backend`'s heap, running the same
 * variant's shared build; null when kernels run on one thread, or when the heap is not
 * shared (a backend started before `shareWasmHeap`).
 */
export function threadPool(backend: BackendWasm): KernelThreads | null {
  if (!heapIsShared(backend)) return null;
  const heap = heapOf(backend);
  const allocator = wasmAllocator(backend);
  return kernelThreads(heap, (threads) => new KernelThreads(threads, heap, sharedModule(), simdKernels(backend), allocator._malloc(controlBytes(threads)), (controls) => allocator._free(controls)));
}

/** The shared build of the variant this process runs, compiled on first use. */
function sharedModule(): WebAssembly.Module {
  if (compiledShared !== undefined) return compiledShared;
  const file = compiledModule().variant === 'relaxed' ? 'kernels-relaxed-shared.wasm' : 'kernels-shared.wasm';
  return (compiledShared = new WebAssembly.Module(readFileSync(join(__dirname, 'simd', file))));
}

/** The variant this process runs (choosing it, and compiling the module, on first call). */
export function simdVariant(): SimdVariant {
  return compiledModule().variant;
}

function compiledModule(): { readonly module: WebAssembly.Module; readonly variant: SimdVariant } {
  if (compiled !== undefined) return compiled;
  const requested = simdSetting();
  const relaxedFile = join(__dirname, 'simd', 'kernels-relaxed.wasm');
  if (requested !== 'plain' && existsSync(relaxedFile)) {
    const relaxed = readFileSync(relaxedFile);
    // validate, not a try around compiling: an engine without relaxed SIMD rejects the bytes.
    if (WebAssembly.validate(relaxed) || (enableRelaxedSimdFlag() && WebAssembly.validate(relaxed))) {
      return (compiled = { module: new WebAssembly.Module(relaxed), variant: 'relaxed' });
    }
  }
  if (requested === 'relaxed') {
    throw new TrainingError('CONVLENS_SIMD=relaxed, but this JavaScript engine has no relaxed SIMD (Node 20 and later, and VS Code, have it); leave CONVLENS_SIMD unset to run the plain build');
  }
  return (compiled = { module: new WebAssembly.Module(readFileSync(join(__dirname, 'simd', 'kernels.wasm'))), variant: 'plain' });
}

/**
 * Node 20's V8 (11.3) implements relaxed SIMD but ships it behind --experimental-wasm-relaxed-simd;
 * V8 11.4 (Node 22, the Electron inside VS Code) turned it on for good, unchanged. The flag only
 * widens what the wasm validator accepts, so turning it on before compiling is safe, and it is
 * process-wide: the kernel threads' workers see it too. Older engines (V8 < 11.3) had an earlier
 * draft of the proposal with other opcodes, so the flag is left alone there; the caller validates
 * again either way, and anything that still fails runs the plain build. The fused multiply-add
 * gains ~11% on the convolutions (bench/README.md). Returns whether the flag was set.
 */
function enableRelaxedSimdFlag(): boolean {
  const [major = 0, minor = 0] = process.versions.v8.split('.').map(Number);
  if (major < 11 || (major === 11 && minor < 3)) return false;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return true;
}

/** Bytes the kernels may read past a buffer's end (a last 8-lane load that starts inside it). */
const READ_SLACK = 32;

interface EmscriptenModule {
  asm: { memory: WebAssembly.Memory };
  _malloc(bytes: number): number;
  _free(address: number): void;
}

/** tfjs-backend-wasm's Emscripten module: its memory and its allocator. */
function emscriptenOf(backend: BackendWasm): EmscriptenModule {
  return backend.wasm as unknown as EmscriptenModule;
}

export function simdKernels(backend: BackendWasm): SimdKernels {
  const known = instances.get(backend);
  if (known !== undefined) return known;
  // A module importing a shared memory must be built for one (kernels-shared.wasm).
  const module = heapIsShared(backend) ? sharedModule() : compiledModule().module;
  const instance = new WebAssembly.Instance(module, { env: { memory: heapOf(backend) } });
  const kernels = instance.exports as unknown as SimdKernels;
  instances.set(backend, kernels);
  return kernels;
}

export function heapOf(backend: BackendWasm): WebAssembly.Memory {
  return emscriptenOf(backend).asm.memory;
}

/** Memory from tfjs's own allocator, for buffers that outlive a kernel call (offset tables). */
export function wasmAllocator(backend: BackendWasm): Pick<EmscriptenModule, '_malloc' | '_free'> {
  return emscriptenOf(backend);
}

export function addressOf(backend: BackendWasm, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}

export const elementCount = (info: TensorInfo): number => tf.util.sizeFromShape(info.shape);

/**
 * The address of `info`, or of a copy with READ_SLACK bytes after it when `info` ends too
 * close to the heap's end (rare: tfjs's allocator keeps free space at the top). Copies go
 * to `temporaries`, for the caller to free.
 */
export function readable(backend: BackendWasm, info: TensorInfo, temporaries: TensorInfo[]): number {
  const address = addressOf(backend, info);
  const size = elementCount(info);
  if (address + size * 4 + READ_SLACK <= heapOf(backend).buffer.byteLength) return address;
  const copy = backend.makeOutput([size + READ_SLACK / 4], 'float32');
  temporaries.push(copy);
  heapView(backend, copy).set(heapView(backend, info));
  return addressOf(backend, copy);
}
