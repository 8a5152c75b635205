/**
 * `--dataset NAME|FOLDER` → a Dataset: the three built-in names, else a folder of images.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadCifar10, loadFashionMnist, loadMnist, type BuiltinOptions } from './builtin-datasets';
import type { Dataset } from './dataset';
import { toDefaultCacheDirectory, type Fetch } from './dataset-download';
import { loadImageFolder } from './image-folder';

export const BUILTIN_DATASETS = ['mnist', 'fashion-mnist', 'cifar10'] as const;

export interface LoadDatasetOptions {
  /** The model's input [channels, height, width]: image folders are resized to it. */
  readonly inputShape: readonly [number, number, number];
  /** Folder names are resolved against it. */
  readonly cwd?: string;
  readonly cacheDirectory?: string;
  /** Download a missing built-in dataset (default true). */
  readonly download?: boolean;
  readonly systemDirectories?: BuiltinOptions['systemDirectories'];
  readonly fetch?: Fetch;
  readonly log?: (line: string) => void;
}

export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

export async function loadDataset(spec: string, options: LoadDatasetOptions): Promise<Dataset> {
  const builtin: BuiltinOptions = {
    cacheDirectory: options.cacheDirectory ?? toDefaultCacheDirectory(),
    download: options.download ?? true,
    ...(options.systemDirectories === undefined ? {} : { systemDirectories: options.systemDirectories }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.log === undefined ? {} : { log: options.log }),
  };
  try {
    switch (spec) {
      case 'mnist':
        return await loadMnist();
      case 'fashion-mnist':
        return await loadFashionMnist(builtin);
      case 'cifar10':
        return await loadCifar10(builtin);
      default: {
        const folder = path.resolve(options.cwd ?? process.cwd(), spec);
        if (!existsSync(folder)) {
          throw new DatasetError(`unknown dataset '${spec}': expected ${BUILTIN_DATASETS.join(', ')} or a folder of images with one subfolder per class`);
        }
        return await loadImageFolder(folder, options.inputShape);
      }
    }
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError((error as Error).message);
  }
}

/** Null when the dataset's images fit `inputShape`, else a sentence saying how they differ. */
export function describeMismatch(dataset: Dataset, inputShape: readonly number[], modelName: string): string | null {
  const [channels, height, width] = dataset.shape;
  const same = inputShape.length === 3 && inputShape[0] === channels && inputShape[1] === height && inputShape[2] === width;
  if (same) return null;
  const wanted = inputShape.length === 3 ? `${inputShape[0]}@${inputShape[1]}×${inputShape[2]}` : `[${inputShape.join(', ')}]`;
  return `${dataset.name}'s images are ${channels}@${height}×${width} but ${modelName} takes ${wanted}`;
}
