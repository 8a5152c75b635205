/**
 * tfjs-backend-wasm's heap as a shared WebAssembly.Memory, so that the intra-op threads
 * (kernel-threads.ts) read and write tensors where tfjs keeps them: nothing is copied in
 * or out of a threaded call.
 *
 * tfjs-backend-wasm's SIMD build, the one it runs in Node, defines its own unshared memory
 * (its threaded build shares it, but needs Emscripten's browser workers, which tfjs turns
 * off in Node). Whether a memory is shared is one flag of the module's memory section;
 * the code is the same either way (it has no atomics, and a module without threads reads
 * and writes a shared memory as any other). So the wasm backend's factory is wrapped: while
 * it instantiates tfjs's module, the module's bytes are given with that flag set. Emscripten's
 * glue already handles what changes (a grown shared memory gives a new, longer buffer, as
 * an unshared one does), and tfjs copies every tensor it hands out (`readSync` slices).
 *
 * Hand-written because no maintained library edits one field of a module with SIMD code:
 * @webassemblyjs decodes whole modules and rejects SIMD instructions, and binaryen would
 * add megabytes to re-encode what is a few bytes here. The walk below reads section
 * headers only; instructions are never decoded.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const MEMORY_SECTION = 5;
/** A memory's limits flags: bit 0, a maximum follows; bit 1, shared (which needs the maximum). */
const HAS_MAXIMUM = 0x01;
const SHARED = 0x02;
/** 4 GiB in 64 KiB pages: what a shared memory without a declared maximum is given. */
const LARGEST_MEMORY_PAGES = 65536;

/** Reads an unsigned LEB128 number at `at`: its value and the offset after it. */
function readUnsigned(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at];
    if (byte === undefined) throw new Error('truncated module');
    at += 1;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, at];
    shift += 7;
  }
}

function writeUnsigned(value: number): number[] {
  const bytes: number[] = [];
  do {
    const low = value % 128;
    value = Math.floor(value / 128);
    bytes.push(value > 0 ? low | 0x80 : low);
  } while (value > 0);
  return bytes;
}

/**
 * `module`'s bytes with its one defined memory marked shared (keeping its initial size and
 * its maximum, 4 GiB where it declares none), or null when it defines no memory, several,
 * or one that is already shared: such a module is left as it is.
 */
export function withSharedMemory(module: Uint8Array): Uint8Array<ArrayBuffer> | null {
  if (module.length < 8 || module[0] !== 0x00 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d) return null;
  let at = 8;
  while (at < module.length) {
    const id = module[at] as number;
    const [size, payload] = readUnsigned(module, at + 1);
    const end = payload + size;
    if (id === MEMORY_SECTION) {
      const [count, limits] = readUnsigned(module, payload);
      const flags = module[limits] as number;
      if (count !== 1 || (flags & SHARED) !== 0) return null;
      const [initial, afterInitial] = readUnsigned(module, limits + 1);
      const maximum = (flags & HAS_MAXIMUM) !== 0 ? readUnsigned(module, afterInitial)[0] : LARGEST_MEMORY_PAGES;
      const section = [1, HAS_MAXIMUM | SHARED, ...writeUnsigned(initial), ...writeUnsigned(maximum)];
      const patched = new Uint8Array(at + 1 + writeUnsigned(section.length).length + section.length + (module.length - end));
      patched.set(module.subarray(0, at));
      patched.set([MEMORY_SECTION, ...writeUnsigned(section.length), ...section], at);
      patched.set(module.subarray(end), patched.length - (module.length - end));
      return patched;
    }
    at = end;
  }
  return null;
}

/** Whether `backend`'s heap is shared, so that kernel threads can work on it directly. */
export function heapIsShared(backend: BackendWasm): boolean {
  return (backend.wasm as unknown as { asm: { memory: WebAssembly.Memory } }).asm.memory.buffer instanceof SharedArrayBuffer;
}

let wrapped = false;

/**
 * Wraps the 'wasm' backend's factory so that the backend it makes has a shared heap. Must
 * run before the backend first starts (tfjs starts it on `setBackend('wasm')`); later it
 * changes nothing, and that backend's kernels run on one thread.
 */
export function shareWasmHeap(): void {
  if (wrapped) return;
  wrapped = true;
  const engine = tf.engine();
  const factory = tf.findBackendFactory('wasm');
  // The registry, not tf.findBackend: that would start the backend with the stock factory.
  if (factory === null || engine.registry['wasm'] !== undefined) return;
  const priority = (engine.registryFactory as Record<string, { priority: number }>)['wasm']?.priority ?? 2;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', async () => await instantiatingShared(async () => await factory()), priority);
}

/**
 * Runs `start` (the stock factory) with WebAssembly.instantiate answering Emscripten's
 * request for tfjs's module with the shared-memory form of its bytes. Emscripten in Node
 * reads the module from a file and passes the bytes here; tfjs offers no other way to hand
 * them over. Only a module from bytes, with Emscripten's heap import, is touched, and the
 * original function is back as soon as the backend has started.
 */
async function instantiatingShared<T>(start: () => Promise<T>): Promise<T> {
  const original = WebAssembly.instantiate;
  const replacement = (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports): Promise<unknown> => {
    const fromEmscripten = imports?.['env'] !== undefined && 'emscripten_resize_heap' in (imports['env'] as object);
    if (fromEmscripten && !(source instanceof WebAssembly.Module)) {
      const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
      const shared = withSharedMemory(bytes);
      if (shared !== null) return original(shared, imports);
    }
    return (original as (source: unknown, imports?: WebAssembly.Imports) => Promise<unknown>)(source, imports);
  };
  WebAssembly.instantiate = replacement as typeof WebAssembly.instantiate;
  try {
    return await start();
  } finally {
    WebAssembly.instantiate = original;
  }
}
