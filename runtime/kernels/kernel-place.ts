/**
 * Where one kernel call's buffers live and who runs it: on tfjs's heap on the calling
 * thread (`HeapPlace`: tensors read where they lie, nothing copied), or in the intra-op
 * threads' shared memory (`SharedPlace`: inputs copied in, the work split between the
 * threads, outputs copied back when the call finishes). The convolution, Winograd and
 * matrix-product calls are written once against this interface and split their work into
 * `threads` parts; on the heap that is one part.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeOn, heapView, type TensorInfo } from './wasm-kernel-calls';
import { type KernelThreads, splitWork, type ThreadedKernel, worthThreads } from './kernel-threads';
import { addressOf, elementCount, heapOf, readable, simdKernels, threadPool, wasmAllocator, type SimdKernels } from './wasm-simd-module';

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
  /** The address to write the result for `info` at (copied into `info` by `finish`). */
  output(info: TensorInfo): number;
  /** A buffer of `count` floats (and 32 bytes of slack), zeroed when asked. */
  scratch(count: number, zeroed?: boolean): number;
  /** `values` (an offset table, never changed once made) here; on the heap, copied once per table. */
  table(values: Int32Array): number;
  /** A view of `count` floats at `address`, valid until the next allocation. */
  floats(address: number, count: number): Float32Array;
  /** Runs `kernel` once per argument list, in parallel here where there are threads. */
  run(kernel: ThreadedKernel, parts: readonly (readonly number[])[]): void;
  /** Delivers the outputs and frees everything else. */
  finish(): void;
}

/**
 * The place for a call of `multiplyAdds` whose work splits into at most `units` parts
 * (images, rows, pixels): the threads' shared memory when there are threads, the call is
 * worth them and it splits at all, tfjs's heap otherwise (a call of one image copied to
 * the threads would run on one of them anyway). The caller must `finish` it.
 */
export function placeFor(backend: BackendWasm, multiplyAdds: number, units: number): KernelPlace {
  const pool = units > 1 && worthThreads(multiplyAdds) ? threadPool() : null;
  return pool === null ? new HeapPlace(backend) : new SharedPlace(backend, pool);
}

/**
 * Adds the `count` floats at each of `partials[1…]` into those at `partials[0]` (the
 * threads' partial sums of a filter gradient); returns `partials[0]`.
 */
export function addPartialSums(place: KernelPlace, partials: readonly number[], count: number): number {
  const [first, ...others] = partials;
  if (first === undefined) throw new Error('[convlens] no partial sums to add');
  const total = place.floats(first, count);
  for (const address of others) {
    const partial = place.floats(address, count);
    for (let index = 0; index < count; index += 1) total[index] = (total[index] as number) + (partial[index] as number);
  }
  return first;
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
  readonly threads = 1;
  private readonly temporaries: TensorInfo[] = [];

  constructor(private readonly backend: BackendWasm) {
    this.kernels = simdKernels(backend);
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
    for (const args of parts) (this.kernels[kernel] as (...args: number[]) => void)(...args);
  }

  finish(): void {
    disposeOn(this.backend, ...this.temporaries);
  }
}

class SharedPlace implements KernelPlace {
  readonly kernels: SimdKernels;
  readonly threads: number;
  private readonly outputs: [TensorInfo, number][] = [];

  constructor(private readonly backend: BackendWasm, private readonly pool: KernelThreads) {
    this.kernels = pool.kernels;
    this.threads = pool.threads;
  }

  input(info: TensorInfo): number {
    return this.pool.copyIn(heapView(this.backend, info));
  }

  output(info: TensorInfo): number {
    const address = this.pool.allocate(elementCount(info) * 4);
    this.outputs.push([info, address]);
    return address;
  }

  scratch(count: number, zeroed = false): number {
    return zeroed ? this.pool.zeros(count) : this.pool.allocate(count * 4);
  }

  table(values: Int32Array): number {
    return this.pool.copyIn(values);
  }

  floats(address: number, count: number): Float32Array {
    return this.pool.floats(address, count);
  }

  run(kernel: ThreadedKernel, parts: readonly (readonly number[])[]): void {
    this.pool.run(kernel, parts);
  }

  finish(): void {
    try {
      for (const [info, address] of this.outputs) heapView(this.backend, info).set(this.pool.floats(address, elementCount(info)));
    } finally {
      this.pool.release();
    }
  }
}
