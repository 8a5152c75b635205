/**
 * A child-process driver for backend-agreement.test.ts (run as `node construct-outputs.js
 * BACKEND FILE`): writes to FILE, as one JSON object, every construct fixture's outputs and its
 * trainable weights' gradients on that backend, so two backends can be compared without
 * sharing one process's tfjs state. Each network gets the same seeded weights and the same
 * deterministic batch of two inputs.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend, isBackendName } from 'convlens-runtime/backend-choice';
import { compileGan, compileModel, type CompiledModel } from 'convlens-runtime/compile';
import * as constructs from '../fixtures/export/constructs';

export interface NetworkOutputs {
  /** Every output (main, then aux heads), flattened. */
  readonly outputs: number[][];
  /** d(Σ of every output's squares)/d(weight), for each trainable weight. */
  readonly gradients: number[][];
}

async function outputsOf(compiled: CompiledModel): Promise<NetworkOutputs> {
  const [channels, ...rest] = compiled.inputShape;
  // Channels first in the IR, channels last in the runtime's tensors.
  const shape = rest.length === 2 ? [2, ...rest, channels as number] : [2, ...compiled.inputShape];
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  const x = tf.tensor(Float32Array.from({ length: size }, (_, index) => Math.sin(index * 0.37)), shape);
  const apply = () => {
    const result = compiled.model.apply(x, { training: false });
    return Array.isArray(result) ? (result as tf.Tensor[]) : [result as tf.Tensor];
  };
  const outputs = await Promise.all(tf.tidy(apply).map(async (output) => Array.from(await output.data())));
  const variables = compiled.model.trainableWeights.map((weight) => (weight as unknown as { val: tf.Variable }).val);
  const { grads } = tf.variableGrads(() => tf.addN(apply().map((output) => tf.sum(tf.square(output)))) as tf.Scalar, variables);
  const gradients = await Promise.all(variables.map(async (variable) => Array.from(await (grads[variable.name] as tf.Tensor).data())));
  return { outputs, gradients };
}

async function main(backend: string, file: string | undefined): Promise<void> {
  if (!isBackendName(backend) || file === undefined) throw new Error(`usage: construct-outputs.js webgpu|tensorflow|wasm|cpu FILE (got '${backend}' '${file}')`);
  await chooseBackend({ requested: backend });
  const results: Record<string, NetworkOutputs> = {};
  for (const [name, root] of Object.entries(constructs)) {
    if (root.kind === 'gan') {
      const compiled = compileGan(root, { seed: 1 });
      results[`${name} generator`] = await outputsOf(compiled.generator);
      results[`${name} discriminator`] = await outputsOf(compiled.discriminator);
    } else if (root.kind === 'model') {
      results[name] = await outputsOf(compileModel(root, { seed: 1 }));
    }
  }
  // A file, not stdout: tfjs-backend-webgpu prints a shader's compile errors on stdout.
  writeFileSync(file, JSON.stringify({ backend: tf.getBackend(), results }));
}

if (require.main === module) {
  main(process.argv[2] ?? '', process.argv[3]).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
