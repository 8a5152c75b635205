/**
 * tfjs-backend-wasm's heap made a shared memory (runtime/kernels/shared-heap.ts): the
 * memory-section edit on hand-assembled modules (expected bytes written out), and the wasm
 * backend ConvLens starts, whose heap the kernel threads share — also after it has grown.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { heapIsShared, withSharedMemory } from 'convlens-runtime/kernels/shared-heap';
import { heapOf } from 'convlens-runtime/kernels/wasm-simd-module';
import { setKernelThreads, setMinimumThreadedWork, threadedCallCount } from 'convlens-runtime/kernels/kernel-threads';
import { computeOn } from './compute-on';
import { relativeError } from './relative-error';
import { toRandom, uniformValues } from 'convlens-runtime/seeded-random';

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** Export section: one export, "memory", of memory 0. */
const EXPORT_MEMORY = [0x07, 0x0a, 0x01, 0x06, ...Buffer.from('memory'), 0x02, 0x00];

describe('runtime: the wasm backend on a shared heap', function () {
  this.timeout(120_000);

  it('marks a module\'s own memory shared, keeping its sizes, and leaves other modules alone', () => {
    // Memory section: one memory, flags 1 (a maximum), 1 page, at most 2.
    const bounded = Uint8Array.from([...HEADER, 0x05, 0x04, 0x01, 0x01, 0x01, 0x02, ...EXPORT_MEMORY]);
    const patched = withSharedMemory(bounded);
    assert.deepEqual([...patched!], [...HEADER, 0x05, 0x04, 0x01, 0x03, 0x01, 0x02, ...EXPORT_MEMORY]);
    const memory = new WebAssembly.Instance(new WebAssembly.Module(patched!)).exports['memory'] as WebAssembly.Memory;
    assert.ok((memory.buffer as ArrayBufferLike) instanceof SharedArrayBuffer);
    assert.equal(memory.buffer.byteLength, 65536);

    // No maximum: a shared memory needs one, 65536 pages (4 GiB) in LEB128.
    const unbounded = Uint8Array.from([...HEADER, 0x05, 0x03, 0x01, 0x00, 0x11, ...EXPORT_MEMORY]);
    assert.deepEqual([...withSharedMemory(unbounded)!], [...HEADER, 0x05, 0x06, 0x01, 0x03, 0x11, 0x80, 0x80, 0x04, ...EXPORT_MEMORY]);

    assert.equal(withSharedMemory(Uint8Array.from([...HEADER, 0x05, 0x04, 0x01, 0x03, 0x01, 0x02])), null, 'already shared');
    assert.equal(withSharedMemory(Uint8Array.from([...HEADER, 0x05, 0x05, 0x02, 0x00, 0x01, 0x00, 0x01])), null, 'two memories');
    assert.equal(withSharedMemory(Uint8Array.from(HEADER)), null, 'no memory');
    assert.equal(withSharedMemory(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0])), null, 'not wasm');
  });

  it('the backend ConvLens starts has a shared heap, and threaded calls stay right after it grows', async () => {
    await chooseBackend({ requested: 'wasm' });
    const backend = tf.backend() as BackendWasm;
    assert.ok(heapIsShared(backend), 'the wasm backend\'s heap is not shared');
    const random = toRandom(7);
    const inputs = [
      { values: uniformValues(4 * 12 * 12 * 16, random, -1, 1), shape: [4, 12, 12, 16] },
      { values: uniformValues(3 * 3 * 16 * 24, random, -1, 1), shape: [3, 3, 16, 24] },
    ];
    const convolve = (x: tf.Tensor, w: tf.Tensor): tf.Tensor[] => [tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), ...tf.grads((a: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, a as tf.Tensor4D, 1, 'same'))))([w])];
    const expected = await computeOn('cpu', inputs, convolve);
    setMinimumThreadedWork(0);
    setKernelThreads(2);
    try {
      for (const grow of [false, true]) {
        await tf.setBackend('wasm');
        const before = heapOf(backend).buffer.byteLength;
        // 256 MiB more than the heap holds now: tfjs's allocator grows the shared memory.
        const filler = grow ? tf.zeros([before / 4 + 64 * 2 ** 20]) : null;
        if (grow) assert.ok(heapOf(backend).buffer.byteLength > before, 'the heap did not grow');
        const calls = threadedCallCount();
        const actual = await computeOn('wasm', inputs, convolve);
        filler?.dispose();
        assert.ok(threadedCallCount() > calls, 'no call was threaded');
        for (const [index, values] of actual.entries()) assert.ok(relativeError(values, expected[index]!) < 1e-4, `output ${index}${grow ? ' after growing' : ''}`);
      }
    } finally {
      setMinimumThreadedWork(undefined);
      setKernelThreads(undefined);
      await tf.setBackend('cpu');
    }
  });
});
