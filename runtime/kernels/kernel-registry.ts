/**
 * Replacing kernels in tfjs-core's registry (keyed by kernel name and backend name): the
 * stock kernel function to wrap, and a registration that takes the stock kernel's place.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The kernel function registered for `kernelName` on `backendName`; throws when there is none. */
export function stockKernel(kernelName: string, backendName: string): tf.KernelFunc {
  const kernel = tf.getKernel(kernelName, backendName);
  if (kernel === undefined) throw new Error(`[convlens] tfjs's ${backendName} backend has no ${kernelName} kernel`);
  return kernel.kernelFunc;
}

/**
 * Registers `kernelFunc` for `kernelName` on `backendName`, in place of the kernel there if
 * any, keeping its setup and disposal: a wrapped stock wasm kernel binds its wasm function
 * in its setup, which must still run.
 */
export function registerOver(kernelName: string, backendName: string, kernelFunc: tf.KernelFunc): void {
  const previous = tf.getKernel(kernelName, backendName);
  if (previous !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ ...previous, kernelName, backendName, kernelFunc });
}
