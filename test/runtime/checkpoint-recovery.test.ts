/**
 * Resume never goes back. A training run is killed at each stage of an epoch's checkpoint
 * swap — by a hook that never returns (a promise that never settles: nothing after it
 * runs, as after kill -9), not by timing — on top of the leftovers of an earlier kill.
 * Then `--resume` (runTraining, as the CLI calls it) and the loader `convlens run` uses
 * (loadTrainedModel) both take the newest complete checkpoint, whose weights are those an
 * uninterrupted run with the same seed had at that epoch (the oracle); the leftovers are
 * gone after the next epoch; the resumed run ends with the uninterrupted run's weights;
 * and metrics.jsonl holds exactly one epochEnded line per epoch, equal to what the
 * checkpoints record. Also: the completeness rule on torn folders, a fresh run after a
 * crash, the metrics log's repair, and a GAN killed mid-swap.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { conv2d, dense, flatten, gan, input, model, relu, reshape, sigmoid, tanh } from 'convlens';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { compileModel } from 'convlens-runtime/compile';
import { interpolateSamples } from 'convlens-runtime/inspection/gan-interpolation';
import { encodePng } from 'convlens-runtime/inspection/image-grid';
import { loadTrainedModel } from 'convlens-runtime/inspection/trained-model';
import type { TrainingEvent, TrainingSettings } from 'convlens-runtime/protocol';
import { runTraining } from 'convlens-runtime/run-training';
import { findCheckpoint, inspectCheckpoint, readCheckpointState, readModelWeights, recoverCheckpoint, writeCheckpoint } from 'convlens-runtime/training/checkpoint';
import { CHECKPOINT_STAGES, type CheckpointStage } from 'convlens-runtime/training/epoch-checkpoint';
import type { ClassifierState, TrainingHooks } from 'convlens-runtime/training/train-classifier';

const tinyNet = model('tinyNet', input(1, 8, 8), conv2d(4, 3), relu(), flatten(), dense(2));
const tinyGan = gan('tinyGan', {
  latent: 4,
  image: [1, 8, 8],
  generator: [dense(64), reshape(1, 8, 8), tanh()],
  discriminator: [flatten(), dense(1), sigmoid()],
});

/** 48 training images: 36 train in 5 batches of 8 (the last of 4), 12 validate. */
const STEPS_PER_EPOCH = 5;

type Weights = Record<string, number[]>;

async function weightsOf(folder: string): Promise<Weights> {
  const { weights } = await readModelWeights(folder);
  return Object.fromEntries(Object.entries(weights).map(([name, tensor]) => [name, Array.from(tensor.dataSync())]));
}

function leftoversIn(out: string): { fresh: number; aside: number } {
  const names = readdirSync(out);
  return { fresh: names.filter((name) => name.startsWith('.checkpoint-new-')).length, aside: names.filter((name) => name.startsWith('.checkpoint-old-')).length };
}

interface LogLine {
  readonly run: string;
  readonly lineage: string;
  readonly event: string;
  readonly epoch?: number;
}

function metricsOf(out: string): LogLine[] {
  return readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as LogLine);
}

function epochLines(out: string): number[] {
  return metricsOf(out).filter((line) => line.event === 'epochEnded').map((line) => line.epoch ?? -1);
}

/**
 * Trains until `stage` of epoch `epoch`'s checkpoint and dies there: the hook returns a
 * promise that never settles, so nothing after that point runs.
 */
async function runUntilKilled(root: Parameters<typeof runTraining>[0], settings: TrainingSettings, stage: CheckpointStage, epoch: number): Promise<void> {
  let killed!: () => void;
  const death = new Promise<void>((resolve) => {
    killed = resolve;
  });
  const hooks: TrainingHooks = {
    onEvent: () => undefined,
    onCheckpointStage: (reached, at) => {
      if (reached !== stage || at !== epoch) return undefined;
      killed();
      return new Promise<void>(() => undefined);
    },
  };
  const run = runTraining(root, settings, hooks).then(() => {
    throw new Error(`the run ended without reaching ${stage} of epoch ${epoch}`);
  });
  await Promise.race([death, run]);
}

describe('runtime: checkpoint recovery after a crash at each stage of the swap', function () {
  this.timeout(120_000);
  let folder: string;
  let images: string;
  /** The uninterrupted run's checkpoint weights after each epoch (1 to 4). */
  const reference = new Map<number, Weights>();

  function toSettings(out: string, overrides: Partial<TrainingSettings> = {}): TrainingSettings {
    return {
      dataset: images,
      epochs: 4,
      batchSize: 8,
      learningRate: 0.01,
      optimizer: 'adam',
      validationSplit: 0.25,
      augmentation: { cropPadding: 0, mirror: false },
      tta: false,
      seed: 3,
      backend: 'cpu',
      outDirectory: out,
      resume: false,
      workers: 1,
      cwd: folder,
      ...overrides,
    };
  }

  before(async () => {
    await chooseBackend({ requested: 'cpu' });
    folder = mkdtempSync(path.join(tmpdir(), 'convlens-recovery-'));
    // Two classes of 8×8 grey images: dark ones with a bright pixel, bright ones with a dark pixel.
    images = path.join(folder, 'images');
    for (const [name, base, mark] of [['dark', 40, 220], ['light', 210, 30]] as const) {
      mkdirSync(path.join(images, name), { recursive: true });
      for (let index = 0; index < 24; index += 1) {
        const data = new Uint8Array(64).fill(base + (index % 5) * 3);
        data[(index * 7) % 64] = mark;
        writeFileSync(path.join(images, name, `${String(index).padStart(2, '0')}.png`), encodePng({ width: 8, height: 8, channels: 1, data }));
      }
    }
    const out = path.join(folder, 'reference');
    await runTraining(tinyNet, toSettings(out), {
      onEvent: (event) => {
        if (event.event === 'epochEnded') cpSync(path.join(out, 'checkpoint'), path.join(folder, `reference-epoch-${event.epoch}`), { recursive: true });
      },
    });
    for (let epoch = 1; epoch <= 4; epoch += 1) reference.set(epoch, await weightsOf(path.join(folder, `reference-epoch-${epoch}`)));
    assert.notDeepEqual(reference.get(3), reference.get(2));
    assert.deepEqual(epochLines(out), [1, 2, 3, 4]);
  });

  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('the checkpoint records its epoch and global step, read back as written', async () => {
    const checkpoint = path.join(folder, 'reference', 'checkpoint');
    const state = await readCheckpointState<ClassifierState>(checkpoint);
    assert.deepEqual([state.epoch, state.step], [4, 4 * STEPS_PER_EPOCH]);
    const found = await recoverCheckpoint(checkpoint);
    assert.deepEqual([found?.folder, found?.epoch, found?.step, found?.recovery], [checkpoint, 4, 20, null]);
    // The epoch's metrics line, as the log holds it.
    const last = metricsOf(path.join(folder, 'reference')).filter((line) => line.event === 'epochEnded').at(-1);
    assert.deepEqual(state.metricsLine, last);
  });

  // Killed first at filesWritten of epoch 2 (checkpoint/ holds epoch 1, a complete new folder
  // epoch 2), resumed, then killed at `stage` of epoch 3. What stands then, by stage:
  // [epoch, step, where the newest complete one is, .checkpoint-new-* count, .checkpoint-old-* count, checkpoint/ exists].
  const expected: Record<CheckpointStage, readonly [number, number, 'new' | 'checkpoint', number, number, boolean]> = {
    metricsWritten: [2, 10, 'new', 1, 0, true],
    folderCreated: [2, 10, 'new', 2, 0, true],
    modelsWritten: [2, 10, 'new', 2, 0, true],
    optimizersWritten: [2, 10, 'new', 2, 0, true],
    filesWritten: [3, 15, 'new', 2, 0, true],
    asideRenamed: [3, 15, 'new', 2, 1, false],
    swapped: [3, 15, 'checkpoint', 1, 1, true],
    cleaned: [3, 15, 'checkpoint', 0, 0, true],
  };

  it('covers every stage of the swap', () => {
    assert.deepEqual(Object.keys(expected), [...CHECKPOINT_STAGES]);
  });

  for (const stage of CHECKPOINT_STAGES) {
    it(`killed at ${stage}: --resume and the run-side loader take the newest complete checkpoint; leftovers go after the next epoch; metrics agree`, async () => {
      const [epoch, step, where, fresh, aside, standing] = expected[stage];
      const out = path.join(folder, `killed-at-${stage}`);
      const checkpoint = path.join(out, 'checkpoint');
      await runUntilKilled(tinyNet, toSettings(out), 'filesWritten', 2);
      await runUntilKilled(tinyNet, toSettings(out, { resume: true }), stage, 3);

      // What the crash left.
      assert.deepEqual(leftoversIn(out), { fresh, aside });
      assert.equal(readdirSync(out).includes('checkpoint'), standing);
      // Every epoch whose checkpoint was ever complete has its line: epoch 3's was written before its checkpoint.
      assert.deepEqual(epochLines(out), [1, 2, 3]);

      const found = await recoverCheckpoint(checkpoint);
      assert.ok(found !== null);
      assert.deepEqual([found.epoch, found.step], [epoch, step]);
      assert.equal(where === 'checkpoint' ? found.folder : path.basename(found.folder).slice(0, '.checkpoint-new-'.length), where === 'checkpoint' ? checkpoint : '.checkpoint-new-');
      assert.equal(await findCheckpoint(checkpoint), found.folder);

      // `convlens run`'s loader, given …/checkpoint: the same checkpoint, and it says which.
      const loaded = await loadTrainedModel(tinyNet, checkpoint);
      assert.equal(loaded.state.epoch, epoch);
      assert.equal(loaded.checkpoint, found.folder);
      const why =
        where === 'checkpoint'
          ? null
          : standing
            ? `${checkpoint} holds epoch 1, step 5, but an interrupted training run left a newer complete checkpoint beside it`
            : `${checkpoint} is missing: a training run was interrupted while replacing it`;
      assert.equal(loaded.recovered, why === null ? null : `${why}; using the newest complete one, epoch ${epoch}, step ${step}: ${found.folder}`);
      const oracle = reference.get(epoch)!;
      for (const variable of loaded.compiled.model.weights) assert.deepEqual(Array.from(variable.read().dataSync()), oracle[variable.originalName], variable.originalName);
      loaded.compiled.model.dispose();
      // Nothing was removed by reading.
      assert.deepEqual(leftoversIn(out), { fresh, aside });

      // --resume, as the CLI calls it.
      const events: TrainingEvent[] = [];
      const said: string[] = [];
      const leftoversAfterEpoch: { fresh: number; aside: number }[] = [];
      const result = await runTraining(
        tinyNet,
        toSettings(out, { resume: true }),
        {
          onEvent: (event) => {
            events.push(event);
            if (event.event === 'epochEnded') leftoversAfterEpoch.push(leftoversIn(out));
          },
        },
        { log: (line) => said.push(line) },
      );
      assert.equal(events[0]?.event === 'started' && events[0].startEpoch, epoch);
      assert.deepEqual(said, why === null ? [] : [`--resume: ${loaded.recovered}`]);
      assert.deepEqual(
        events.flatMap((event) => (event.event === 'epochEnded' ? [event.epoch] : [])),
        Array.from({ length: 4 - epoch }, (_, index) => epoch + 1 + index),
      );
      // Leftovers go with the first epoch that stands after the crash.
      assert.deepEqual(leftoversAfterEpoch[0], { fresh: 0, aside: 0 });
      assert.equal(result.event === 'finished' && result.checkpoint, checkpoint);

      // The resumed run ends where the uninterrupted one did.
      const state = await readCheckpointState<ClassifierState>(checkpoint);
      assert.deepEqual([state.epoch, state.step], [4, 4 * STEPS_PER_EPOCH]);
      assert.deepEqual(await weightsOf(checkpoint), reference.get(4));
      // One line per epoch, of one lineage, and the checkpoint's own line is the log's last.
      assert.deepEqual(epochLines(out), [1, 2, 3, 4]);
      const lines = metricsOf(out);
      assert.deepEqual([...new Set(lines.map((line) => line.lineage))], [lines[0]?.run]);
      assert.deepEqual(state.metricsLine, lines.filter((line) => line.event === 'epochEnded').at(-1));
    });
  }

  it('completeness: a folder counts only when training.json parses and every file has the bytes its manifest says; never directory order', async () => {
    const out = path.join(folder, 'fixtures');
    const checkpoint = path.join(out, 'checkpoint');
    const compiled = compileModel(tinyNet, { seed: 1 });
    const optimizer = tf.train.adam(0.01);
    const x = tf.variable(tf.scalar(1));
    optimizer.minimize(() => tf.square(x) as tf.Scalar, false, [x]);
    // Complete checkpoints of epochs 1 to 9 (steps 5 per epoch), each under its own name.
    const written = async (epoch: number, name: string): Promise<string> => {
      const source = path.join(out, `source-${epoch}`);
      await writeCheckpoint(source, { models: { '.': compiled.model }, optimizers: { model: optimizer }, state: { kind: 'classifier', model: 'tinyNet', epoch, step: epoch * 5 } });
      renameSync(source, path.join(out, name));
      return path.join(out, name);
    };
    // Sorted first by name, and directory order is anyone's.
    const oldest = await written(1, '.checkpoint-new-000000000000');
    const older = await written(3, '.checkpoint-old-000000000000');
    const newest = await written(4, '.checkpoint-new-aaaaaaaaaaaa');
    const tornTraining = await written(5, '.checkpoint-new-bbbbbbbbbbbb');
    const tornModel = await written(6, '.checkpoint-new-cccccccccccc');
    const tornWeights = await written(7, '.checkpoint-new-dddddddddddd');
    const tornOptimizer = await written(8, '.checkpoint-new-eeeeeeeeeeee');
    const noTraining = await written(9, '.checkpoint-new-ffffffffffff');
    const trainingText = readFileSync(path.join(tornTraining, 'training.json'), 'utf8');
    writeFileSync(path.join(tornTraining, 'training.json'), trainingText.slice(0, trainingText.length - 4));
    const modelText = readFileSync(path.join(tornModel, 'model.json'), 'utf8');
    writeFileSync(path.join(tornModel, 'model.json'), modelText.slice(0, modelText.length - 10));
    truncateSync(path.join(tornWeights, 'weights.bin'), 16);
    truncateSync(path.join(tornOptimizer, 'optimizer-model.bin'), 2);
    rmSync(path.join(noTraining, 'training.json'));

    const positions = await Promise.all([oldest, older, newest, tornTraining, tornModel, tornWeights, tornOptimizer, noTraining].map(async (each) => {
      const inspected = await inspectCheckpoint(each);
      return inspected === null ? null : [inspected.epoch, inspected.step];
    }));
    assert.deepEqual(positions, [[1, 5], [3, 15], [4, 20], null, null, null, null, null]);
    // A folder that is not there.
    assert.equal(await inspectCheckpoint(path.join(out, 'nowhere')), null);

    const found = await recoverCheckpoint(checkpoint);
    assert.deepEqual([found?.folder, found?.epoch, found?.step], [newest, 4, 20]);
    const loaded = await loadTrainedModel(tinyNet, checkpoint);
    assert.equal(loaded.checkpoint, newest);
    assert.equal(loaded.recovered, `${checkpoint} is missing: a training run was interrupted while replacing it; using the newest complete one, epoch 4, step 20: ${newest}`);
    loaded.compiled.model.dispose();

    // A checkpoint/ that is complete and newest is used as it is, whatever lies beside it.
    renameSync(newest, checkpoint);
    assert.deepEqual(await recoverCheckpoint(checkpoint).then((each) => [each?.folder, each?.recovery]), [checkpoint, null]);
    // Nothing complete: the loader says so in one line.
    const empty = path.join(out, 'empty', 'checkpoint');
    mkdirSync(empty, { recursive: true });
    await assert.rejects(loadTrainedModel(tinyNet, empty), { message: `${empty} holds no classifier checkpoint (model.json and training.json)` });
    await assert.rejects(loadTrainedModel(tinyNet, path.join(out, 'missing', 'checkpoint')), { message: `checkpoint ${path.join(out, 'missing', 'checkpoint')} does not exist` });
    compiled.model.dispose();
    tf.dispose([x]);
  });

  it('a fresh run after a crash keeps the newest complete checkpoint under its own name and clears the leftovers, so none passes for its own', async () => {
    const out = path.join(folder, 'fresh-after-crash');
    await runUntilKilled(tinyNet, toSettings(out), 'filesWritten', 2);
    await runUntilKilled(tinyNet, toSettings(out, { resume: true }), 'asideRenamed', 3);
    assert.deepEqual(leftoversIn(out), { fresh: 2, aside: 1 });

    const events: TrainingEvent[] = [];
    await runUntilKilled(tinyNet, toSettings(out, { epochs: 2 }), 'asideRenamed', 2);
    // The new run killed mid-swap of its epoch 2: its own epoch 2 is found, not the old run's epoch 3.
    const found = await recoverCheckpoint(path.join(out, 'checkpoint'));
    assert.deepEqual([found?.epoch, found?.step], [2, 10]);
    const kept = readdirSync(out).filter((name) => name.startsWith('checkpoint-'));
    assert.equal(kept.length, 1);
    assert.deepEqual(await readCheckpointState<ClassifierState>(path.join(out, kept[0]!)).then((state) => [state.epoch, state.step]), [3, 15]);
    assert.deepEqual(await weightsOf(path.join(out, kept[0]!)), reference.get(3));

    await runTraining(tinyNet, toSettings(out, { epochs: 3, resume: true }), { onEvent: (event) => events.push(event) });
    assert.equal(events[0]?.event === 'started' && events[0].startEpoch, 2);
    assert.deepEqual(leftoversIn(out), { fresh: 0, aside: 0 });
    // The log keeps both runs apart: the old lineage's three epochs, the new one's three.
    const lines = metricsOf(out).filter((line) => line.event === 'epochEnded');
    const lineages = [...new Set(lines.map((line) => line.lineage))];
    assert.equal(lineages.length, 2);
    assert.deepEqual(lineages.map((lineage) => lines.filter((line) => line.lineage === lineage).map((line) => line.epoch)), [[1, 2, 3], [1, 2, 3]]);
  });

  it('the metrics log on resume: a line lost from the log comes back from the checkpoint; a torn line goes; other runs’ lines stay', async () => {
    const out = path.join(folder, 'metrics-repair');
    await runTraining(tinyNet, toSettings(out, { epochs: 2 }), { onEvent: () => undefined });
    const state = await readCheckpointState<ClassifierState>(path.join(out, 'checkpoint'));
    const file = path.join(out, 'metrics.jsonl');
    const original = readFileSync(file, 'utf8').trim().split('\n');
    const foreign = JSON.stringify({ run: 'another', lineage: 'another', event: 'epochEnded', epoch: 9 });
    // Epoch 2's line lost (an append that failed), another run's line, and a line torn by a kill mid-append.
    writeFileSync(file, `${[...original.filter((line) => !(line.includes('"epochEnded"') && line.includes('"epoch":2,'))), foreign].join('\n')}\n{"run":"x","ev`);

    await runTraining(tinyNet, toSettings(out, { epochs: 3, resume: true }), { onEvent: () => undefined });
    const lines = metricsOf(out);
    const own = lines.filter((line) => line.lineage === state.lineage && line.event === 'epochEnded');
    assert.deepEqual(own.map((line) => line.epoch), [1, 2, 3]);
    assert.deepEqual(own[1], state.metricsLine);
    assert.deepEqual(lines.filter((line) => line.lineage === 'another'), [JSON.parse(foreign)]);
  });

  it('a GAN killed between the renames resumes from the newest checkpoint, which interpolation reads too', async () => {
    const out = path.join(folder, 'gan');
    const checkpoint = path.join(out, 'checkpoint');
    const settings = toSettings(out, { epochs: 3, validationSplit: 0, learningRate: 2e-4 });
    await runUntilKilled(tinyGan, settings, 'asideRenamed', 2);
    assert.deepEqual(leftoversIn(out), { fresh: 1, aside: 1 });
    // Six batches of 8 per epoch.
    assert.deepEqual(await recoverCheckpoint(checkpoint).then((found) => [found?.epoch, found?.step]), [2, 12]);
    const strip = await interpolateSamples(tinyGan, checkpoint, 0, 1, 2);
    assert.equal(strip.steps, 2);
    // It says which folder it used, for the runtime process to log.
    assert.match(strip.recovered ?? '', new RegExp(`^${checkpoint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is missing: a training run was interrupted while replacing it; using the newest complete one, `));

    const events: TrainingEvent[] = [];
    await runTraining(tinyGan, { ...settings, resume: true }, { onEvent: (event) => events.push(event) });
    assert.equal(events[0]?.event === 'started' && events[0].startEpoch, 2);
    assert.deepEqual(leftoversIn(out), { fresh: 0, aside: 0 });
    assert.deepEqual(await readCheckpointState<ClassifierState>(checkpoint).then((state) => [state.epoch, state.step]), [3, 18]);
    assert.deepEqual(epochLines(out), [1, 2, 3]);
  });
});
