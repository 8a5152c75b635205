/**
 * The GAN training loop (Goodfellow et al. 2014; DCGAN practice, Radford et al. 2015):
 * per batch, one discriminator step on real images (target 1) and generated ones
 * (target 0), then one generator step with the non-saturating loss (the discriminator's
 * target for generated images is 1). Images are scaled to [−1, 1] for a tanh generator.
 * A fixed set of latent vectors, drawn once from the run's seed, renders the sample grid
 * after every epoch, so grids are comparable over time; at the end a latent interpolation
 * (straight lines between fixed vectors) shows how smoothly the generator maps latent space.
 * Epochs end and runs resume as in train-classifier.ts: the epoch's metrics line first,
 * then its checkpoint; `--resume` from the newest complete checkpoint wherever a crash left it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { GanNode } from 'convlens/ir';
import type { BackendChoice } from '../backend-choice';
import { compileGan, type CompiledGan, type CompiledModel } from '../compile';
import type { Dataset } from '../datasets/dataset';
import { describeMismatch } from '../datasets/load-dataset';
import { encodePng, enlarge, tileImages, toBytes, type PixelImage } from '../inspection/image-grid';
import { toTrainingForward } from '../inference-plan';
import { toTensorShape } from '../layout';
import type { EpochEndedEvent, FinishedEvent, StoppedEvent, TrainingEvent, TrainingSettings } from '../protocol';
import { normalValues, shuffledIndices, toRandom, type Random } from '../seeded-random';
import { assembleBatch, NO_AUGMENTATION, SYMMETRIC_UNIT } from './batch-assembly';
import { assignWeights, readModelWeights, readOptimizerWeights, type FoundCheckpoint } from './checkpoint';
import { checkpointEpoch, startRun, type EpochPosition } from './epoch-checkpoint';
import { binaryCrossEntropy, toOutputKind } from './losses';
import { MetricsLog } from './metrics-log';
import { createOptimizer, type OptimizerSpec } from './optimizer-choice';
import { stopIfCancelled, toCheckpointDirectory, yieldToEventLoop, type TrainingHooks } from './train-classifier';
import { TrainingError } from './training-error';

export interface GanState extends EpochPosition {
  readonly kind: 'gan';
  readonly model: string;
  readonly dataset: string;
  readonly seed: number;
  readonly optimizer: OptimizerSpec;
}

/** The fixed-latent sample grid of every epoch: 8 × 8 cells, row-major. */
export const SAMPLE_GRID = { rows: 8, columns: 8 } as const;
const INTERPOLATION = { rows: 4, steps: 10 } as const;
const PROGRESS_INTERVAL_MS = 200;

function variablesOf(model: CompiledModel): tf.Variable[] {
  return model.model.trainableWeights.map((weight) => (weight as unknown as { val: tf.Variable }).val);
}

/** Generator outputs in [−1, 1] (channels last, flat) → one grayscale or RGB image each. */
function toPixelImages(values: Float32Array, count: number, [channels, height, width]: readonly [number, number, number]): PixelImage[] {
  const size = height * width * channels;
  return Array.from({ length: count }, (_, index) => ({
    width,
    height,
    channels: channels === 1 ? 1 : 3,
    data: channels === 1 || channels === 3 ? toBytes(values.subarray(index * size, (index + 1) * size), -1, 1) : toBytes(firstChannel(values.subarray(index * size, (index + 1) * size), channels), -1, 1),
  }));
}

function firstChannel(values: Float32Array, channels: number): Float32Array {
  return Float32Array.from({ length: values.length / channels }, (_, index) => values[index * channels] as number);
}

/**
 * The run's fixed latent vectors, one per cell of the sample grid (row-major, `latent`
 * values each), drawn from the run's seed: the same seed gives the same vectors, so a
 * checkpoint's `seed` recreates the grid it was trained with.
 */
export function fixedLatentVectors(seed: number, latent: number): Float32Array {
  return normalValues(SAMPLE_GRID.rows * SAMPLE_GRID.columns * latent, toRandom(seed * 7 + 1));
}

/** Renders `latents` through the generator (inference mode) as a grid PNG. */
export async function renderSamples(generator: CompiledModel, latents: Float32Array, count: number, columns: number, shape: readonly [number, number, number]): Promise<Buffer> {
  const output = tf.tidy(() => generator.predictor.apply(tf.tensor2d(latents, [count, latents.length / count]), { training: false }) as tf.Tensor);
  const values = (await output.data()) as Float32Array;
  output.dispose();
  const grid = tileImages(toPixelImages(values, count, shape), columns);
  return encodePng(enlarge(grid, shape[1] < 48 ? 2 : 1));
}

/** The straight line from latent `from` to latent `to` in `steps` vectors, both ends included. */
export function interpolateLatents(from: Float32Array, to: Float32Array, steps: number): Float32Array {
  const latent = from.length;
  const out = new Float32Array(steps * latent);
  for (let step = 0; step < steps; step += 1) {
    const t = steps === 1 ? 0 : step / (steps - 1);
    for (let index = 0; index < latent; index += 1) out[step * latent + index] = (1 - t) * (from[index] as number) + t * (to[index] as number);
  }
  return out;
}

/**
 * One GAN training step on the batch in `images` (normalised to [−1, 1], channels last):
 * the discriminator on real (target 1) and generated (target 0) images, then the generator
 * with the non-saturating loss. Latent vectors are drawn from `random`.
 */
export function createGanStep(
  gan: CompiledGan,
  optimizers: { readonly generator: tf.Optimizer; readonly discriminator: tf.Optimizer },
  batchSize: number,
  images: Float32Array,
): (random: Random) => Promise<{ discriminator: number; generator: number }> {
  const latent = gan.latent;
  const imageShape = toTensorShape(gan.discriminator.inputShape);
  const discriminatorKind = toOutputKind(gan.discriminator.lastLayerKind);
  const generatorVariables = variablesOf(gan.generator);
  const discriminatorVariables = variablesOf(gan.discriminator);
  // Each network's forward pass in training mode, without tfjs-layers' graph executor where it can (inference-plan.ts).
  const forward = (model: LayersModel) => toTrainingForward(model) ?? ((x: tf.Tensor) => model.apply(x, { training: true }) as tf.Tensor);
  const generate = forward(gan.generator.model);
  const discriminate = forward(gan.discriminator.model);
  return async (random) => {
    const noise = (): tf.Tensor2D => tf.tensor2d(normalValues(batchSize * latent, random), [batchSize, latent]);
    const losses = tf.tidy(() => {
      const real = tf.tensor(images, [batchSize, ...imageShape]);
      const fake = generate(noise());
      const discriminatorLoss = optimizers.discriminator.minimize(() => {
        const onReal = discriminate(real);
        const onFake = discriminate(fake);
        return tf.add(binaryCrossEntropy(onReal, 1, discriminatorKind), binaryCrossEntropy(onFake, 0, discriminatorKind));
      }, true, discriminatorVariables) as tf.Scalar;
      const z = noise();
      const generatorLoss = optimizers.generator.minimize(() => {
        return binaryCrossEntropy(discriminate(generate(z)), 1, discriminatorKind);
      }, true, generatorVariables) as tf.Scalar;
      return [discriminatorLoss, generatorLoss];
    });
    const [discriminator, generator] = await Promise.all(losses.map(async (loss) => (await loss.data())[0] as number));
    tf.dispose(losses);
    return { discriminator: discriminator as number, generator: generator as number };
  };
}

export async function trainGan(root: GanNode, dataset: Dataset, settings: TrainingSettings, backend: BackendChoice, hooks: TrainingHooks): Promise<FinishedEvent | StoppedEvent> {
  const gan = compileGan(root, { seed: settings.seed });
  checkGanFits(gan, dataset);
  const optimizerSpec: OptimizerSpec = { kind: settings.optimizer, learningRate: settings.learningRate, beta1: 0.5 };
  const generatorOptimizer = createOptimizer(optimizerSpec);
  const discriminatorOptimizer = createOptimizer(optimizerSpec);
  const checkpointDirectory = settings.outDirectory === null ? null : toCheckpointDirectory(settings.outDirectory);
  const log = MetricsLog.inFolder(settings.outDirectory);
  const emit = (event: TrainingEvent): void => {
    log.record(event);
    hooks.onEvent(event);
  };
  const shape = dataset.shape;
  const pixels = shape[0] * shape[1] * shape[2];
  const trainCount = Math.min(dataset.train.count, settings.limit?.train ?? Infinity);
  const latent = gan.latent;
  const fixedLatents = fixedLatentVectors(settings.seed, latent);

  const batchSize = settings.batchSize;
  const batches = Math.floor(trainCount / batchSize);
  if (batches === 0) throw new TrainingError(`${dataset.name} has ${trainCount} images, fewer than one batch of ${batchSize}`);
  const start = await startRun(checkpointDirectory, settings.resume, log, hooks, batches, (found, directory) => resumeGan(found, directory, gan, generatorOptimizer, discriminatorOptimizer, root));
  const { startEpoch, previousCheckpoint } = start;
  let { step, lastCheckpoint } = start;
  const images = new Float32Array(batchSize * pixels);
  const labels = new Int32Array(batchSize);
  let lastSamples: string | null = null;

  emit({
    event: 'started',
    kind: 'gan',
    model: root.name,
    backend: backend.backend,
    passedOver: backend.passedOver,
    dataset: dataset.name,
    trainImages: batches * batchSize,
    validationImages: 0,
    testImages: 0,
    epochs: settings.epochs,
    batchSize,
    workers: 1,
    startEpoch,
    previousCheckpoint,
  });

  const trainStep = createGanStep(gan, { generator: generatorOptimizer, discriminator: discriminatorOptimizer }, batchSize, images);

  try {
    for (let epoch = startEpoch + 1; epoch <= settings.epochs; epoch += 1) {
      const random = toRandom(settings.seed * 1_000_003 + epoch);
      const order = shuffledIndices(trainCount, random);
      const started = performance.now();
      let lastReport = started;
      let discriminatorSum = 0;
      let generatorSum = 0;
      for (let batch = 0; batch < batches; batch += 1) {
        const stopped = stopIfCancelled(hooks.signal, emit, epoch, lastCheckpoint);
        if (stopped !== null) return stopped;
        assembleBatch(dataset.train, shape, order, batch * batchSize, batchSize, SYMMETRIC_UNIT, NO_AUGMENTATION, random, images, labels);
        const losses = await trainStep(random);
        step += 1;
        if (!Number.isFinite(losses.discriminator) || !Number.isFinite(losses.generator)) {
          throw new TrainingError(
            `the ${Number.isFinite(losses.discriminator) ? 'generator' : 'discriminator'} loss became NaN or infinite in epoch ${epoch}, batch ${batch + 1}: training diverged. Lower the learning rate (now ${settings.learningRate})`,
          );
        }
        discriminatorSum += losses.discriminator;
        generatorSum += losses.generator;
        const now = performance.now();
        if (now - lastReport >= PROGRESS_INTERVAL_MS || batch === batches - 1) {
          lastReport = now;
          emit({
            event: 'progress',
            epoch,
            epochs: settings.epochs,
            batch: batch + 1,
            batches,
            loss: discriminatorSum / (batch + 1),
            accuracy: null,
            generatorLoss: generatorSum / (batch + 1),
            imagesPerSecond: ((batch + 1) * batchSize * 1000) / (now - started),
          });
          await yieldToEventLoop();
        }
      }
      // A cancel that arrived during the epoch's last batch stops before its samples and checkpoint too.
      const stoppedAtEnd = stopIfCancelled(hooks.signal, emit, epoch, lastCheckpoint);
      if (stoppedAtEnd !== null) return stoppedAtEnd;
      const seconds = (performance.now() - started) / 1000;
      const png = await renderSamples(gan.generator, fixedLatents, SAMPLE_GRID.rows * SAMPLE_GRID.columns, SAMPLE_GRID.columns, shape);
      if (settings.outDirectory !== null) {
        lastSamples = path.join(settings.outDirectory, 'samples', `epoch-${String(epoch).padStart(4, '0')}.png`);
        await mkdir(path.dirname(lastSamples), { recursive: true });
        await writeFile(lastSamples, png);
      }
      emit({ event: 'samplesReady', epoch, path: lastSamples, rows: SAMPLE_GRID.rows, columns: SAMPLE_GRID.columns, png: png.toString('base64') });
      const ended: EpochEndedEvent = {
        event: 'epochEnded',
        epoch,
        epochs: settings.epochs,
        loss: discriminatorSum / batches,
        accuracy: null,
        generatorLoss: generatorSum / batches,
        validationLoss: null,
        validationAccuracy: null,
        seconds,
        imagesPerSecond: (batches * batchSize) / seconds,
        checkpoint: checkpointDirectory ?? lastCheckpoint,
      };
      lastCheckpoint = await checkpointEpoch<GanState>(log, hooks, checkpointDirectory, lastCheckpoint, ended, step, () => {
        const state: Omit<GanState, keyof EpochPosition> = {
          kind: 'gan',
          model: root.name,
          dataset: dataset.name,
          seed: settings.seed,
          optimizer: optimizerSpec,
        };
        return {
          models: { generator: gan.generator.model, discriminator: gan.discriminator.model },
          optimizers: { generator: generatorOptimizer, discriminator: discriminatorOptimizer },
          state,
        };
      });
      hooks.onEvent(ended);
    }
    let interpolation: string | null = null;
    if (settings.outDirectory !== null) {
      const walks = Array.from({ length: INTERPOLATION.rows }, (_, row) =>
        interpolateLatents(fixedLatents.subarray(2 * row * latent, (2 * row + 1) * latent), fixedLatents.subarray((2 * row + 1) * latent, (2 * row + 2) * latent), INTERPOLATION.steps),
      );
      const latents = new Float32Array(walks.reduce((total, walk) => total + walk.length, 0));
      walks.forEach((walk, row) => latents.set(walk, row * walk.length));
      interpolation = path.join(settings.outDirectory, 'interpolation.png');
      await mkdir(settings.outDirectory, { recursive: true });
      await writeFile(interpolation, await renderSamples(gan.generator, latents, INTERPOLATION.rows * INTERPOLATION.steps, INTERPOLATION.steps, shape));
    }
    const finished: FinishedEvent = { event: 'finished', testAccuracy: null, testLoss: null, checkpoint: lastCheckpoint, samples: lastSamples, interpolation };
    emit(finished);
    return finished;
  } finally {
    await log.flush();
  }
}

export function checkGanFits(gan: CompiledGan, dataset: Dataset): void {
  const mismatch = describeMismatch(dataset, gan.discriminator.inputShape, `${gan.name}'s discriminator`);
  if (mismatch !== null) throw new TrainingError(mismatch);
  const generated = gan.generator.outputShape.join(',');
  if (generated !== dataset.shape.join(',')) {
    throw new TrainingError(`${gan.name}'s generator makes [${gan.generator.outputShape.join(', ')}] but ${dataset.name}'s images are [${dataset.shape.join(', ')}]`);
  }
}

/** Loads the checkpoint `found` (recovered for `directory`) into the networks and optimizers; returns its training.json. */
async function resumeGan(found: FoundCheckpoint, directory: string, gan: CompiledGan, generatorOptimizer: tf.Optimizer, discriminatorOptimizer: tf.Optimizer, root: GanNode): Promise<GanState> {
  const state = found.state as unknown as GanState;
  if (state.kind !== 'gan' || state.model !== root.name) throw new TrainingError(`--resume: the checkpoint in ${directory} is of '${state.model}', not '${root.name}'`);
  assignWeights(gan.generator.model, (await readModelWeights(path.join(found.folder, 'generator'))).weights, `the generator in ${directory}`);
  assignWeights(gan.discriminator.model, (await readModelWeights(path.join(found.folder, 'discriminator'))).weights, `the discriminator in ${directory}`);
  const generatorWeights = await readOptimizerWeights(found.folder, 'generator');
  if (generatorWeights !== null && generatorWeights.length > 0) await generatorOptimizer.setWeights(generatorWeights);
  const discriminatorWeights = await readOptimizerWeights(found.folder, 'discriminator');
  if (discriminatorWeights !== null && discriminatorWeights.length > 0) await discriminatorOptimizer.setWeights(discriminatorWeights);
  return state;
}
