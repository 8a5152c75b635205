/**
 * Where one kernel call's buffers live and who runs it: always tfjs's heap (tensors read
 * and written where they lie, scratch from tfjs's allocator), on the calling thread alone
 * or split between the intra-op threads, which share that heap (shared-heap.ts). The
 * convolution, Winograd and matrix-product calls are written once against this interface
 * and split their work into `threads` parts; on one thread that is one part.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeOn, heapView, type TensorInfo } from './wasm-kernel-calls';
import { type KernelThreads, splitWork, type ThreadedKernel, worthThreads } from './kernel-threads';
import { addressOf, heapOf, readable, simdKernels, threadPool, wasmAllocator, type SimdKernels } from './wasm-simd-module';

/** A tensor's size and where it sits in its zero-padded form. */
export interface PaddedShape {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly paddedHeight: number;
  readonly paddedWidth: number;
  readonly top: number;
  readonly left: number;
}

export interface KernelPlace {
  /** The module instance that reads this place's memory, for the calls that stay on one thread (padding, transforms). */
  readonly kernels: SimdKernels;
  /** Parts to split the work into. */
  readonly threads: number;
  /** The address of a tensor's data here, readable 32 bytes past its end. */
  input(info: TensorInfo): number;
  /** The address to write the result for `info` at. */
  output(info: TensorInfo): number;
  /** A buffer of `count` floats (and 32 bytes of slack), zeroed when asked. */
  scratch(count: number, zeroed?: boolean): number;
  /** `values` (an offset table, never changed once made) on the heap, copied once per table. */
  table(values: Int32Array): number;
  /** A view of `count` floats at `address`, valid until the next allocation. */
  floats(address: number, count: number): Float32Array;
  /** Runs `kernel` once per argument list, in parallel here where there are threads. */
  run(kernel: ThreadedKernel, parts: readonly (readonly number[])[]): void;
  /** Frees the call's scratch. */
  finish(): void;
}

/**
 * The place for a call of `multiplyAdds` whose work splits into at most `units` parts
 * (images, rows, pixels): split between the threads when there are threads, the call is
 * worth them and it splits at all, on the calling thread otherwise. The caller must
 * `finish` it.
 */
export function placeFor(backend: BackendWasm, multiplyAdds: number, units: number): KernelPlace {
  return new HeapPlace(backend, units > 1 && worthThreads(multiplyAdds) ? threadPool(backend) : null);
}

/**
 * One pass over an element costs about as much time as 5 of the convolutions'
 * multiply-adds: element-wise passes are bound by memory, not arithmetic (ResNet-18's first
 * batch norm, 4 M elements, takes ~1 ms a pass on one core here). Element-wise kernels
 * weigh their work against the threads' threshold with it.
 */
export const PASS_COST = 5;

/**
 * Runs an element-wise `kernel` over `count` floats in `passes` passes, split between the
 * threads where that is worth it, in runs of whole multiples of `unit` floats (16 by
 * default, so every run but the last starts and ends on whole vectors; a multiple of 16 for
 * a kernel with a repeating pattern); `args(byteOffset, count)` gives a run's arguments.
 */
export function runElementwise(backend: BackendWasm, kernel: ThreadedKernel, count: number, passes: number, args: (byteOffset: number, count: number) => number[], unit = 16): void {
  const place = placeFor(backend, count * passes * PASS_COST, Math.floor(count / unit));
  try {
    place.run(kernel, splitWork(count, place.threads, unit).map(([first, run]) => args(first * 4, run)));
  } finally {
    place.finish();
  }
}

/**
 * One pass of an element-wise `kernel` over the `count` floats at each of `addresses`, split
 * as `runElementwise` splits it: a run's arguments are the addresses moved to the run, its
 * length, then `scalars`.
 */
export function runOnArrays(backend: BackendWasm, kernel: ThreadedKernel, addresses: readonly number[], count: number, scalars: readonly number[] = []): void {
  runElementwise(backend, kernel, count, 1, (offset, run) => [...addresses.map((address) => address + offset), run, ...scalars]);
}

/**
 * The sum of the `count` floats at each of `partials` (the threads' partial sums of a
 * filter gradient) written to `into` (`partials[0]` by default), split between the place's
 * threads; returns `into`.
 */
export function addPartialSums(place: KernelPlace, partials: readonly number[], count: number, into = partials[0]): number {
  const [first, ...others] = partials;
  if (first === undefined || into === undefined) throw new Error('[convlens] no partial sums to add');
  const runs = splitWork(count, place.threads, 16);
  // The first addition writes `into`; the later ones add to it.
  let total = first;
  for (const partial of others) {
    const from = total;
    place.run('addArrays', runs.map(([start, run]) => [from + start * 4, partial + start * 4, into + start * 4, run]));
    total = into;
  }
  if (total !== into) place.floats(into, count).set(place.floats(total, count));
  return into;
}

/**
 * Offset tables copied to tfjs's heap, per backend, in memory of their own from tfjs's
 * allocator: a model has a few convolutions and batch sizes, each with a few tables.
 */
const heapTables = new WeakMap<BackendWasm, Map<Int32Array, number>>();
const MAX_HEAP_TABLES = 192;

/**
 * padInto (`crop` false) or cropFrom (true) of a [B, height, width, C] tensor at `x` and
 * its padded [B, paddedHeight, paddedWidth, C] form at `padded`, the images split between
 * the place's threads.
 */
export function padImages(place: KernelPlace, crop: boolean, x: number, padded: number, g: PaddedShape): void {
  const imageFloats = g.height * g.width * g.channels;
  const paddedFloats = g.paddedHeight * g.paddedWidth * g.channels;
  place.run(crop ? 'cropFrom' : 'padInto', splitWork(g.batch, place.threads).map(([first, images]) => crop
    ? [padded + first * paddedFloats * 4, x + first * imageFloats * 4, images, g.height, g.width, g.channels, g.paddedHeight, g.paddedWidth, g.top, g.left]
    : [x + first * imageFloats * 4, padded + first * paddedFloats * 4, images, g.height, g.width, g.channels, g.paddedHeight, g.paddedWidth, g.top, g.left]));
}

class HeapPlace implements KernelPlace {
  readonly kernels: SimdKernels;
  readonly threads: number;
  private readonly temporaries: TensorInfo[] = [];

  constructor(private readonly backend: BackendWasm, private readonly pool: KernelThreads | null) {
    this.kernels = simdKernels(backend);
    this.threads = pool?.threads ?? 1;
    // Evicted before a call, never during one: a table fetched earlier in the call is in use.
    const copies = heapTables.get(backend);
    if (copies !== undefined && copies.size >= MAX_HEAP_TABLES) {
      const wasm = wasmAllocator(backend);
      for (const address of copies.values()) wasm._free(address);
      copies.clear();
    }
  }

  input(info: TensorInfo): number {
    return readable(this.backend, info, this.temporaries);
  }

  output(info: TensorInfo): number {
    return addressOf(this.backend, info);
  }

  scratch(count: number, zeroed = false): number {
    const buffer = this.backend.makeOutput([count + 8], 'float32');
    this.temporaries.push(buffer);
    if (zeroed) heapView(this.backend, buffer).fill(0);
    return addressOf(this.backend, buffer);
  }

  table(values: Int32Array): number {
    let copies = heapTables.get(this.backend);
    if (copies === undefined) heapTables.set(this.backend, (copies = new Map()));
    const known = copies.get(values);
    if (known !== undefined) return known;
    const address = wasmAllocator(this.backend)._malloc(values.byteLength);
    new Int32Array(heapOf(this.backend).buffer, address, values.length).set(values);
    copies.set(values, address);
    return address;
  }

  floats(address: number, count: number): Float32Array {
    return new Float32Array(heapOf(this.backend).buffer, address, count);
  }

  run(kernel: ThreadedKernel, parts: readonly (readonly number[])[]): void {
    if (this.pool !== null) this.pool.run(kernel, parts);
    else for (const args of parts) (this.kernels[kernel] as (...args: number[]) => void)(...args);
  }

  finish(): void {
    disposeOn(this.backend, ...this.temporaries);
  }
}
