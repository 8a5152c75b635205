/** Which kernels a piece of work runs: tfjs-core's engine, watched for the length of one call. */
import * as tf from '@tensorflow/tfjs-core';

/** The result of `work` and the name of every kernel it ran, in order. */
export function kernelsCalledBy(work: () => tf.Tensor): { result: tf.Tensor; names: string[] } {
  const engine = tf.engine();
  const runKernel = engine.runKernel.bind(engine);
  const names: string[] = [];
  engine.runKernel = ((name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) => {
    names.push(name);
    return runKernel(name, inputs, attrs);
  }) as typeof engine.runKernel;
  try {
    return { result: work(), names };
  } finally {
    engine.runKernel = runKernel;
  }
}
