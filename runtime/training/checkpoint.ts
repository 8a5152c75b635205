/**
 * Checkpoints in TensorFlow.js's LayersModel format — `model.json` (topology and weights
 * manifest) and `weights.bin` — so `tf.loadLayersModel` reads them once ConvLens's custom
 * layers are registered (importing the runtime does that). A GAN keeps `generator/` and
 * `discriminator/`. Beside them: `training.json` (where training stands) and the
 * optimizers' state (`optimizer-<model>.json`/`.bin`), so `--resume` continues exactly.
 *
 * Written atomically: everything goes into a fresh temporary folder, which then replaces
 * the checkpoint folder by two renames (old → aside, new → in place) before the old one is
 * removed. At every instant one complete checkpoint exists under the name or aside
 * (`findCheckpoint` recovers the latter), so a cancel or a crash never leaves a torn one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
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
const ASIDE_PREFIX = '.checkpoint-old-';

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
  await writeFile(path.join(folder, `${name}.json`), JSON.stringify(specs));
  await writeFile(path.join(folder, `${name}.bin`), new Uint8Array(toWeightData(data)));
}

/** Writes a checkpoint to `directory`, replacing the previous one atomically. */
export async function writeCheckpoint<State>(directory: string, content: CheckpointContent<State>): Promise<void> {
  const parent = path.dirname(path.resolve(directory));
  await mkdir(parent, { recursive: true });
  const suffix = randomBytes(6).toString('hex');
  const temporary = path.join(parent, `.checkpoint-new-${suffix}`);
  await mkdir(temporary, { recursive: true });
  try {
    for (const [folder, model] of Object.entries(content.models)) {
      const target = path.join(temporary, folder);
      await mkdir(target, { recursive: true });
      const { json, weights } = await toModelFiles(model);
      await writeFile(path.join(target, 'model.json'), json);
      await writeFile(path.join(target, 'weights.bin'), new Uint8Array(weights));
    }
    for (const [name, optimizer] of Object.entries(content.optimizers)) {
      const weights = await optimizer.getWeights();
      await writeNamedTensors(temporary, `optimizer-${name}`, weights);
    }
    await writeFile(path.join(temporary, STATE_FILE), `${JSON.stringify(content.state, null, 2)}\n`);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  const aside = path.join(parent, `${ASIDE_PREFIX}${suffix}`);
  const hadOne = existsSync(directory);
  if (hadOne) await rename(directory, aside);
  await rename(temporary, directory);
  if (hadOne) await rm(aside, { recursive: true, force: true });
}

/**
 * The checkpoint folder to read: `directory` itself, or — after a crash between the two
 * renames — the complete previous one left aside. Null when there is none.
 */
export async function findCheckpoint(directory: string): Promise<string | null> {
  if (existsSync(path.join(directory, STATE_FILE))) return directory;
  const parent = path.dirname(path.resolve(directory));
  const entries = existsSync(parent) ? await readdir(parent) : [];
  const aside = entries.find((entry) => entry.startsWith(ASIDE_PREFIX) && existsSync(path.join(parent, entry, STATE_FILE)));
  return aside === undefined ? null : path.join(parent, aside);
}

/**
 * A fresh run into a folder that holds a checkpoint keeps that checkpoint: it is renamed to
 * `checkpoint-<time it was written>` before the new run writes its own. Returns the new
 * name, or null when there was none.
 */
export async function setAsideCheckpoint(directory: string): Promise<string | null> {
  const found = await findCheckpoint(directory);
  if (found === null) return null;
  const written = (await stat(path.join(found, STATE_FILE))).mtime.toISOString().replace(/[:.]/g, '-');
  let target = `${path.resolve(directory)}-${written}`;
  for (let suffix = 2; existsSync(target); suffix += 1) target = `${path.resolve(directory)}-${written}-${suffix}`;
  await rename(found, target);
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
