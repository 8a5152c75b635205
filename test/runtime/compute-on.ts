import * as tf from '@tensorflow/tfjs-core';

/** A test input: its values and shape. */
export interface TestInput {
  readonly values: ArrayLike<number>;
  readonly shape: number[];
}

/**
 * `compute` on `backend` (made current) with `inputs` as fresh tensors; its outputs'
 * values, the tensors disposed: how the kernel tests run one computation on each path.
 */
export async function computeOn(backend: 'cpu' | 'wasm', inputs: readonly TestInput[], compute: (...tensors: tf.Tensor[]) => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outputs = tf.tidy(() => compute(...inputs.map(({ values, shape }) => tf.tensor(values as number[], shape))));
  const data = await Promise.all(outputs.map(async (output) => (await output.data()) as Float32Array));
  tf.dispose(outputs);
  return data;
}
