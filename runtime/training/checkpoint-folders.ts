/**
 * The reading side of checkpoint folders, with nothing but Node's file system: whether a
 * folder is a complete checkpoint, where training stood in it, the leftovers an interrupted
 * swap left beside it, and which of them to read. It imports no TensorFlow.js, so the
 * VS Code extension's host may use it (`convlens-runtime/training/checkpoint-folders`) to
 * find the checkpoint the runtime will load; checkpoint.ts writes checkpoints (the swap its
 * header describes) and loads their tensors. This module never writes or removes anything:
 * removing leftovers is the writer's (checkpoint.ts `removeLeftovers`, `setAsideCheckpoint`),
 * so a reader never deletes a folder a running training is still writing.
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
 * crash stopped at, that is the newest checkpoint that was ever complete.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';

/** The file that records where training stands; written last, it makes a folder complete. */
export const CHECKPOINT_STATE_FILE = 'training.json';

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

/** The names a swap of `directory` leaves beside it when interrupted: `.<name>-old-<id>`, `.<name>-new-<id>`. */
export function leftoverPrefixes(directory: string): readonly [aside: string, fresh: string] {
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
  const state = await readJson(path.join(folder, CHECKPOINT_STATE_FILE));
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
 * records; null when none is complete. Reads only.
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

/** A checkpoint folder's training.json, as the trainer wrote it. */
export async function readCheckpointState<State>(directory: string): Promise<State> {
  return JSON.parse(await readFile(path.join(directory, CHECKPOINT_STATE_FILE), 'utf8')) as State;
}
