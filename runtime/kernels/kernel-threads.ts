/**
 * Intra-op threads for the wasm kernels: every core on one kernel call, so that one
 * training step (one batch, one replica) uses the whole machine.
 *
 * The threads work on tfjs's own heap, which the runtime makes a shared WebAssembly.Memory
 * (shared-heap.ts): the kernels' shared build (simd/kernels-shared.wasm) is instantiated on
 * it once per thread, and a threaded call splits its output between the threads (each part
 * is an ordinary call of the same kernel on a range of pixels, images or rows, reading and
 * writing tensors where tfjs keeps them). Nothing is copied; a call still pays a few µs to
 * wake the helpers, so callers thread only calls with enough work (`worthThreads`).
 *
 * Hand-written because no library does this for WebAssembly in Node: the Emscripten and
 * wasm-bindgen thread pools start workers from blob URLs (browsers), and a generic worker
 * pool (piscina, workerpool) posts messages per task, ~50–100 µs where this wakes a
 * parked thread through Atomics in a few µs and passes no data.
 *
 * Protocol, per helper thread, a block of Int32 in the shared memory: the main thread
 * writes a kernel's index and arguments, bumps `sequence` and notifies; the helper runs the
 * kernel, stores the same number in `done` (or in `failed`) and notifies back. The calling
 * thread runs part 0 itself while the helpers run the others.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';
import type { SimdKernels } from './wasm-simd-module';
import { MAX_KERNEL_THREADS, threadsSetting } from './kernel-settings';

/** The kernels a helper thread can run (indexes into this list travel through the control block). */
const THREADED_KERNELS = ['convolve', 'convolveSingleChannel', 'filterGradient', 'inputGradient', 'winogradConvolve', 'winograd4Convolve', 'winogradFilterGradient', 'winograd4FilterGradient', 'winogradFilter', 'winograd4Filter', 'rotateFilter', 'winogradFilterGradientOutput', 'winograd4FilterGradientOutput', 'matMul', 'padInto', 'cropFrom', 'batchNormSums', 'batchNormApply', 'batchNormGradientSums', 'batchNormGradientApply', 'reluGradient', 'adam', 'momentum', 'addBias', 'addArrays', 'reluForward'] as const;
export type ThreadedKernel = (typeof THREADED_KERNELS)[number];

/**
 * Int32 slots of a helper's control block. The calling thread writes KERNEL, the
 * arguments and then SEQUENCE; the helper writes PICKED_UP when it starts, FAILED (the
 * call's number, when its kernel threw), then FINISHED, which is the one slot the calling
 * thread waits on. DEAD is set by a helper that can no longer run anything. The arguments
 * are f64 (from byte 32), so that addresses and sizes travel as the integers they are and
 * the optimizers' rates as the numbers they are; wasm converts each to its parameter's type.
 */
const SEQUENCE = 0;
const FINISHED = 1;
const FAILED = 2;
const PICKED_UP = 3;
const KERNEL = 4;
const ARGUMENT_COUNT = 5;
/** The first f64 argument's index in a Float64Array over the block. */
const FIRST_ARGUMENT = 4;
const MAX_ARGUMENTS = 27;
const DEAD = 63;
const CONTROL_INTS = 64;
/** Bytes of control blocks a pool of `threads` needs (block i, for helper i, at i × 256; block 0 unused). */
export const controlBytes = (threads: number): number => threads * CONTROL_INTS * 4;
/** Call numbers wrap before Int32 does (a negative SEQUENCE tells a helper to stop). */
const LAST_SEQUENCE = 0x7fffffff;

/** How long a helper may take to pick up a call before the call fails instead of waiting forever. */
const PICK_UP_TIMEOUT_MS = 30_000;

/**
 * A helper thread's whole program. It runs from source (`eval`), not from a file, so the
 * bundled extension needs no extra script. It closes over nothing, so the control
 * block's slots are written as numbers: Int32 0 SEQUENCE, 1 FINISHED, 2 FAILED, 3 PICKED_UP,
 * 4 KERNEL, 5 ARGUMENT_COUNT, 63 DEAD; f64 4… the arguments.
 */
function helperMain(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { module, memory, control: at, kernels: names } = workerData as { module: WebAssembly.Module; memory: WebAssembly.Memory; control: number; kernels: string[] };
  const control = new Int32Array(memory.buffer, at, 64);
  const argumentSlots = new Float64Array(memory.buffer, at, 32);
  let seen = 0;
  try {
    const exported = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, (...args: number[]) => void>;
    const functions = names.map((name) => exported[name] as (...args: number[]) => void);
    for (;;) {
      Atomics.wait(control, 0, seen);
      seen = Atomics.load(control, 0);
      if (seen < 0) return;
      Atomics.store(control, 3, seen);
      try {
        const args = Array.from(argumentSlots.subarray(4, 4 + (control[5] as number)));
        (functions[control[4] as number] as (...args: number[]) => void)(...args);
      } catch {
        Atomics.store(control, 2, seen);
      }
      Atomics.store(control, 1, seen);
      Atomics.notify(control, 1);
    }
  } catch {
    // Anything outside a kernel (instantiating the module): this helper is gone.
    Atomics.store(control, 63, 1);
    Atomics.notify(control, 1);
  }
}

export class KernelThreads {
  private readonly helpers: Worker[] = [];
  private sequence = 0;

  /**
   * `threads` parts per call on `memory`: `kernels` is the calling thread's instance of the
   * shared build `module` on it, and `controls` the address of `controlBytes(threads)`
   * bytes there for the control blocks, which the pool owns until it is closed and then
   * hands to `release` (the allocator's free), once no helper can touch them.
   */
  constructor(readonly threads: number, private readonly memory: WebAssembly.Memory, module: WebAssembly.Module, readonly kernels: SimdKernels, private readonly controls: number, private readonly release: (controls: number) => void = () => undefined) {
    // Fresh from an allocator, the blocks hold old data: a helper must start from SEQUENCE 0,
    // not run a stale call (or stop at a negative one).
    new Int32Array(memory.buffer, controls, threads * CONTROL_INTS).fill(0);
    for (let index = 1; index < threads; index += 1) {
      const helper = new Worker(`(${helperMain.toString()})()`, { eval: true, workerData: { module, memory, control: this.controlAt(index), kernels: [...THREADED_KERNELS] } });
      // Parked helpers must not keep the process alive. An error outside the helper's own
      // try (it cannot start) would otherwise be an unhandled 'error' event, which ends the
      // process: the pool is marked broken instead, and its next call fails with one line.
      helper.unref();
      helper.on('error', () => {
        this.broken = true;
      });
      this.helpers.push(helper);
    }
  }

  /** Whether this pool works on `memory`. */
  runsOn(memory: WebAssembly.Memory): boolean {
    return this.memory === memory;
  }

  private controlAt(thread: number): number {
    return this.controls + thread * CONTROL_INTS * 4;
  }

  /** Set once a helper has died or stopped answering: the pool must not be used again. */
  broken = false;

  private closed = false;

  /**
   * Runs `kernel` once per argument list, list i on thread i (at most `threads` lists),
   * and returns when all are done — also when one fails, so that no helper still writes
   * into buffers the next call reuses. Throws if any part fails.
   */
  run(kernel: ThreadedKernel, parts: readonly (readonly number[])[]): void {
    if (this.broken) throw new Error('[convlens] the kernel threads stopped working earlier in this process; set CONVLENS_THREADS=1 to run the kernels on one thread');
    if (parts.length > this.threads) throw new Error(`[convlens] ${parts.length} parts for ${this.threads} kernel threads`);
    if (parts.length === 0) return;
    if (parts.length > 1) threadedCalls += 1;
    this.sequence = this.sequence >= LAST_SEQUENCE ? 1 : this.sequence + 1;
    const sequence = this.sequence;
    const index = THREADED_KERNELS.indexOf(kernel);
    const controls = parts.slice(1).map((args, part) => {
      const control = new Int32Array(this.memory.buffer, this.controlAt(part + 1), CONTROL_INTS);
      if (args.length > MAX_ARGUMENTS) throw new Error(`[convlens] ${kernel} takes ${args.length} arguments, more than a control block holds`);
      control[KERNEL] = index;
      control[ARGUMENT_COUNT] = args.length;
      new Float64Array(control.buffer, control.byteOffset, CONTROL_INTS / 2).set(args, FIRST_ARGUMENT);
      Atomics.store(control, SEQUENCE, sequence);
      Atomics.notify(control, SEQUENCE);
      return control;
    });
    let ownFailure: unknown;
    try {
      (this.kernels[kernel] as (...args: number[]) => void)(...(parts[0] as number[]));
    } catch (error) {
      ownFailure = error;
    }
    const failed: number[] = [];
    controls.forEach((control, part) => {
      const waitedSince = performance.now();
      for (;;) {
        const finished = Atomics.load(control, FINISHED);
        if (finished === sequence) break;
        const gone = Atomics.load(control, DEAD) === 1;
        // A helper that has not even picked the call up after this long is gone too.
        if (gone || (Atomics.load(control, PICKED_UP) !== sequence && performance.now() - waitedSince > PICK_UP_TIMEOUT_MS)) {
          this.broken = true;
          throw new Error(`[convlens] kernel thread ${part + 1} stopped answering; set CONVLENS_THREADS=1 to run the kernels on one thread`);
        }
        // Waits only while FINISHED still holds the value just read: a notify in between is not lost.
        Atomics.wait(control, FINISHED, finished, 1000);
      }
      if (Atomics.load(control, FAILED) === sequence) failed.push(part + 1);
    });
    if (ownFailure !== undefined) throw ownFailure;
    if (failed.length > 0) throw new Error(`[convlens] ${kernel} failed on kernel thread ${failed.join(', ')}; set CONVLENS_THREADS=1 to run it on one thread`);
  }

  /**
   * Stops the helper threads and hands the control blocks to `release`: when the pool is
   * replaced (another thread count or heap, or a broken pool) and in tests; a process's
   * helpers otherwise end with it.
   */
  async close(): Promise<void> {
    // Once: a second close must not free the control blocks again.
    if (this.closed) return;
    this.closed = true;
    for (const [part] of this.helpers.entries()) {
      const control = new Int32Array(this.memory.buffer, this.controlAt(part + 1), CONTROL_INTS);
      Atomics.store(control, SEQUENCE, -1);
      Atomics.notify(control, SEQUENCE);
    }
    await Promise.all(this.helpers.map((helper) => helper.terminate()));
    this.helpers.length = 0;
    this.release(this.controls);
  }
}

let threadedCalls = 0;

/** Kernel calls split between threads so far in this thread: how tests know the split ran. */
export function threadedCallCount(): number {
  return threadedCalls;
}

let requested: number | undefined;
let pool: KernelThreads | undefined;

/**
 * Threads per kernel call: `setKernelThreads`, else CONVLENS_THREADS, else one per core
 * (at most 8) on a process's main thread and 1 in a worker thread — a data-parallel
 * replica, whose siblings already use the other cores.
 */
export function kernelThreadCount(): number {
  if (requested !== undefined) return requested;
  return threadsSetting() ?? (isMainThread ? Math.min(availableParallelism(), 8) : 1);
}

/** Sets the threads per kernel call for this thread's kernels (a whole number ≥ 1), or undefined for the default. */
export function setKernelThreads(threads: number | undefined): void {
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > MAX_KERNEL_THREADS)) {
    throw new Error(`[convlens] kernel threads must be a whole number from 1 to ${MAX_KERNEL_THREADS} (got ${threads})`);
  }
  requested = threads;
}

/**
 * The pool for the current thread count on `memory` (a shared heap), started by `start`
 * on first use and again when the count, the memory or a broken pool asks for a new one;
 * null with one thread.
 */
export function kernelThreads(memory: WebAssembly.Memory, start: (threads: number) => KernelThreads): KernelThreads | null {
  const threads = kernelThreadCount();
  if (pool !== undefined && pool.threads === threads && pool.runsOn(memory) && !pool.broken) return pool;
  // Another count, another heap, one thread, or a broken pool: the old helpers go.
  if (pool !== undefined) void pool.close();
  pool = undefined;
  if (threads === 1) return null;
  pool = start(threads);
  return pool;
}

/**
 * Below ~16 M multiply-adds (about 0.8 ms on one core here) waking the helpers and
 * waiting for the slowest part cost as much as splitting saves: LeNet-5's training step
 * (every call under 16 M) ran slower threaded at lower thresholds, 9.1 ms at 4 M and
 * 9.7 ms at 1 M against 7.9–8.9 ms at 16 M (bench/README.md).
 */
const MINIMUM_THREADED_WORK = 16_000_000;
let minimumWork = MINIMUM_THREADED_WORK;

/** Whether a call of `multiplyAdds` is worth splitting between the threads. */
export function worthThreads(multiplyAdds: number): boolean {
  return multiplyAdds >= minimumWork;
}

/** Threads even the smallest calls (0), or restores the default (undefined): tests of the split on small shapes. */
export function setMinimumThreadedWork(multiplyAdds: number | undefined): void {
  minimumWork = multiplyAdds ?? MINIMUM_THREADED_WORK;
}

/** Splits `count` items into at most `parts` runs of whole multiples of `unit`: [start, count] each, none empty. */
export function splitWork(count: number, parts: number, unit = 1): [number, number][] {
  const units = Math.floor(count / unit);
  const used = Math.max(1, Math.min(parts, units));
  const runs: [number, number][] = [];
  for (let index = 0; index < used; index += 1) {
    const start = Math.floor((index * units) / used) * unit;
    const end = index === used - 1 ? count : Math.floor(((index + 1) * units) / used) * unit;
    if (end > start) runs.push([start, end - start]);
  }
  return runs;
}
