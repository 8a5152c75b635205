/**
 * The classifier training loop: epochs of shuffled mini-batches with augmentation,
 * validation on a held-out split after each epoch, a checkpoint and a metrics line after
 * each epoch, and a final evaluation on the test split (optionally with test-time
 * averaging over mirrored images). Progress is reported as protocol events; a cancel
 * (AbortSignal) stops between batches and leaves the last checkpoint as it was.
 *
 * At the end of an epoch: its metrics line is appended and flushed, then its checkpoint
 * (with the epoch, the global step and that line in training.json) is written by the
 * swap of checkpoint.ts, then the epochEnded event goes out (metrics-log.ts says why in
 * this order). `--resume` continues from the newest complete checkpoint wherever a crash
 * left it (checkpoint.ts's recovery), never from an older one.
 */
import * as path from 'node:path';
import type { ModelNode } from 'convlens/ir';
import type { BackendChoice } from '../backend-choice';
import { compileModel, type CompiledModel } from '../compile';
import type { Dataset, ImageSet } from '../datasets/dataset';
import { describeMismatch } from '../datasets/load-dataset';
import type { EpochEndedEvent, FinishedEvent, StoppedEvent, TrainingEvent, TrainingSettings } from '../protocol';
import { shuffledIndices, toRandom } from '../seeded-random';
import { assembleBatch, mirrorBatch, NO_AUGMENTATION, toNormalization, type Augmentation } from './batch-assembly';
import { assignWeights, readModelWeights, readOptimizerWeights, type FoundCheckpoint } from './checkpoint';
import { checkpointEpoch, startRun, type CheckpointStage, type EpochPosition } from './epoch-checkpoint';
import { ClassifierReplica, type EvaluationResult, type StepResult } from './classifier-replica';
import { createDataParallelClassifier } from './data-parallel';
import { MetricsLog } from './metrics-log';
import type { OptimizerSpec } from './optimizer-choice';
import { TrainingError } from './training-error';

export interface TrainingHooks {
  readonly onEvent: (event: TrainingEvent) => void;
  readonly signal?: AbortSignal;
  /** Lines for people: which checkpoint a resume recovered, say. */
  readonly log?: (line: string) => void;
  /**
   * Called after each stage of an epoch's checkpoint (epoch-checkpoint.ts's
   * CHECKPOINT_STAGES) and awaited before the next: where a test stops the run as a crash
   * would (a promise that never settles: nothing after it runs).
   */
  readonly onCheckpointStage?: (stage: CheckpointStage, epoch: number) => void | Promise<void>;
}

/** What `training.json` records: enough to resume, and to refuse resuming another model. */
export interface ClassifierState extends EpochPosition {
  readonly kind: 'classifier';
  readonly model: string;
  readonly dataset: string;
  readonly seed: number;
  readonly optimizer: OptimizerSpec;
  readonly validationAccuracy: number | null;
  /** How inputs were normalised and what the outputs mean: all `convlens run` needs besides the weights. */
  readonly normalization: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly classes: readonly string[];
}

/** How batches are trained and evaluated: on this thread, or split over worker threads. */
export interface ClassifierEngine {
  trainBatch(images: Float32Array, labels: Int32Array, count: number): Promise<StepResult>;
  evaluateBatch(images: Float32Array, labels: Int32Array, count: number, mirrored: Float32Array | null): Promise<EvaluationResult>;
  /**
   * Predicted classes, for inference. Calls may overlap: with data-parallel workers each
   * batch runs whole on one of them, so keeping one batch per worker in flight uses them all.
   */
  predictBatch(images: Float32Array, count: number): Promise<Int32Array>;
  /** Brings the calling thread's model and optimizer up to date (before a checkpoint). */
  synchronize(): Promise<void>;
  close(): Promise<void>;
}

const PROGRESS_INTERVAL_MS = 200;

/** Resolves after pending I/O callbacks (messages, signals) have run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * When `signal` has been aborted during `epoch`: emits and returns the stop, which names
 * the last completed epoch and its checkpoint (left as it is); else null.
 */
export function stopIfCancelled(signal: AbortSignal | undefined, emit: (event: TrainingEvent) => void, epoch: number, checkpoint: string | null): StoppedEvent | null {
  if (signal?.aborted !== true) return null;
  const stopped: StoppedEvent = { event: 'stopped', reason: 'cancelled', epoch: epoch - 1, checkpoint };
  emit(stopped);
  return stopped;
}

export function toCheckpointDirectory(outDirectory: string): string {
  return path.join(outDirectory, 'checkpoint');
}

/** The first `limit` images of a set (quick runs). */
function limitSet(set: ImageSet, limit: number | undefined, pixels: number): ImageSet {
  if (limit === undefined || limit >= set.count) return set;
  return { images: set.images.subarray(0, limit * pixels), labels: set.labels.subarray(0, limit), count: limit };
}

export function checkClassifierFits(compiled: CompiledModel, dataset: Dataset): void {
  const mismatch = describeMismatch(dataset, compiled.inputShape, compiled.name);
  if (mismatch !== null) throw new TrainingError(mismatch);
  const [outputs, ...rest] = compiled.outputShape;
  if (rest.length > 0 || outputs !== dataset.classes.length) {
    throw new TrainingError(
      `${compiled.name} outputs [${compiled.outputShape.join(', ')}] but ${dataset.name} has ${dataset.classes.length} classes; end the model with dense(${dataset.classes.length})`,
    );
  }
}

export async function trainClassifier(
  root: ModelNode,
  dataset: Dataset,
  settings: TrainingSettings,
  backend: BackendChoice,
  hooks: TrainingHooks,
): Promise<FinishedEvent | StoppedEvent> {
  const compiled = compileModel(root, { seed: settings.seed });
  checkClassifierFits(compiled, dataset);
  const optimizerSpec: OptimizerSpec = { kind: settings.optimizer, learningRate: settings.learningRate };
  const replica = new ClassifierReplica(compiled, dataset.classes.length, optimizerSpec);
  const checkpointDirectory = settings.outDirectory === null ? null : toCheckpointDirectory(settings.outDirectory);
  const log = MetricsLog.inFolder(settings.outDirectory);
  const emit = (event: TrainingEvent): void => {
    log.record(event);
    hooks.onEvent(event);
  };

  const shape = dataset.shape;
  const pixels = shape[0] * shape[1] * shape[2];
  const trainSet = limitSet(dataset.train, settings.limit?.train, pixels);
  const testSet = dataset.test === null ? null : limitSet(dataset.test, settings.limit?.test, pixels);
  // A fixed, seeded hold-out: the same images validate every epoch and every resumed run.
  const order = shuffledIndices(trainSet.count, toRandom(settings.seed));
  const validationCount = Math.floor(trainSet.count * settings.validationSplit);
  const trainingIndices = order.subarray(0, trainSet.count - validationCount);
  const validationIndices = order.subarray(trainSet.count - validationCount);

  const batchSize = settings.batchSize;
  const batches = Math.ceil(trainingIndices.length / batchSize);
  const start = await startRun(checkpointDirectory, settings.resume, log, hooks, batches, (found, directory) => resumeClassifier(found, directory, compiled, replica, root, dataset));
  const { startEpoch, previousCheckpoint } = start;
  let { step, lastCheckpoint } = start;

  const engine: ClassifierEngine =
    settings.workers > 1 ? await createDataParallelClassifier(root, replica, settings, backend) : toLocalEngine(replica);
  const normalization = toNormalization(dataset);
  const augmentation: Augmentation = { cropPadding: settings.augmentation.cropPadding, mirror: settings.augmentation.mirror };
  const images = new Float32Array(batchSize * pixels);
  const labels = new Int32Array(batchSize);

  emit({
    event: 'started',
    kind: 'classifier',
    model: root.name,
    backend: backend.backend,
    passedOver: backend.passedOver,
    dataset: dataset.name,
    trainImages: trainingIndices.length,
    validationImages: validationCount,
    testImages: testSet?.count ?? 0,
    epochs: settings.epochs,
    batchSize,
    workers: settings.workers,
    startEpoch,
    previousCheckpoint,
  });

  try {
    let validationAccuracy: number | null = null;
    for (let epoch = startEpoch + 1; epoch <= settings.epochs; epoch += 1) {
      const random = toRandom(settings.seed * 1_000_003 + epoch);
      const epochOrder = Uint32Array.from(shuffledIndices(trainingIndices.length, random), (index) => trainingIndices[index] as number);
      const started = performance.now();
      let lastReport = started;
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let batch = 0; batch < batches; batch += 1) {
        const stopped = stopIfCancelled(hooks.signal, emit, epoch, lastCheckpoint);
        if (stopped !== null) return stopped;
        const start = batch * batchSize;
        const count = Math.min(batchSize, epochOrder.length - start);
        assembleBatch(trainSet, shape, epochOrder, start, count, normalization, augmentation, random, images, labels);
        const result = await engine.trainBatch(images, labels, count);
        step += 1;
        if (!Number.isFinite(result.loss)) {
          throw new TrainingError(
            `the loss became ${result.loss} in epoch ${epoch}, batch ${batch + 1}: training diverged. Lower the learning rate (now ${settings.learningRate}) or add batchNorm()`,
          );
        }
        lossSum += result.loss * count;
        correct += result.correct;
        seen += count;
        const now = performance.now();
        if (now - lastReport >= PROGRESS_INTERVAL_MS || batch === batches - 1) {
          lastReport = now;
          emit({ event: 'progress', epoch, epochs: settings.epochs, batch: batch + 1, batches, loss: lossSum / seen, accuracy: correct / seen, imagesPerSecond: (seen * 1000) / (now - started) });
          // Let the event loop run: a cancel (a signal or a message) arrives as a macrotask, and
          // on the wasm and cpu backends every await of a step resolves without reaching it.
          await yieldToEventLoop();
        }
      }
      // A cancel that arrived during the epoch's last batch stops before its checkpoint too.
      const stoppedAtEnd = stopIfCancelled(hooks.signal, emit, epoch, lastCheckpoint);
      if (stoppedAtEnd !== null) return stoppedAtEnd;
      const seconds = (performance.now() - started) / 1000;
      const validation = validationCount > 0 ? await evaluate(engine, trainSet, shape, validationIndices, normalization, batchSize, false, replica.classes) : null;
      validationAccuracy = validation?.accuracy ?? null;
      if (checkpointDirectory !== null) await engine.synchronize();
      const ended: EpochEndedEvent = {
        event: 'epochEnded',
        epoch,
        epochs: settings.epochs,
        loss: lossSum / Math.max(seen, 1),
        accuracy: correct / Math.max(seen, 1),
        validationLoss: validation?.loss ?? null,
        validationAccuracy,
        seconds,
        imagesPerSecond: seen / seconds,
        checkpoint: checkpointDirectory ?? lastCheckpoint,
      };
      lastCheckpoint = await checkpointEpoch<ClassifierState>(log, hooks, checkpointDirectory, lastCheckpoint, ended, step, () => {
        const state: Omit<ClassifierState, keyof EpochPosition> = {
          kind: 'classifier',
          model: root.name,
          dataset: dataset.name,
          seed: settings.seed,
          optimizer: optimizerSpec,
          validationAccuracy,
          normalization: { mean: dataset.mean, std: dataset.std },
          classes: dataset.classes,
        };
        return { models: { '.': compiled.model }, optimizers: { model: replica.optimizer }, state };
      });
      hooks.onEvent(ended);
    }
    const test = testSet === null ? null : await evaluate(engine, testSet, shape, Uint32Array.from({ length: testSet.count }, (_, index) => index), normalization, batchSize, settings.tta, replica.classes);
    const finished: FinishedEvent = {
      event: 'finished',
      testAccuracy: test?.accuracy ?? null,
      testLoss: test?.loss ?? null,
      checkpoint: lastCheckpoint,
      confusionMatrix: test?.confusion ?? null,
      classes: test === null ? null : [...dataset.classes],
    };
    emit(finished);
    return finished;
  } finally {
    await engine.close();
    await log.flush();
  }
}

function toLocalEngine(replica: ClassifierReplica): ClassifierEngine {
  return {
    trainBatch: (images, labels, count) => replica.trainBatch(images, labels, count),
    evaluateBatch: (images, labels, count, mirrored) => replica.evaluateBatch(images, labels, count, mirrored),
    predictBatch: (images, count) => replica.predictBatch(images, count),
    synchronize: async () => undefined,
    close: async () => undefined,
  };
}

export interface SplitEvaluation {
  readonly loss: number;
  readonly accuracy: number;
  /** confusion[label][predicted]: how many images of each class went to each class (rows are the truth, as in scikit-learn). */
  readonly confusion: number[][];
}

/** Mean loss, accuracy and the confusion matrix over the images `indices` of `set`, in inference mode. */
export async function evaluate(
  engine: Pick<ClassifierEngine, 'evaluateBatch'>,
  set: ImageSet,
  shape: readonly [number, number, number],
  indices: ArrayLike<number>,
  normalization: ReturnType<typeof toNormalization>,
  batchSize: number,
  tta: boolean,
  classCount: number,
): Promise<SplitEvaluation> {
  const pixels = shape[0] * shape[1] * shape[2];
  // Evaluation needs no gradients: bigger batches are faster.
  const size = Math.max(batchSize, 256);
  const images = new Float32Array(size * pixels);
  const labels = new Int32Array(size);
  let lossSum = 0;
  let correct = 0;
  const confusion = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  const random = toRandom(0);
  for (let start = 0; start < indices.length; start += size) {
    const count = Math.min(size, indices.length - start);
    assembleBatch(set, shape, indices, start, count, normalization, NO_AUGMENTATION, random, images, labels);
    const result = await engine.evaluateBatch(images, labels, count, tta ? mirrorBatch(images, count, shape) : null);
    lossSum += result.lossSum;
    correct += result.correct;
    for (let index = 0; index < count; index += 1) {
      const row = confusion[labels[index] ?? -1];
      const predicted = result.predicted[index] ?? -1;
      if (row !== undefined && predicted >= 0 && predicted < classCount) row[predicted] = (row[predicted] ?? 0) + 1;
    }
  }
  return { loss: lossSum / Math.max(indices.length, 1), accuracy: correct / Math.max(indices.length, 1), confusion };
}

/** Loads the checkpoint `found` (recovered for `directory`) into the model and optimizer; returns its training.json. */
async function resumeClassifier(found: FoundCheckpoint, directory: string, compiled: CompiledModel, replica: ClassifierReplica, root: ModelNode, dataset: Dataset): Promise<ClassifierState> {
  const state = found.state as unknown as ClassifierState;
  if (state.kind !== 'classifier' || state.model !== root.name) {
    throw new TrainingError(`--resume: the checkpoint in ${directory} is of '${state.model}', not '${root.name}'`);
  }
  if (state.dataset !== dataset.name) throw new TrainingError(`--resume: the checkpoint was trained on ${state.dataset}, not ${dataset.name}`);
  const { weights } = await readModelWeights(found.folder);
  assignWeights(compiled.model, weights, `the checkpoint in ${directory}`);
  const optimizerWeights = await readOptimizerWeights(found.folder, 'model');
  if (optimizerWeights !== null && optimizerWeights.length > 0) await replica.optimizer.setWeights(optimizerWeights);
  return state;
}
