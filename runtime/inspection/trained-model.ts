/**
 * A trained classifier for inspection: the model compiled from its IR, with the weights of
 * a checkpoint, and what training recorded about its inputs (normalisation, class names).
 */
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelNode } from 'convlens/ir';
import { compileModel, type CompiledModel } from '../compile';
import { assignWeights, findCheckpoint, readCheckpointState, readModelWeights } from '../training/checkpoint';
import type { ClassifierState } from '../training/train-classifier';
import { TrainingError } from '../training/training-error';

export interface TrainedModel {
  readonly compiled: CompiledModel;
  readonly state: ClassifierState;
}

export async function loadTrainedModel(root: ModelNode, directory: string): Promise<TrainedModel> {
  if (!existsSync(directory)) throw new TrainingError(`checkpoint ${directory} does not exist`);
  const found = await findCheckpoint(directory);
  if (found === null || !existsSync(path.join(found, 'model.json'))) throw new TrainingError(`${directory} holds no classifier checkpoint (model.json and training.json)`);
  const state = await readCheckpointState<ClassifierState>(found);
  if (state.kind !== 'classifier') throw new TrainingError(`${directory} is a ${state.kind} checkpoint, not a classifier's`);
  if (state.model !== root.name) throw new TrainingError(`the checkpoint in ${directory} is of '${state.model}', not '${root.name}'`);
  // Zeros: the checkpoint's weights replace them at once.
  const compiled = compileModel(root, { zeros: true });
  assignWeights(compiled.model, (await readModelWeights(found)).weights, `the checkpoint in ${directory}`);
  return { compiled, state };
}

/** Channels-last bytes of one image → a normalised [1, H, W, C] batch, as training saw images. */
export function toInputTensor(pixels: Uint8Array, compiled: CompiledModel, state: Pick<ClassifierState, 'normalization'>): tf.Tensor {
  const [channels, height, width] = compiled.inputShape as [number, number, number];
  const values = Float32Array.from(pixels, (pixel, index) => {
    const channel = index % channels;
    return (pixel / 255 - (state.normalization.mean[channel] ?? 0)) / (state.normalization.std[channel] ?? 1);
  });
  return tf.tensor4d(values, [1, height, width, channels]);
}
