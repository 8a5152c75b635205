/**
 * One training run from a request: choose the backend, load the dataset, train the model
 * or GAN. The runtime process (runtime-process.ts) and `convlens train` both call this, so
 * the editor and the command line train identically.
 */
import type { GanNode, ModelNode } from 'convlens/ir';
import { chooseBackend, type BackendChoice } from './backend-choice';
import type { Dataset } from './datasets/dataset';
import { loadDataset } from './datasets/load-dataset';
import type { FinishedEvent, StoppedEvent, TrainingSettings } from './protocol';
import { trainClassifier, type TrainingHooks } from './training/train-classifier';
import { trainGan } from './training/train-gan';

export interface TrainingRunOptions {
  /** Reuse a backend already chosen (the CLI reports it before loading data). */
  readonly backend?: BackendChoice;
  /** Lines for people (a download starting, say). */
  readonly log?: (line: string) => void;
}

export async function loadTrainingDataset(root: ModelNode | GanNode, settings: TrainingSettings, log?: (line: string) => void): Promise<Dataset> {
  const shape = root.kind === 'gan' ? root.image : root.input.shape;
  const imageShape = (shape.length === 3 ? shape.map((dimension) => dimension ?? 1) : [1, 1, 1]) as [number, number, number];
  return await loadDataset(settings.dataset, {
    inputShape: imageShape,
    cwd: settings.cwd,
    ...(settings.cacheDirectory === undefined ? {} : { cacheDirectory: settings.cacheDirectory }),
    ...(settings.download === undefined ? {} : { download: settings.download }),
    ...(log === undefined ? {} : { log }),
  });
}

export async function runTraining(root: ModelNode | GanNode, settings: TrainingSettings, hooks: TrainingHooks, options: TrainingRunOptions = {}): Promise<FinishedEvent | StoppedEvent> {
  const backend = options.backend ?? (await chooseBackend({ requested: settings.backend, workspace: settings.cwd }));
  const dataset = await loadTrainingDataset(root, settings, options.log);
  // The loops' own lines for people (which checkpoint a resume recovered) go where the caller's do.
  const withLog: TrainingHooks = hooks.log === undefined && options.log !== undefined ? { ...hooks, log: options.log } : hooks;
  return root.kind === 'gan' ? await trainGan(root, dataset, settings, backend, withLog) : await trainClassifier(root, dataset, settings, backend, withLog);
}
