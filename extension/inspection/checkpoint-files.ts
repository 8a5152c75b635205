/**
 * What the panels read straight from a training run's files, without TensorFlow.js and
 * without running anything: which checkpoint a run has (the newest complete one, wherever
 * an interrupted checkpoint swap left it: runtime/training/checkpoint-folders.ts, the rule
 * the runtime loads by), the class names and dataset it was trained with, its first
 * convolution's filters (model.json's weight manifest + weights.bin) and the predictions
 * that a layer's output means. Only reads: an interrupted swap's leftovers are the
 * training's to remove. Node only, no vscode.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { readCheckpointState, recoverCheckpoint, type FoundCheckpoint } from 'convlens-runtime/training/checkpoint-folders';
import type { Prediction, TensorSnapshot } from '../../webviews/protocol';

/** Where `convlens train` and the extension put a run: `<workspace>/.convlens/runs/<export>`. */
export function runFolder(workspaceFolder: string, exportName: string): string {
  return path.join(workspaceFolder, '.convlens', 'runs', exportName);
}

/**
 * The checkpoint folder of a run, as runtime/training/checkpoint.ts writes it and as the
 * runtime is asked for it (the runtime recovers from its leftovers itself).
 */
export function checkpointFolder(run: string): string {
  return path.join(run, 'checkpoint');
}

/**
 * The checkpoint of a run to read: the newest complete one of `<run>/checkpoint` and the
 * leftovers (`.checkpoint-new-*`, `.checkpoint-old-*`) a training killed mid-swap left
 * beside it; its `recovery` line says when it is not `<run>/checkpoint` itself. Null when
 * the run has no complete checkpoint.
 */
export function findRunCheckpoint(run: string): Promise<FoundCheckpoint | null> {
  return recoverCheckpoint(checkpointFolder(run));
}

/** Whether the run has a complete checkpoint (findRunCheckpoint). */
export async function hasCheckpoint(run: string): Promise<boolean> {
  return (await findRunCheckpoint(run)) !== null;
}

/**
 * Why a run has no checkpoint to read, in one line for the panel: none yet, or only a
 * folder that is not a complete checkpoint (a torn write, another program's files).
 */
export function describeMissingCheckpoint(run: string, exportName: string, cwd: string): string {
  const shown = (folder: string): string => path.relative(cwd, folder) || folder;
  if (existsSync(checkpointFolder(run))) {
    return `${shown(checkpointFolder(run))} is not a complete checkpoint of ${exportName} (a file is missing or torn): train it again.`;
  }
  return `No checkpoint of ${exportName} yet: train it first (it goes to ${shown(run)}).`;
}

/** The class names a checkpoint's state (training.json) records, or null when it has none. */
export function classesOf(state: unknown): string[] | null {
  const classes = typeof state === 'object' && state !== null ? (state as Record<string, unknown>)['classes'] : undefined;
  return Array.isArray(classes) && classes.every((entry) => typeof entry === 'string') ? (classes as string[]) : null;
}

/** The checkpoint's class names (training.json), or null when it has none. */
export async function readCheckpointClasses(checkpoint: string): Promise<string[] | null> {
  return classesOf(await readCheckpointState<unknown>(checkpoint));
}

interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype?: string;
}

interface ModelJson {
  readonly weightsManifest: readonly { readonly paths: readonly string[]; readonly weights: readonly WeightSpec[] }[];
}

/**
 * The kernel of layer `layer` as a filter bank `[filters·channels, kh, kw]` (filter-major,
 * PyTorch's order), from TensorFlow.js's `[kh, kw, channels, filters]`; null when the
 * checkpoint has no 4-D float32 kernel of that name.
 */
export async function readConvolutionFilters(checkpoint: string, layer: string): Promise<TensorSnapshot | null> {
  const manifest = JSON.parse(await readFile(path.join(checkpoint, 'model.json'), 'utf8')) as ModelJson;
  let offset = 0;
  for (const group of manifest.weightsManifest) {
    const buffers = await Promise.all(group.paths.map((file) => readFile(path.join(checkpoint, file))));
    const data = Buffer.concat(buffers);
    for (const spec of group.weights) {
      const count = spec.shape.reduce((product, size) => product * size, 1);
      const isKernel = spec.name === `${layer}/kernel` && spec.shape.length === 4 && (spec.dtype ?? 'float32') === 'float32';
      if (isKernel) {
        const floats = new Float32Array(data.buffer.slice(data.byteOffset + offset, data.byteOffset + offset + count * 4));
        return toFilterBank(floats, spec.shape as [number, number, number, number]);
      }
      offset += count * 4;
    }
    offset = 0;
  }
  return null;
}

/** `[kh, kw, in, out]` (channels last) → `[out·in, kh, kw]`, with the value range. */
export function toFilterBank(kernel: Float32Array, shape: readonly [number, number, number, number]): TensorSnapshot {
  const [kernelHeight, kernelWidth, channels, filters] = shape;
  const values: number[] = new Array<number>(kernel.length);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let filter = 0; filter < filters; filter += 1) {
    for (let channel = 0; channel < channels; channel += 1) {
      for (let row = 0; row < kernelHeight; row += 1) {
        for (let column = 0; column < kernelWidth; column += 1) {
          const value = kernel[((row * kernelWidth + column) * channels + channel) * filters + filter] ?? 0;
          values[((filter * channels + channel) * kernelHeight + row) * kernelWidth + column] = value;
          if (value < min) min = value;
          if (value > max) max = value;
        }
      }
    }
  }
  if (values.length === 0) return { shape: [0, kernelHeight, kernelWidth], values, min: 0, max: 0 };
  return { shape: [filters * channels, kernelHeight, kernelWidth], values, min, max };
}

/**
 * The `k` likeliest classes from the output layer's values: probabilities as they are when
 * the model ends in softmax, else logits through a (numerically stable) softmax.
 */
export function toPredictions(values: readonly number[], labels: readonly string[] | null, outputIsProbability: boolean, k = 5): Prediction[] {
  let probabilities: number[];
  if (outputIsProbability) {
    probabilities = [...values];
  } else {
    const largest = Math.max(...values);
    const exponentials = values.map((value) => Math.exp(value - largest));
    const total = exponentials.reduce((sum, value) => sum + value, 0);
    probabilities = exponentials.map((value) => value / total);
  }
  return probabilities
    .map((probability, index) => ({ label: labels?.[index] ?? String(index), probability, index }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, k);
}
