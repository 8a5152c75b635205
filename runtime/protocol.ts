/**
 * The runtime's message protocol (runtime/README.md, "Process"): what a client (the VS Code extension,
 * the CLI) asks of a training process and what the process reports back. One file that
 * both sides import; every message is plain JSON, discriminated by `type` (requests,
 * imperative) or `event` (events, past tense) — the shapes `convlens train --json` prints.
 */
import type { GanNode, ModelNode } from 'convlens/ir';
import type { BackendName, PassedOver } from './backend-choice';

// ── Requests: client → runtime process ──────────────────────────────────────────────

export interface TrainingSettings {
  /** `mnist`, `fashion-mnist`, `cifar10` or a folder of images, one subfolder per class. */
  readonly dataset: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly optimizer: 'sgd' | 'adam';
  /** Fraction of the training images held out to validate each epoch. */
  readonly validationSplit: number;
  /** Zero padding for the random crop (0 = none) and random horizontal mirroring. */
  readonly augmentation: { readonly cropPadding: number; readonly mirror: boolean };
  /** Test-time augmentation: average the predictions for each test image and its mirror. */
  readonly tta: boolean;
  readonly seed: number;
  /** A backend name or 'auto'. */
  readonly backend: BackendName | 'auto';
  /** Where checkpoints, the metrics log and sample grids go; null keeps nothing. */
  readonly outDirectory: string | null;
  /** Continue from the checkpoint in outDirectory. */
  readonly resume: boolean;
  /** Data-parallel worker threads (1 = train on the calling thread). */
  readonly workers: number;
  /** Use only the first N training / test images (quick runs, tests). */
  readonly limit?: { readonly train?: number; readonly test?: number };
  /** Folder names resolve against it; also where a workspace's @tensorflow/tfjs-node is found. */
  readonly cwd: string;
  /** Dataset cache folder; default `~/.cache/convlens/datasets`. */
  readonly cacheDirectory?: string;
  /** Download missing built-in datasets (default true). */
  readonly download?: boolean;
}

export interface StartTrainingRequest {
  readonly type: 'startTraining';
  readonly root: ModelNode | GanNode;
  readonly settings: TrainingSettings;
}

export interface CancelTrainingRequest {
  readonly type: 'cancelTraining';
}

/** Feature maps of one layer of a checkpoint, for an image file or a test sample. */
export interface ComputeFeatureMapsRequest {
  readonly type: 'computeFeatureMaps';
  readonly root: ModelNode;
  readonly checkpoint: string;
  /** The layer's display name, as `convlens summary` shows it. */
  readonly layer: string;
  readonly input: { readonly image: string } | { readonly dataset: string; readonly testIndex: number };
  readonly cwd: string;
}

/**
 * A latent interpolation through a trained GAN's generator: from one cell of the run's
 * fixed-latent sample grid to another (row-major indices into its 8×8 grid), in `steps`
 * steps (2 to 64). Answered with `interpolationReady` or `failed`.
 */
export interface InterpolateSamplesRequest {
  readonly type: 'interpolateSamples';
  readonly root: GanNode;
  /** The run's checkpoint folder (with `generator/` and `training.json`); relative to `cwd`. */
  readonly checkpoint: string;
  readonly from: number;
  readonly to: number;
  readonly steps: number;
  readonly cwd: string;
}

export type RuntimeRequest = StartTrainingRequest | CancelTrainingRequest | ComputeFeatureMapsRequest | InterpolateSamplesRequest;

// ── Events: runtime → client ─────────────────────────────────────────────────────────

export interface StartedEvent {
  readonly event: 'started';
  readonly kind: 'classifier' | 'gan';
  readonly model: string;
  readonly backend: BackendName;
  readonly passedOver: readonly PassedOver[];
  readonly dataset: string;
  readonly trainImages: number;
  readonly validationImages: number;
  readonly testImages: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly workers: number;
  /** Epochs already done by the checkpoint resumed from (0 for a fresh run). */
  readonly startEpoch: number;
  /** Where a fresh run moved the checkpoint it found in its folder (kept, never overwritten). */
  readonly previousCheckpoint: string | null;
}

export interface ProgressEvent {
  readonly event: 'progress';
  readonly epoch: number;
  readonly epochs: number;
  readonly batch: number;
  readonly batches: number;
  /** Mean training loss over the epoch so far (a GAN: the discriminator's). */
  readonly loss: number;
  /** Training accuracy over the epoch so far; null for a GAN. */
  readonly accuracy: number | null;
  /** A GAN's generator loss over the epoch so far. */
  readonly generatorLoss?: number;
  readonly imagesPerSecond: number;
}

export interface EpochEndedEvent {
  readonly event: 'epochEnded';
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  readonly accuracy: number | null;
  readonly generatorLoss?: number;
  readonly validationLoss: number | null;
  readonly validationAccuracy: number | null;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  /** The checkpoint written at the end of the epoch. */
  readonly checkpoint: string | null;
}

/** A GAN's sample grid from the fixed latent vectors. */
export interface SamplesReadyEvent {
  readonly event: 'samplesReady';
  readonly epoch: number;
  /** The PNG written, when the run has an out directory. */
  readonly path: string | null;
  readonly rows: number;
  readonly columns: number;
  /** The grid as a PNG, base64 (for panels that cannot read the file). */
  readonly png: string;
}

/**
 * An image as the network received it: resized to the model's input and converted to its
 * channels, before normalisation.
 */
export interface InputPixels {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** `height × width × channels` bytes 0–255, row-major, channels last, base64. */
  readonly pixels: string;
}

export interface FeatureMapsEvent {
  readonly event: 'featureMaps';
  readonly layer: string;
  /** Channels first: [C, H, W] (or [F] for a vector). */
  readonly shape: readonly number[];
  /** The values, channels first, flat. */
  readonly values: readonly number[];
  readonly min: number;
  readonly max: number;
  /** The input the maps are of (a test sample's bytes, an image file resized to the model's input). */
  readonly input: InputPixels;
}

/** The strip an `interpolateSamples` request asked for. */
export interface InterpolationReadyEvent {
  readonly event: 'interpolationReady';
  readonly from: number;
  readonly to: number;
  readonly steps: number;
  /** One row of `steps` images as a PNG, base64 (the sample grid's cell size and gap). */
  readonly png: string;
}

export interface StoppedEvent {
  readonly event: 'stopped';
  readonly reason: 'cancelled';
  readonly epoch: number;
  /** The last complete checkpoint, untouched by the cancelled epoch. */
  readonly checkpoint: string | null;
}

export interface FailedEvent {
  readonly event: 'failed';
  readonly message: string;
}

export interface FinishedEvent {
  readonly event: 'finished';
  /** Accuracy on the test split (with test-time averaging if asked); null without one or for a GAN. */
  readonly testAccuracy: number | null;
  readonly testLoss: number | null;
  readonly checkpoint: string | null;
  /** On the test split, confusionMatrix[label][predicted] (rows are the truth); null without one or for a GAN. */
  readonly confusionMatrix?: readonly (readonly number[])[] | null;
  /** The class names the matrix's rows and columns stand for. */
  readonly classes?: readonly string[] | null;
  /** A GAN's last sample grid. */
  readonly samples?: string | null;
  /** A GAN's latent interpolation strip. */
  readonly interpolation?: string | null;
}

export type TrainingEvent =
  | StartedEvent
  | ProgressEvent
  | EpochEndedEvent
  | SamplesReadyEvent
  | StoppedEvent
  | FailedEvent
  | FinishedEvent;

export type RuntimeEvent = TrainingEvent | FeatureMapsEvent | InterpolationReadyEvent;

const REQUEST_TYPES: ReadonlySet<string> = new Set(['startTraining', 'cancelTraining', 'computeFeatureMaps', 'interpolateSamples']);
const EVENT_NAMES: ReadonlySet<string> = new Set(['started', 'progress', 'epochEnded', 'samplesReady', 'featureMaps', 'interpolationReady', 'stopped', 'failed', 'finished']);

/** Messages are validated on receipt: a process boundary is a trust boundary. */
export function isRuntimeRequest(value: unknown): value is RuntimeRequest {
  return typeof value === 'object' && value !== null && REQUEST_TYPES.has(String((value as { type?: unknown }).type));
}

export function isRuntimeEvent(value: unknown): value is RuntimeEvent {
  return typeof value === 'object' && value !== null && EVENT_NAMES.has(String((value as { event?: unknown }).event));
}
