/**
 * Whether a built-in dataset's images fit a model before a run starts, so a mismatch is a
 * clear message at once instead of a failed training process. Pure.
 */
import type { RootNode } from 'convlens/ir';

/** The image shape of each built-in dataset, channels first (runtime/datasets/builtin-datasets.ts). */
export const BUILTIN_DATASET_SHAPES: Readonly<Record<string, readonly [number, number, number]>> = {
  mnist: [1, 28, 28],
  'fashion-mnist': [1, 28, 28],
  cifar10: [3, 32, 32],
};

/** Null when the dataset fits (or is a folder, which the runtime resizes), else what to change. */
export function describeDatasetMismatch(dataset: string, root: RootNode, exportName: string): string | null {
  const shape = BUILTIN_DATASET_SHAPES[dataset];
  if (shape === undefined) return null;
  const wanted = root.kind === 'gan' ? root.image : root.input.shape;
  if (wanted.length === 3 && wanted.every((dimension, index) => dimension === shape[index])) return null;
  const [channels, height, width] = shape;
  const fitting = Object.entries(BUILTIN_DATASET_SHAPES).filter(([, candidate]) => candidate.every((dimension, index) => dimension === wanted[index])).map(([name]) => name);
  const suggestion = fitting.length > 0 ? `set convlens.training.dataset to ${fitting.map((name) => `'${name}'`).join(' or ')}` : 'set convlens.training.dataset to a folder of images with one subfolder per class (they are resized to the input)';
  const input = wanted.length === 3 ? `${wanted[0] ?? '?'}@${wanted[1] ?? '?'}×${wanted[2] ?? '?'}` : `[${wanted.map((dimension) => dimension ?? '?').join(', ')}]`;
  return `${exportName} takes ${input} images but ${dataset}'s are ${channels}@${height}×${width}: ${suggestion}`;
}
