/**
 * Checkpoints in TensorFlow.js's LayersModel format — `model.json` (topology and weights
 * manifest) and `weights.bin` — so `tf.loadLayersModel` reads them once ConvLens's custom
 * layers are registered (importing the runtime does that). A GAN keeps `generator/` and
 * `discriminator/`. Beside them: `training.json` (where training stands: the trainers record
 * the completed `epoch` and the global optimizer `step` there) and the optimizers' state
 * (`optimizer-<model>.json`/`.bin`), so `--resume` continues exactly.
 *
 * Written by a swap (`writeCheckpoint`), one stage after another, for a checkpoint folder
 * `<dir>/<name>`:
 *   folderCreated      a fresh `<dir>/.<name>-new-<id>`
 *   modelsWritten      each model's model.json and weights.bin in it
 *   optimizersWritten  the optimizers' state
 *   filesWritten       training.json, last: from here on the new folder is complete
 *   asideRenamed       `<name>` → `.<name>-old-<id>` (when there was one)
 *   swapped            `.<name>-new-<id>` → `<name>`
 *   cleaned            the old one and every other leftover removed
 * Every file is flushed (fsync) before the first rename, and the folder after each rename.
 *
 * Which folder is a complete checkpoint, and which of `<name>` and its leftovers a reader
 * takes (`inspectCheckpoint`, `recoverCheckpoint`), is checkpoint-folders.ts's: Node's file
 * system only, no TensorFlow.js, so the extension can find the checkpoint too; this file
 * re-exports it. Leftovers are removed (`writeCheckpoint`'s last stage) once a newer
 * checkpoint stands in `<name>`; a complete leftover newer than it is never removed.
 * Readers (`convlens run`, the panel) only read: removing is the writer's, so a reader
 * never deletes a folder a running training is still writing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { CHECKPOINT_STATE_FILE as STATE_FILE, inspectCheckpoint, isNewer, leftoverPrefixes, listLeftovers, positionOf, recoverCheckpoint, type CheckpointPosition } from './checkpoint-folders';

export {
  findCheckpoint,
  inspectCheckpoint,
  isNewer,
  listLeftovers,
  positionOf,
  readCheckpointState,
  recoverCheckpoint,
  type CheckpointPosition,
  type FoundCheckpoint,
  type InspectedCheckpoint,
} from './checkpoint-folders';

type NamedTensor = { name: string; tensor: tf.Tensor };

export interface CheckpointModels {
  /** Folder name inside the checkpoint ('.' for a classifier's single model) → model. */
  readonly [folder: string]: LayersModel;
}

export interface CheckpointContent<State> {
  readonly models: CheckpointModels;
  readonly optimizers: Readonly<Record<string, tf.Optimizer>>;
  readonly state: State;
}

/** The stages of `writeCheckpoint`'s swap, in order (this file's header says what each leaves). */
export const SWAP_STAGES = ['folderCreated', 'modelsWritten', 'optimizersWritten', 'filesWritten', 'asideRenamed', 'swapped', 'cleaned'] as const;
export type SwapStage = (typeof SWAP_STAGES)[number];

export interface WriteCheckpointOptions {
  /**
   * Called after each stage and awaited before the next: where a test stops the swap. A
   * promise that never settles is a process death there — nothing after it runs.
   */
  readonly onStage?: (stage: SwapStage) => void | Promise<void>;
}

function toWeightData(data: tf.io.WeightData): ArrayBuffer {
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : (data as ArrayBuffer);
}

/** The model.json and weights.bin tfjs's own file handlers write (tfjs-core io/io_utils getModelJSONForModelArtifacts). */
async function toModelFiles(model: LayersModel): Promise<{ json: string; weights: ArrayBuffer }> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const artifacts = saved as tf.io.ModelArtifacts | null;
  if (artifacts === null || artifacts.weightData === undefined) throw new Error('[convlens] the model saved no weights');
  const json = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
  };
  return { json: JSON.stringify(json), weights: toWeightData(artifacts.weightData) };
}

async function writeNamedTensors(folder: string, name: string, tensors: NamedTensor[]): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  await writeDurably(path.join(folder, `${name}.json`), JSON.stringify(specs));
  await writeDurably(path.join(folder, `${name}.bin`), new Uint8Array(toWeightData(data)));
}

/** Writes a file and flushes it to disk before returning. */
async function writeDurably(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a folder's entries (new files, renames) to disk; best effort, as Windows cannot open a folder. */
async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // Not supported here (Windows); the renames stand as the file system keeps them.
  } finally {
    await handle?.close();
  }
}

/**
 * Writes a checkpoint to `directory`, replacing the previous one by the swap this file's
 * header describes, then removes the leftovers of earlier interrupted swaps that are not
 * newer than it.
 */
export async function writeCheckpoint<State>(directory: string, content: CheckpointContent<State>, options: WriteCheckpointOptions = {}): Promise<void> {
  const stage = async (reached: SwapStage): Promise<void> => {
    await options.onStage?.(reached);
  };
  const target = path.resolve(directory);
  const parent = path.dirname(target);
  const [asidePrefix, freshPrefix] = leftoverPrefixes(target);
  await mkdir(parent, { recursive: true });
  const suffix = randomBytes(6).toString('hex');
  const temporary = path.join(parent, `${freshPrefix}${suffix}`);
  await mkdir(temporary);
  try {
    await stage('folderCreated');
    const folders = new Set([temporary]);
    for (const [folder, model] of Object.entries(content.models)) {
      const modelFolder = path.join(temporary, folder);
      await mkdir(modelFolder, { recursive: true });
      folders.add(modelFolder);
      const { json, weights } = await toModelFiles(model);
      await writeDurably(path.join(modelFolder, 'weights.bin'), new Uint8Array(weights));
      await writeDurably(path.join(modelFolder, 'model.json'), json);
    }
    await stage('modelsWritten');
    for (const [name, optimizer] of Object.entries(content.optimizers)) {
      const weights = await optimizer.getWeights();
      await writeNamedTensors(temporary, `optimizer-${name}`, weights);
    }
    await stage('optimizersWritten');
    // Last: training.json makes the folder complete.
    await writeDurably(path.join(temporary, STATE_FILE), `${JSON.stringify(content.state, null, 2)}\n`);
    for (const folder of folders) await syncFolder(folder);
  } catch (error) {
    // An error (a full disk, say), not a death: nothing of this checkpoint is left behind.
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  await stage('filesWritten');
  const aside = path.join(parent, `${asidePrefix}${suffix}`);
  if (existsSync(target)) {
    await rename(target, aside);
    await syncFolder(parent);
  }
  await stage('asideRenamed');
  await rename(temporary, target);
  await syncFolder(parent);
  await stage('swapped');
  await removeLeftovers(target, positionOf(content.state));
  await stage('cleaned');
}

/**
 * Removes the leftovers of `directory`'s interrupted swaps that are not complete
 * checkpoints newer than `than` (the one standing in `directory`). Returns what it removed.
 */
export async function removeLeftovers(directory: string, than: CheckpointPosition): Promise<string[]> {
  const removed: string[] = [];
  for (const leftover of await listLeftovers(directory)) {
    const inspected = await inspectCheckpoint(leftover);
    if (inspected !== null && isNewer(inspected, than)) continue;
    await rm(leftover, { recursive: true, force: true });
    removed.push(leftover);
  }
  return removed;
}

/** `<directory>-<time source was written>`, numbered when taken. */
async function keptName(directory: string, source: string): Promise<string> {
  const written = (await stat(existsSync(path.join(source, STATE_FILE)) ? path.join(source, STATE_FILE) : source)).mtime.toISOString().replace(/[:.]/g, '-');
  let target = `${path.resolve(directory)}-${written}`;
  for (let suffix = 2; existsSync(target); suffix += 1) target = `${path.resolve(directory)}-${written}-${suffix}`;
  return target;
}

/**
 * A fresh run into a folder that holds a checkpoint keeps that checkpoint: the newest
 * complete one (wherever a crash left it) is renamed to `<directory>-<time it was written>`
 * before the new run writes its own, and the other leftovers go, so none of them can pass
 * for the new run's. A `directory` that is not that one (an older checkpoint, or a folder
 * that is not a complete checkpoint) is kept the same way rather than removed. Returns the
 * new name of the newest (else of the kept `directory`), or null when there was nothing.
 * In this order a crash at any point leaves the newest complete checkpoint findable.
 */
export async function setAsideCheckpoint(directory: string): Promise<string | null> {
  const found = await recoverCheckpoint(directory);
  for (const leftover of await listLeftovers(directory)) {
    if (leftover !== found?.folder) await rm(leftover, { recursive: true, force: true });
  }
  let kept: string | null = null;
  if (found?.folder !== directory && existsSync(directory) && (await readdir(directory)).length > 0) {
    kept = await keptName(directory, directory);
    await rename(directory, kept);
  }
  if (found === null) return kept;
  const target = await keptName(directory, found.folder);
  await rename(found.folder, target);
  return target;
}

/** Reads a model's weights (by their saved names) from a checkpoint folder. */
export async function readModelWeights(folder: string): Promise<{ topology: unknown; weights: tf.NamedTensorMap }> {
  const json = JSON.parse(await readFile(path.join(folder, 'model.json'), 'utf8')) as {
    modelTopology: unknown;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const buffers = await Promise.all(json.weightsManifest.flatMap((group) => group.paths).map((file) => readFile(path.join(folder, file))));
  const data = tf.io.concatenateArrayBuffers(buffers.map((buffer) => buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer));
  return { topology: json.modelTopology, weights: tf.io.decodeWeights(data, specs) };
}

/**
 * Sets every weight of `model` from a checkpoint's weights, matched by name. Throws when the
 * checkpoint is of another model (a missing weight or a different shape).
 */
export function assignWeights(model: LayersModel, weights: tf.NamedTensorMap, what: string): void {
  for (const variable of model.weights) {
    const saved = weights[variable.originalName];
    if (saved === undefined) throw new Error(`${what} has no weight '${variable.originalName}': it was saved from a different model`);
    if (saved.shape.join(',') !== variable.shape.join(',')) {
      throw new Error(`${what}: weight '${variable.originalName}' is [${saved.shape.join(', ')}] there but [${variable.shape.join(', ')}] in the model: it was saved from a different model`);
    }
    variable.write(saved);
  }
}

export async function readOptimizerWeights(directory: string, name: string): Promise<NamedTensor[] | null> {
  const specsFile = path.join(directory, `optimizer-${name}.json`);
  if (!existsSync(specsFile)) return null;
  const specs = JSON.parse(await readFile(specsFile, 'utf8')) as tf.io.WeightsManifestEntry[];
  const buffer = await readFile(path.join(directory, `optimizer-${name}.bin`));
  const map = tf.io.decodeWeights(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer, specs);
  return specs.map((spec) => ({ name: spec.name, tensor: map[spec.name] as tf.Tensor }));
}

/** A LayersModel straight from a checkpoint folder, as any TensorFlow.js user would load it. */
export async function loadCheckpointModel(folder: string): Promise<LayersModel> {
  const { loadLayersModel } = await import('@tensorflow/tfjs-layers');
  const json = JSON.parse(await readFile(path.join(folder, 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  const { weights } = await readModelWeights(folder);
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const { data } = await tf.io.encodeWeights(specs.map((spec) => ({ name: spec.name, tensor: weights[spec.name] as tf.Tensor })));
  return loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: toWeightData(data) }));
}
