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
 * Complete (`inspectCheckpoint`): a folder is a complete checkpoint when its training.json
 * parses as a JSON object; every model folder its kind needs (a classifier `.`, a GAN
 * `generator/` and `discriminator/`; another kind whichever of them hold a model.json, at
 * least one) has a model.json that parses and, for each weights file its manifest names,
 * the file with exactly the bytes its weight specs add up to; and every `optimizer-*.json`
 * parses and its `.bin` has the bytes its specs add up to. training.json is written last,
 * so a folder whose writing a crash cut short is never complete, and a torn file fails the
 * parse or the byte count. The rule reads nothing but the checkpoint's own files: it holds
 * for checkpoints written before it and for those the PyTorch export writes.
 *
 * Recovery (`recoverCheckpoint`): of `<name>` and its leftovers `.<name>-old-*` and
 * `.<name>-new-*`, the complete one with the highest (epoch, step) its training.json
 * records — never the first in directory order; on a tie `<name>` itself. Whatever stage a
 * crash stopped at, that is the newest checkpoint that was ever complete. Leftovers are
 * removed (`writeCheckpoint`'s last stage) once a newer checkpoint stands in `<name>`; a
 * complete leftover newer than it is never removed. Readers (`convlens run`, the panel)
 * only read: removing is the writer's, so a reader never deletes a folder a running
 * training is still writing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

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

const STATE_FILE = 'training.json';

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

/** Where training stood, as a checkpoint's training.json records it; null where it does not. */
export interface CheckpointPosition {
  /** Completed epochs. */
  readonly epoch: number | null;
  /** Optimizer steps (batches) taken since the run's first epoch began. */
  readonly step: number | null;
}

export interface InspectedCheckpoint extends CheckpointPosition {
  /** training.json. */
  readonly state: Readonly<Record<string, unknown>>;
}

export interface FoundCheckpoint extends InspectedCheckpoint {
  /** The folder to read: the requested one, or a leftover beside it. */
  readonly folder: string;
  /** Null when `folder` is the requested folder; else one line: which checkpoint stands in for it, and why. */
  readonly recovery: string | null;
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

/** The names a swap of `directory` leaves beside it when interrupted: `.<name>-old-<id>`, `.<name>-new-<id>`. */
function leftoverPrefixes(directory: string): readonly [aside: string, fresh: string] {
  const name = path.basename(path.resolve(directory));
  return [`.${name}-old-`, `.${name}-new-`];
}

/** The leftovers of interrupted swaps of `directory`, by name (paths beside `directory`). */
export async function listLeftovers(directory: string): Promise<string[]> {
  const parent = path.dirname(directory);
  const prefixes = leftoverPrefixes(directory);
  const entries = await readdir(parent).catch(() => [] as string[]);
  return entries
    .filter((entry) => prefixes.some((prefix) => entry.startsWith(prefix)))
    .sort()
    .map((entry) => path.join(parent, entry));
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

/** The epoch and step a checkpoint's state records (null where it records none). */
export function positionOf(state: unknown): CheckpointPosition {
  return isRecord(state) ? { epoch: toCount(state['epoch']), step: toCount(state['step']) } : { epoch: null, step: null };
}

/** Whether `a` is further along than `b`: by epoch, then by step; a recorded number beats none. */
export function isNewer(a: CheckpointPosition, b: CheckpointPosition): boolean {
  const epochA = a.epoch ?? -1;
  const epochB = b.epoch ?? -1;
  if (epochA !== epochB) return epochA > epochB;
  return (a.step ?? -1) > (b.step ?? -1);
}

function describePosition(position: CheckpointPosition): string {
  if (position.epoch === null) return 'no recorded epoch';
  return position.step === null ? `epoch ${position.epoch}` : `epoch ${position.epoch}, step ${position.step}`;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

async function fileSize(file: string): Promise<number | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : null;
  } catch {
    return null;
  }
}

const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** The bytes weight specs take (tfjs's encodeWeights); null when unknowable (strings); NaN for a malformed spec. */
function specBytes(specs: readonly unknown[]): number | null {
  let total = 0;
  for (const spec of specs) {
    if (!isRecord(spec) || !Array.isArray(spec['shape']) || typeof spec['dtype'] !== 'string') return Number.NaN;
    if (spec['dtype'] === 'string') return null;
    const quantization = spec['quantization'];
    const dtype = isRecord(quantization) && typeof quantization['dtype'] === 'string' ? quantization['dtype'] : spec['dtype'];
    const size = (spec['shape'] as unknown[]).reduce<number>((product, dimension) => product * (typeof dimension === 'number' ? dimension : Number.NaN), 1);
    total += size * (DTYPE_BYTES[dtype] ?? Number.NaN);
  }
  return total;
}

/** A model folder whose model.json parses and whose weights files hold the bytes its manifest describes. */
async function isModelComplete(folder: string): Promise<boolean> {
  const json = await readJson(path.join(folder, 'model.json'));
  if (!isRecord(json) || !Array.isArray(json['weightsManifest'])) return false;
  for (const group of json['weightsManifest'] as unknown[]) {
    if (!isRecord(group) || !Array.isArray(group['paths']) || !Array.isArray(group['weights'])) return false;
    let bytes = 0;
    for (const file of group['paths'] as unknown[]) {
      const size = typeof file === 'string' ? await fileSize(path.join(folder, file)) : null;
      if (size === null) return false;
      bytes += size;
    }
    const expected = specBytes(group['weights'] as unknown[]);
    if (expected !== null && expected !== bytes) return false;
  }
  return true;
}

/** `<name>.json` (weight specs) that parses and `<name>.bin` with the bytes they describe. */
async function areTensorFilesComplete(folder: string, name: string): Promise<boolean> {
  const specs = await readJson(path.join(folder, `${name}.json`));
  if (!Array.isArray(specs)) return false;
  const size = await fileSize(path.join(folder, `${name}.bin`));
  const expected = specBytes(specs);
  return size !== null && (expected === null || expected === size);
}

/**
 * training.json with the epoch and step it records when `folder` is a complete checkpoint
 * (this file's header defines it); null when it is not (missing, interrupted or torn).
 */
export async function inspectCheckpoint(folder: string): Promise<InspectedCheckpoint | null> {
  const state = await readJson(path.join(folder, STATE_FILE));
  if (!isRecord(state)) return null;
  const models =
    state['kind'] === 'classifier'
      ? ['.']
      : state['kind'] === 'gan'
        ? ['generator', 'discriminator']
        : ['.', 'generator', 'discriminator'].filter((model) => existsSync(path.join(folder, model, 'model.json')));
  if (models.length === 0) return null;
  for (const model of models) if (!(await isModelComplete(path.join(folder, model)))) return null;
  const optimizers = (await readdir(folder)).filter((entry) => entry.startsWith('optimizer-') && entry.endsWith('.json'));
  for (const file of optimizers) if (!(await areTensorFilesComplete(folder, file.slice(0, -'.json'.length)))) return null;
  return { state, ...positionOf(state) };
}

/**
 * The checkpoint to read for `directory`: the newest complete one of `directory` and the
 * leftovers of its interrupted swaps (this file's header), with what its training.json
 * records; null when none is complete.
 */
export async function recoverCheckpoint(directory: string): Promise<FoundCheckpoint | null> {
  const present = existsSync(directory);
  const own = present ? await inspectCheckpoint(directory) : null;
  let best: { folder: string; inspected: InspectedCheckpoint } | null = own === null ? null : { folder: directory, inspected: own };
  for (const leftover of await listLeftovers(directory)) {
    const inspected = await inspectCheckpoint(leftover);
    if (inspected !== null && (best === null || isNewer(inspected, best.inspected))) best = { folder: leftover, inspected };
  }
  if (best === null) return null;
  const { folder, inspected } = best;
  let recovery: string | null = null;
  if (folder !== directory) {
    const why = !present
      ? `${directory} is missing: a training run was interrupted while replacing it`
      : own === null
        ? `${directory} is not a complete checkpoint`
        : `${directory} holds ${describePosition(own)}, but an interrupted training run left a newer complete checkpoint beside it`;
    recovery = `${why}; using the newest complete one, ${describePosition(inspected)}: ${folder}`;
  }
  return { folder, recovery, ...inspected };
}

/** The folder `recoverCheckpoint` picks, or null. */
export async function findCheckpoint(directory: string): Promise<string | null> {
  return (await recoverCheckpoint(directory))?.folder ?? null;
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

export async function readCheckpointState<State>(directory: string): Promise<State> {
  return JSON.parse(await readFile(path.join(directory, STATE_FILE), 'utf8')) as State;
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
