/**
 * A trained classifier for inspection: the model compiled from its IR, with the weights of
 * a checkpoint, and what training recorded about its inputs (normalisation, class names).
 * The checkpoint is the newest complete one of the folder asked for and the leftovers an
 * interrupted checkpoint swap left beside it (training/checkpoint.ts): a run killed while
 * replacing `…/checkpoint` leaves it missing, or one epoch behind a complete new folder,
 * and this loads what `--resume` would continue from. It only reads: leftovers are the
 * training's to remove.
 */
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelNode } from 'convlens/ir';
import { compileModel, type CompiledModel } from '../compile';
import { assignWeights, readModelWeights, recoverCheckpoint } from '../training/checkpoint';
import type { ClassifierState } from '../training/train-classifier';
import { TrainingError } from '../training/training-error';

export interface TrainedModel {
  readonly compiled: CompiledModel;
  readonly state: ClassifierState;
  /** The folder the weights came from: the one asked for, or the checkpoint recovered beside it. */
  readonly checkpoint: string;
  /**
   * Null when the folder asked for was used; else one line for people saying which
   * checkpoint stands in for it and why (a caller prints it).
   */
  readonly recovered: string | null;
}

export async function loadTrainedModel(root: ModelNode, directory: string): Promise<TrainedModel> {
  const found = await recoverCheckpoint(directory);
  if (found === null) {
    if (!existsSync(directory)) throw new TrainingError(`checkpoint ${directory} does not exist`);
    throw new TrainingError(`${directory} holds no classifier checkpoint (model.json and training.json)`);
  }
  if (!existsSync(path.join(found.folder, 'model.json'))) throw new TrainingError(`${directory} holds no classifier checkpoint (model.json and training.json)`);
  const state = found.state as unknown as ClassifierState;
  if (state.kind !== 'classifier') throw new TrainingError(`${directory} is a ${String(state.kind)} checkpoint, not a classifier's`);
  if (state.model !== root.name) throw new TrainingError(`the checkpoint in ${directory} is of '${state.model}', not '${root.name}'`);
  // Zeros: the checkpoint's weights replace them at once.
  const compiled = compileModel(root, { zeros: true });
  assignWeights(compiled.model, (await readModelWeights(found.folder)).weights, `the checkpoint in ${directory}`);
  return { compiled, state, checkpoint: found.folder, recovered: found.recovery };
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
